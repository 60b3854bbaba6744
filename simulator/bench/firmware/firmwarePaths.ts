// Where the firmware package's files are, and its build API, loaded by path at run time as
// test/firmware/fixtureBundles.ts does: the build is not part of the firmware's published API,
// so it stays out of this package's type check.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const FIRMWARE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'firmware');
export const VALVE_BUNDLE = join(FIRMWARE, 'dist', 'valve.js');
export const SIZES = join(FIRMWARE, 'dist', 'sizes.json');
export const RESULTS = join(FIRMWARE, 'bench', 'RESULTS.md');

/** The minified bundle of firmware/test/fixtures/<name>.ts, built by the firmware build; a dialect problem throws. */
export async function fixtureBundle(name: string): Promise<string> {
  type BundleApp = (entry: string, name: string, root: string) => Promise<{ minified: string; problems: string[] }>;
  const { bundleApp } = (await import(pathToFileURL(join(FIRMWARE, 'build', 'bundle.ts')).href)) as { bundleApp: BundleApp };
  const b = await bundleApp(join(FIRMWARE, 'test', 'fixtures', `${name}.ts`), name, FIRMWARE);
  if (b.problems.length) throw new Error(b.problems.join('\n'));
  return b.minified;
}
