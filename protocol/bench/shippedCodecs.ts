// The codecs as an app gets them: the package's built modules (dist/node), by subpath.
import * as valve from '@espfleet/protocol/valve';
import * as sensorStream from '@espfleet/protocol/sensor-stream';
import * as charger from '@espfleet/protocol/charger';
import * as gateway from '@espfleet/protocol/gateway';
import * as signaling from '@espfleet/protocol/signaling';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DirectionDef, FamilyDef } from '../src/schema/family.js';

const modules: Record<string, Record<string, unknown>> = { valve, sensorStream, charger, gateway, signaling };

export interface ShippedCodec {
  decode(text: string): { ok: boolean };
  encode(value: unknown): string;
}

export function shippedCodec(fam: FamilyDef, dir: DirectionDef): ShippedCodec {
  const m = modules[fam.id];
  const decode = m[`decode${dir.union}`] as ShippedCodec['decode'] | undefined;
  const encode = m[`encode${dir.union}`] as ShippedCodec['encode'] | undefined;
  if (!decode || !encode) throw new Error(`dist has no codec for ${dir.union}: run npm run build -w @espfleet/protocol`);
  return { decode, encode };
}

/** The bench measures dist/node: refuse to run when the sources it is built from are newer. */
export function assertBuilt(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const newest = (dir: string) => Math.max(...readdirSync(join(root, dir)).map((f) => statSync(join(root, dir, f)).mtimeMs));
  const built = Math.min(...readdirSync(join(root, 'dist/node/generated')).map((f) => statSync(join(root, 'dist/node/generated', f)).mtimeMs));
  const sources = Math.max(newest('generator'), newest('src/families'), newest('src/schema'), statSync(join(root, 'src/runtime.ts')).mtimeMs);
  if (sources > built) throw new Error('dist/node is older than the protocol sources: run npm run build -w @espfleet/protocol first');
}
