// `npm run build`: the app bundles, their size report, and a non-zero exit naming each problem.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, buildApps } from './apps.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
try {
  const sizes = await buildApps(root);
  for (const s of sizes) console.log(`firmware: dist/${s.app}.js ${s.bytes} B of ${s.budget} B`);
  if (!sizes.length) console.log('firmware: no app entry yet (src/valve/main.ts, src/charger/main.ts); nothing bundled');
} catch (e) {
  console.error(e instanceof BuildError ? `firmware build failed:\n${e.message}` : e);
  process.exitCode = 1;
}
