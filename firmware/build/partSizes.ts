// Which source file each byte of a minified bundle came from, through the minifier's source map:
// the per-module sizes in dist/SIZES.md, so the next trim starts from a measurement.
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

export interface PartSize {
  /** Source file relative to the package root; a protocol codec by its import name; `(bundle)` for the wrapper. */
  part: string;
  bytes: number;
}

const CODEC = 'espfleet-codec:';

/** Bytes of `minified` per source file of `map` (sources named as esbuild names them, relative to the bundle). */
export function partSizes(minified: string, map: SourceMap, bundleName: string, root: string): PartSize[] {
  const mapDir = resolve(root, dirname(bundleName));
  const name = (source: string | undefined): string => {
    if (!source) return '(bundle)';
    if (source.startsWith(CODEC)) return '@espfleet/protocol/espruino/' + source.slice(source.lastIndexOf('/') + 1).replace('.debug.js', '.js');
    return relative(root, resolve(mapDir, source));
  };
  const bytes = new Map<string, number>();
  const lines = minified.split('\n');
  for (let l = 0; l < lines.length; l++) {
    for (let c = 0; c < lines[l].length; c++) {
      // Each character belongs to the mapping at or before it (findEntry's nearest segment).
      const e = map.findEntry(l, c) as { originalSource?: string };
      const part = name(e.originalSource);
      bytes.set(part, (bytes.get(part) ?? 0) + Buffer.byteLength(lines[l][c]));
    }
    if (l < lines.length - 1) bytes.set('(bundle)', (bytes.get('(bundle)') ?? 0) + 1);
  }
  return [...bytes].map(([part, n]) => ({ part, bytes: n })).sort((a, b) => b.bytes - a.bytes || (a.part < b.part ? -1 : 1));
}
