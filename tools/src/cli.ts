#!/usr/bin/env node
// espfleet — one CLI for bench technicians, flashing, the simulator and the server.
import { runCommand, type Command } from './command.js';
import { sim } from './commands/sim.js';
import { serve } from './commands/serve.js';
import { token } from './commands/token.js';
import { demo } from './commands/demo.js';
import { valve } from './commands/valve.js';
import { flash } from './commands/flash.js';

const commands: Command[] = [serve, token, sim, demo, valve, flash];

function usage(): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n');
  return `espfleet — TypeScript firmware, protocol, simulator and server for ESP32 fleets\n\nUsage: espfleet <command> [options]\n\nCommands:\n${rows}\n\nRun 'espfleet <command> --help' for a command's options; every command takes --json.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    if (argv.includes('--json')) process.stdout.write(JSON.stringify({ type: 'help', commands: commands.map((c) => ({ name: c.name, summary: c.summary })) }) + '\n');
    else process.stdout.write(usage() + '\n');
    return 0;
  }
  const c = commands.find((x) => x.name === name);
  if (!c) {
    process.stderr.write(`espfleet: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  // `espfleet token admin`: a leading word is the command's subject.
  if (c.name === 'token' && rest[0] && !rest[0].startsWith('-')) return runCommand(c, ['--role', rest[0], ...rest.slice(1)]);
  return runCommand(c, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`espfleet: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
