// Generates every output of the protocol package from the family sources:
//   src/generated/<family>.ts        Node/browser codecs and types (compiled by tsc)
//   dist/espruino/<family>.js        Espruino module, minified (+ .debug.js unminified)
//   dist/lua/<5.1|5.3>/<family>.lua  Lua modules via typescript-to-lua
//   dist/json-schema/<family>.json   JSON Schema 2020-12 documents
//   dist/asyncapi.json               one AsyncAPI 3 document for all families
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { families } from '../src/families/index.js';
import { familyJsonSchema } from '../src/schema/jsonSchema.js';
import { buildAsyncApi } from '../src/schema/asyncapi.js';
import { emitNode } from './emitNode.js';
import { emitEspruino } from './emitEspruino.js';
import { emitLua } from './emitLua.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function write(rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

const sizes: string[] = ['| family | Espruino module (minified) | unminified |', '| --- | ---: | ---: |'];
for (const fam of families) {
  write(`src/generated/${fam.id}.ts`, emitNode(fam));
  write(`dist/json-schema/${fam.name}.json`, JSON.stringify(familyJsonSchema(fam), null, 2) + '\n');
  const esp = await emitEspruino(fam);
  write(`dist/espruino/${fam.name}.js`, esp.minified);
  write(`dist/espruino/${fam.name}.debug.js`, esp.source);
  for (const target of ['5.1', '5.3'] as const) write(`dist/lua/${target}/${fam.name}.lua`, emitLua(fam, target));
  sizes.push(`| ${fam.name} | ${Buffer.byteLength(esp.minified)} B | ${Buffer.byteLength(esp.source)} B |`);
}
write('dist/espruino/SIZES.md', sizes.join('\n') + '\n');
write('dist/asyncapi.json', JSON.stringify(buildAsyncApi(families), null, 2) + '\n');
console.log(sizes.join('\n'));
