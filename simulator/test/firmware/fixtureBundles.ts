// Fixture bundles (firmware/test/fixtures/*.ts) built by the firmware's own build, so the
// simulator runs exactly what the build would flash. The build is loaded by path at run time:
// the simulator may use the firmware package (it comes before it), but the firmware build is
// not part of the firmware's published API, so it stays out of this package's type check.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FIRMWARE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'firmware');

/** What firmware/build/bundle.ts's bundleApp returns (the parts used here). */
interface FirmwareBundle {
  minified: string;
  problems: string[];
}
type BundleApp = (entry: string, name: string, root: string) => Promise<FirmwareBundle>;

const built = new Map<string, Promise<string>>();

/** The minified bundle of firmware/test/fixtures/<name>.ts, built once per test file; a dialect problem fails the test. */
export function fixtureBundle(name: string): Promise<string> {
  let b = built.get(name);
  if (!b) {
    b = (async () => {
      const { bundleApp } = (await import(pathToFileURL(join(FIRMWARE, 'build', 'bundle.ts')).href)) as { bundleApp: BundleApp };
      const r = await bundleApp(join(FIRMWARE, 'test', 'fixtures', `${name}.ts`), name, FIRMWARE);
      if (r.problems.length) throw new Error(r.problems.join('\n'));
      return r.minified;
    })();
    built.set(name, b);
  }
  return b;
}
