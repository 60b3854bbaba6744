// docs/wire-reference.md: every endpoint and message of the five families, written from the
// same schemas as the codecs and from the AsyncAPI document built from them, so the reference
// cannot drift from what the code accepts. `npm run wire-reference -w @espfleet/protocol`
// rewrites it; a test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { families } from '../src/families/index.js';
import { buildAsyncApi } from '../src/schema/asyncapi.js';
import { isAny, isNullable, formatText, type Schema } from '../src/schema/dsl.js';
import type { FamilyDef, MessageDef } from '../src/schema/family.js';

/** Where the reference lives, from the repository root. */
export const WIRE_REFERENCE = 'docs/wire-reference.md';

interface Channel {
  address: string;
  title: string;
  description: string;
  servers: Array<{ $ref: string }>;
  'x-espfleet-family': string;
}

interface Server {
  host: string;
  protocol: string;
  title: string;
}

/** Markdown table cells may not hold a bare `|` or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

/** A schema's type as a reader needs it: `integer 0–90`, `"a" \| "b"`, `string (an ISO 8601 time …)`. */
function typeText(s: Schema): string {
  if (isAny(s)) return 'any JSON value';
  if (isNullable(s)) return `${typeText(s.anyOf[0])} or null`;
  switch (s.type) {
    case 'string': {
      if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
      if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
      const notes: string[] = [];
      if (s['x-format']) notes.push(formatText(s['x-format']));
      else if (s.pattern) notes.push(`matching \`${s.pattern}\``);
      if (s.minLength) notes.push(`at least ${s.minLength} character${s.minLength === 1 ? '' : 's'}`);
      return notes.length ? `string (${notes.join(', ')})` : 'string';
    }
    case 'integer':
    case 'number': {
      const lo = s.minimum;
      const hi = s.maximum;
      const range = lo !== undefined && hi !== undefined ? ` ${lo}–${hi}` : lo !== undefined ? ` ≥ ${lo}` : hi !== undefined ? ` ≤ ${hi}` : '';
      return `${s.type}${range}`;
    }
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'object';
    case 'array': {
      const n = s.minItems !== undefined && s.minItems === s.maxItems ? `${s.minItems} × ` : '';
      return `array of ${n}${typeText(s.items)}`;
    }
  }
}

/** One row per field, nested objects as `a.b`, array items as `a[]`. */
function fieldRows(s: Schema, path: string, required: boolean, rows: string[]): void {
  const inner = isNullable(s) ? s.anyOf[0] : s;
  if (path) {
    const notes = [s.description ?? inner.description ?? ''];
    if (s.default !== undefined) notes.push(`default ${JSON.stringify(s.default)}`);
    rows.push(`| \`${path}\` | ${cell(typeText(s))} | ${required ? 'yes' : 'no'} | ${cell(notes.filter(Boolean).join('; '))} |`);
  }
  if (isAny(inner) || isNullable(inner)) return;
  if (inner.type === 'object') {
    for (const [k, v] of Object.entries(inner.properties)) fieldRows(v, path ? `${path}.${k}` : k, inner.required.includes(k), rows);
    return;
  }
  if (inner.type !== 'array') return;
  const items = inner.items;
  if (!isAny(items) && !isNullable(items) && items.type === 'object') fieldRows(items, `${path}[]`, true, rows);
}

function fieldsTable(s: Schema): string {
  const rows: string[] = [];
  fieldRows(s, '', true, rows);
  if (!rows.length) return '';
  return ['| field | type | required | notes |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function example(fam: FamilyDef, e: unknown): string {
  const text = fam.discriminator === 'socketio' ? `socket.emit(${JSON.stringify((e as unknown[])[0])}, ${JSON.stringify((e as unknown[])[1])})` : JSON.stringify(e);
  return '```json\n' + text + '\n```';
}

function messageSection(fam: FamilyDef, m: MessageDef): string {
  const head = `#### \`${m.tag}\`${m.variant ? ` (\`${m.variant.property}\`: \`${m.variant.value}\`)` : ''} — ${m.typeName}${m.extension ? ' (espfleet extension)' : ''}`;
  return [head, m.summary, fieldsTable(m.schema), ...m.examples.map((e) => example(fam, e))].filter(Boolean).join('\n\n');
}

function discriminatorText(fam: FamilyDef): string {
  return fam.discriminator === 'socketio' ? 'the Socket.io event name' : `the \`${fam.discriminator}\` field`;
}

/** The anchor GitHub gives a heading (github-slugger's rule). */
function anchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The whole reference, from the families and the AsyncAPI document built from them. */
export function wireReference(fams: FamilyDef[], asyncapi: Record<string, unknown>): string {
  const channels = asyncapi.channels as Record<string, Channel>;
  const servers = asyncapi.servers as Record<string, Server>;
  const info = asyncapi.info as { version: string };
  const out: string[] = [
    '# Wire reference',
    '',
    '<!-- Generated by protocol/generator/wireReference.ts (npm run wire-reference -w @espfleet/protocol); do not edit. -->',
    '',
    `Every message espfleet puts on a wire, by family: where it travels, who sends it, its fields and the seed's examples. ` +
      `It is generated from the schemas in \`protocol/src/families/\` — the same source as the Node, Espruino and Lua codecs — ` +
      `and from the AsyncAPI ${asyncapi.asyncapi as string} document built from them (\`protocol/dist/asyncapi.json\`, version ${info.version}). ` +
      'The wire specs themselves are in [specs/](specs/); messages marked *espfleet extension* are additive and not in the specs.',
    '',
    '| family | endpoints | discriminator | spec |',
    '| --- | --- | --- | --- |',
  ];
  for (const fam of fams) {
    const addresses = Object.values(channels)
      .filter((c) => c['x-espfleet-family'] === fam.name)
      .map((c) => `\`${c.address}\``)
      .join(', ');
    out.push(`| [${fam.name}](#${anchor(fam.title)}) | ${cell(addresses)} | ${discriminatorText(fam)} | [${fam.seed}](specs/${fam.seed}) |`);
  }
  for (const fam of fams) {
    out.push('', `## ${fam.title}`, '', `Spec: [specs/${fam.seed}](specs/${fam.seed}). Discriminator: ${discriminatorText(fam)}.`);
    for (const c of Object.values(channels).filter((x) => x['x-espfleet-family'] === fam.name)) {
      const server = servers[c.servers[0].$ref.split('/').pop()!];
      out.push('', `### \`${c.address}\` — ${c.title}`, '', `Served by ${server.title} (\`${server.protocol}://${server.host}\`).`, '', c.description);
    }
    for (const dir of fam.directions) {
      out.push('', `### ${dir.union}: ${dir.from} → ${dir.to}`, '', '| message | type | summary |', '| --- | --- | --- |');
      if (dir.arrayMessage) out.push(`| (a bare JSON array) | ${dir.arrayMessage.typeName} | ${cell(dir.arrayMessage.summary)} |`);
      for (const m of dir.messages) out.push(`| \`${m.tag}\`${m.variant ? ` (${m.variant.property}: ${m.variant.value})` : ''} | ${m.typeName} | ${cell(m.summary)}${m.extension ? ' *(espfleet extension)*' : ''} |`);
      if (dir.arrayMessage) {
        out.push('', `#### ${dir.arrayMessage.typeName} (a bare JSON array)`, '', dir.arrayMessage.summary, '', `Each item: ${typeText(dir.arrayMessage.schema.items)}.`);
        const items = fieldsTable(dir.arrayMessage.schema.items);
        if (items) out.push('', items);
        for (const e of dir.arrayMessage.examples) out.push('', '```json\n' + JSON.stringify(e) + '\n```');
      }
      for (const m of dir.messages) out.push('', messageSection(fam, m));
    }
  }
  return out.join('\n') + '\n';
}

/** The repository root, seen from this file. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(repoRoot, WIRE_REFERENCE), wireReference(families, buildAsyncApi(families)));
  console.log(`wrote ${WIRE_REFERENCE}`);
}
