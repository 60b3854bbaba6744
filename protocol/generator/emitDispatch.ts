// Per direction: find the message by its discriminator (and variant), then run its validator.
import type { Dialect } from './dialect.js';
import type { DirectionDef, FamilyDef, MessageDef } from '../src/schema/family.js';
import { prop } from './emitValidator.js';

export const validatorName = (m: MessageDef) => `v_${m.typeName}`;

/** Messages grouped by tag; a tag with variants maps to several. */
function byTag(dir: DirectionDef): Map<string, MessageDef[]> {
  const g = new Map<string, MessageDef[]>();
  for (const m of dir.messages) {
    const list = g.get(m.tag) ?? [];
    list.push(m);
    g.set(m.tag, list);
  }
  for (const [tag, list] of g) {
    if (list.length > 1 && list.some((m) => !m.variant)) throw new Error(`${dir.union}: tag ${tag} is used twice without variants`);
  }
  return g;
}

export function emitDispatch(fam: FamilyDef, dir: DirectionDef, d: Dialect, fnName: string): string {
  const a = d.ts ? ': any' : '';
  const L: string[] = [];
  const word = fam.discriminator === 'socketio' ? 'event' : fam.discriminator;
  const tagPath = fam.discriminator === 'socketio' ? '/0' : '/' + fam.discriminator;
  const call = (m: MessageDef) => {
    if (fam.discriminator !== 'socketio') return `return ${validatorName(m)}(o);`;
    return `{ ${d.decl} r${a} = ${validatorName(m)}(p); return r.ok ? ok({ event: t, data: p }) : r; }`;
  };
  L.push(`function ${fnName}(o${a})${a} {`);
  if (fam.discriminator === 'socketio') {
    L.push(`  if (!${d.isArray('o')} || ${d.len('o')} !== 2) return fail('', 'must be a Socket.io event array [name, payload]');`);
    L.push(`  ${d.decl} t${a} = ${d.index('o', '0')};`);
    L.push(`  ${d.decl} p${a} = ${d.index('o', '1')};`);
  } else {
    if (dir.arrayMessage) L.push(`  if (${d.isArray('o')}) return v_${dir.arrayMessage.typeName}(o);`);
    L.push(`  if (!${d.isObject('o')}) return fail('', 'must be a JSON object');`);
    L.push(`  ${d.decl} t${a} = ${prop('o', fam.discriminator)};`);
  }
  const tagChecks = [
    `  if (t === undefined) return fail('${tagPath}', 'is required');`,
    `  if (typeof t !== 'string') return fail('${tagPath}', 'must be a string');`,
  ];
  // Node: a known tag is a string, so its checks can wait until the switch has matched none
  // (same verdicts, two fewer tests per message). Other dialects keep them first.
  const tagChecksLast = d.name === 'node' && fam.discriminator !== 'socketio';
  if (!tagChecksLast) L.push(...tagChecks);
  if (fam.discriminator === 'socketio') L.push(`  if (!${d.isObject('p')}) return fail('/1', 'must be an object');`);
  L.push(`  switch (t) {`);
  for (const [tag, list] of byTag(dir)) {
    if (list.length === 1) {
      L.push(`    case ${JSON.stringify(tag)}: ${call(list[0])}`);
      continue;
    }
    const vp = list[0].variant!.property;
    L.push(`    case ${JSON.stringify(tag)}: {`);
    L.push(`      ${d.decl} s${a} = ${prop('o', vp)};`);
    for (const m of list) L.push(`      if (s === ${JSON.stringify(m.variant!.value)}) ${call(m)}`);
    const values = list.map((m) => m.variant!.value).join(', ');
    L.push(`      return fail('/${vp}', s === undefined ? 'is required' : 'must be one of: ${values}');`);
    L.push(`    }`);
  }
  L.push(`  }`);
  if (tagChecksLast) L.push(...tagChecks);
  L.push(`  return fail('${tagPath}', 'Unknown ${word}: ' + t);`);
  L.push(`}`);
  return L.join('\n');
}
