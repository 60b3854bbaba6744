// Issue 13's targets, each a ratio of our codec to a baseline measured in the same rounds.
export interface Target {
  id: string;
  label: string;
  /** The round's ratio: ours over the baseline's rate in that same round. */
  ratio: (ours: number, round: Record<string, number>) => number;
  atLeast: number;
  side: 'decode' | 'encode';
}

export const TARGETS: Target[] = [
  { id: 'decode/best', label: 'decode ÷ best(ajv, TypeBox)', side: 'decode', atLeast: 1.0, ratio: (o, r) => o / Math.max(r.ajv, r.typebox) },
  { id: 'decode/parse', label: 'decode ÷ JSON.parse', side: 'decode', atLeast: 0.9, ratio: (o, r) => o / r.parse },
  { id: 'encode/fjs', label: 'encode ÷ fast-json-stringify', side: 'encode', atLeast: 1.0, ratio: (o, r) => o / r.fjs },
  { id: 'encode/stringify', label: 'encode ÷ JSON.stringify', side: 'encode', atLeast: 1.5, ratio: (o, r) => o / r.stringify },
];
