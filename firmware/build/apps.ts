// Builds every app whose entry exists into dist/<app>.js (flashed) and dist/<app>.debug.js
// (for reading), with a size report; any dialect problem or a bundle over budget fails it.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleApp } from './bundle.js';
import type { PartSize } from './partSizes.js';

/** The flashed script of each app must stay under this (issue 9 §3). */
export const BUDGET_BYTES = 24 * 1024;

export const APPS = [
  { name: 'valve', entry: 'src/valve/main.ts' },
  { name: 'charger', entry: 'src/charger/main.ts' },
];

export interface AppSize {
  app: string;
  bytes: number;
  debugBytes: number;
  budget: number;
  /** The minified bytes per source file, largest first. */
  parts: PartSize[];
}

export class BuildError extends Error {}

export function sizesMarkdown(sizes: AppSize[]): string {
  const rows = sizes.map((s) => `| ${s.app} | dist/${s.app}.js | ${s.bytes} B | ${s.budget} B | ${(s.bytes / s.budget * 100).toFixed(1)}% | ${s.debugBytes} B |`);
  return [
    '# Firmware bundle sizes',
    '',
    'Written by `npm run build -w @espfleet/firmware`; the build fails when a bundle is over its budget.',
    '',
    '| app | file | minified | budget | of budget | unminified (.debug.js) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...(rows.length ? rows : ['| (no app entry yet) | | | | | |']),
    '',
    ...sizes.flatMap((s) => [
      `## dist/${s.app}.js by source file`,
      '',
      '| part | minified |',
      '| --- | ---: |',
      ...s.parts.map((p) => `| ${p.part} | ${p.bytes} B |`),
      '',
    ]),
  ].join('\n');
}

export interface BuildOptions {
  apps?: { name: string; entry: string }[];
  budget?: number;
  /** Where the bundles and the report go; `<root>/dist` by default. */
  outDir?: string;
}

/** Builds the apps whose entry exists under `root`; throws BuildError naming every problem. */
export async function buildApps(root: string, o: BuildOptions = {}): Promise<AppSize[]> {
  const apps = o.apps ?? APPS;
  const budget = o.budget ?? BUDGET_BYTES;
  const dist = o.outDir ?? join(root, 'dist');
  await mkdir(dist, { recursive: true });
  const sizes: AppSize[] = [];
  const errors: string[] = [];
  for (const app of apps) {
    const entry = join(root, app.entry);
    if (!existsSync(entry)) continue;
    const b = await bundleApp(entry, app.name, root);
    const bytes = Buffer.byteLength(b.minified);
    errors.push(...b.problems);
    if (bytes > budget) errors.push(`dist/${app.name}.js: ${bytes} bytes is over the ${budget}-byte budget`);
    await writeFile(join(dist, `${app.name}.js`), b.minified);
    await writeFile(join(dist, `${app.name}.debug.js`), b.debug);
    sizes.push({ app: app.name, bytes, debugBytes: Buffer.byteLength(b.debug), budget, parts: b.parts });
  }
  await writeFile(join(dist, 'SIZES.md'), sizesMarkdown(sizes));
  await writeFile(join(dist, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
  if (errors.length) throw new BuildError(errors.join('\n'));
  return sizes;
}
