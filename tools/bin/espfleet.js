#!/usr/bin/env node
// The `espfleet` command as npm links it. This file is in git, so npm links it at install
// time, before `make build` has compiled dist/cli.js; it only loads the build.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('espfleet: the CLI is not built yet; run `make build` (or `npm run build`) first\n');
  process.exit(2);
}
await import(cli.href);
