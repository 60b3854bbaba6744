// The charger endpoint speaks the seed's Spanish: a message the protocol decoder refuses is
// described in Spanish from the decoder's (English) finding, never by quoting it.
import type { DecodeError } from '@espfleet/protocol';

const WHOLE: Array<[RegExp, string]> = [
  [/^invalid JSON/, 'no es JSON válido'],
  [/^must be a JSON object/, 'debe ser un objeto JSON'],
  [/larger than/, 'supera el tamaño máximo'],
  [/UTF-8|must be text/, 'no es texto UTF-8'],
];

const FIELD: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^is required$/, () => 'es obligatorio'],
  [/^Unknown type: (.*)$/s, (m) => `no es un tipo de mensaje conocido (${JSON.stringify(m[1])})`],
  [/^must be an integer >= 0$/, () => 'debe ser un entero mayor o igual que 0'],
  [/^must be a number >= 0$/, () => 'debe ser un número mayor o igual que 0'],
  [/^must be a number$/, () => 'debe ser un número'],
  [/^must be a string$/, () => 'debe ser un texto'],
  [/^must not be empty$/, () => 'no puede estar vacío'],
  [/^must be (".*")$/, (m) => `debe ser ${m[1]}`],
];

/** `Mensaje inválido: …` for the charger or dashboard, naming the offending field by its JSON Pointer. */
export function invalidMessage(e: DecodeError): string {
  if (e.path === '') {
    const found = WHOLE.find(([re]) => re.test(e.message));
    return `Mensaje inválido: el mensaje ${found ? found[1] : 'no se puede leer'}`;
  }
  for (const [re, say] of FIELD) {
    const m = e.message.match(re);
    if (m) return `Mensaje inválido: el campo ${e.path} ${say(m)}`;
  }
  return `Mensaje inválido: el campo ${e.path} no es válido`;
}
