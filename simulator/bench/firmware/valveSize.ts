// The valve bundle's bytes against its budget, from the firmware build's firmware/dist/sizes.json,
// checked against the firmware/dist/valve.js the other sections run.
import { readFileSync } from 'node:fs';
import { SIZES } from './firmwarePaths.js';
import { fmt } from './stats.js';

interface AppSize {
  app: string;
  bytes: number;
  debugBytes: number;
  budget: number;
  parts: Array<{ part: string; bytes: number }>;
}

/** Parts listed by name; the rest are summed. */
const LARGEST = 6;

export function valveSizeSection(bundle: string): string[] {
  const sizes = JSON.parse(readFileSync(SIZES, 'utf8')) as AppSize[];
  const s = sizes.find((a) => a.app === 'valve');
  if (!s) throw new Error(`no valve entry in ${SIZES}`);
  const bytes = Buffer.byteLength(bundle, 'utf8');
  if (bytes !== s.bytes) throw new Error(`firmware/dist/valve.js is ${bytes} bytes but sizes.json says ${s.bytes}: rebuild the firmware`);
  if (bytes >= s.budget) throw new Error(`firmware/dist/valve.js is ${bytes} bytes, over its budget of ${s.budget}`);
  const parts = [...s.parts].sort((a, b) => b.bytes - a.bytes);
  const rest = parts.slice(LARGEST).reduce((n, p) => n + p.bytes, 0);
  return [
    '### Bundle bytes',
    '',
    `- \`firmware/dist/valve.js\` (minified, as flashed): **${fmt(bytes)} bytes**, ${((bytes / s.budget) * 100).toFixed(1)} % of its budget of ${fmt(s.budget)} (24 KB), ${fmt(s.budget - bytes)} bytes to spare; the bench fails at or over the budget. Unminified (\`valve.debug.js\`): ${fmt(s.debugBytes)} bytes.`,
    `- Largest parts (minified bytes each part adds, from \`firmware/dist/sizes.json\`): ${parts
      .slice(0, LARGEST)
      .map((p) => `\`${p.part}\` ${fmt(p.bytes)}`)
      .join(', ')}; the other ${parts.length - LARGEST} parts ${fmt(rest)}.`,
  ];
}
