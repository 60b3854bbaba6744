// TypeScript types from the schemas: an interface per message, a union per direction.
import type { Schema } from '../src/schema/dsl.js';
import { isAny, isNullable, isObject } from '../src/schema/dsl.js';
import type { FamilyDef } from '../src/schema/family.js';
import { prop } from './emitValidator.js';

function key(name: string): string {
  return prop('x', name) === `x.${name}` ? name : JSON.stringify(name);
}

export function tsType(s: Schema, indent = ''): string {
  if (isAny(s)) return 'unknown';
  if (isNullable(s)) return `${tsType(s.anyOf[0], indent)} | null`;
  switch (s.type) {
    case 'string':
      if (s.const !== undefined) return JSON.stringify(s.const);
      if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const t = tsType(s.items, indent);
      return /^[\w"]+$/.test(t) ? `${t}[]` : `Array<${t}>`;
    }
    case 'object': {
      const inner = indent + '  ';
      const lines = Object.entries(s.properties).map(([name, ps]) => {
        // Defaults are filled in by the decoder, so the decoded value always has them.
        const optional = !s.required.includes(name) && ps.default === undefined;
        const doc = ps.description ? `${inner}/** ${ps.description} */\n` : '';
        return `${doc}${inner}${key(name)}${optional ? '?' : ''}: ${tsType(ps, inner)};`;
      });
      return lines.length ? `{\n${lines.join('\n')}\n${indent}}` : 'Record<string, never>';
    }
  }
}

export function emitTypes(fam: FamilyDef): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const dir of fam.directions) {
    const members: string[] = [];
    if (dir.arrayMessage) {
      const am = dir.arrayMessage;
      out.push(`/** ${am.summary} */\nexport type ${am.typeName} = ${tsType(am.schema)};`);
      members.push(am.typeName);
    }
    for (const m of dir.messages) {
      if (!seen.has(m.typeName)) {
        seen.add(m.typeName);
        const ext = m.extension ? ' (espfleet extension)' : '';
        if (!isObject(m.schema)) throw new Error(`${m.typeName}: a message schema must be an object`);
        const body = tsType(m.schema);
        out.push(`/** \`${m.tag}\`: ${m.summary}${ext} */\nexport interface ${m.typeName} ${body === 'Record<string, never>' ? '{}' : body}`);
      }
      members.push(fam.discriminator === 'socketio' ? `{ event: ${JSON.stringify(m.tag)}; data: ${m.typeName} }` : m.typeName);
    }
    out.push(`/** Every message from ${dir.from} to ${dir.to}. */\nexport type ${dir.union} =\n  | ${members.join('\n  | ')};`);
  }
  return out.join('\n\n');
}
