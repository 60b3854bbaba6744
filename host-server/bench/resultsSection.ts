// Each bench owns one section of bench/RESULTS.md: it replaces that section (or appends it) and
// leaves the other benches' sections as they are.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export function writeSection(file: string, heading: string, section: string): void {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(heading);
  const end = at < 0 ? -1 : text.indexOf('\n## ', at + 1);
  const next = at < 0 ? text.trimEnd() + '\n\n' + section : text.slice(0, at) + section + (end < 0 ? '' : text.slice(end + 1));
  writeFileSync(file, next);
}

/** The machine line every section starts with. */
export function machine(extra = ''): string {
  return `${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}${extra}; ${new Date().toISOString()}`;
}

export const loadAverage = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');
