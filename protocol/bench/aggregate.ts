// Combines runs: per run, a contender's rate is its median round and a ratio is the median of
// its per-round ratios; the report gives the median and range of those per-run figures, and
// a target is met only if every run met it.
import type { DirectionRun } from './once.js';
import { TARGETS } from './targets.js';
import { median, spread, type Spread } from './stats.js';

export interface DirectionSummary {
  family: string;
  direction: string;
  messages: number;
  rates: { decode: Record<string, Spread>; encode: Record<string, Spread> };
  ratios: Record<string, { spread: Spread; perRun: number[]; met: boolean }>;
}

export function aggregate(runs: DirectionRun[][]): DirectionSummary[] {
  return runs[0].map((first, d) => {
    const same = runs.map((r) => r[d]);
    if (same.some((x) => x.direction !== first.direction)) throw new Error('runs measured different directions');
    const rates = { decode: {} as Record<string, Spread>, encode: {} as Record<string, Spread> };
    for (const side of ['decode', 'encode'] as const) {
      for (const name of Object.keys(first[side])) rates[side][name] = spread(same.map((x) => median(x[side][name])));
    }
    const ratios: DirectionSummary['ratios'] = {};
    for (const t of TARGETS) {
      const perRun = same.map((x) => runRatio(x[t.side], t.ratio));
      ratios[t.id] = { spread: spread(perRun), perRun, met: perRun.every((r) => r >= t.atLeast) };
    }
    return { family: first.family, direction: first.direction, messages: first.messages, rates, ratios };
  });
}

function runRatio(side: Record<string, number[]>, ratio: (ours: number, round: Record<string, number>) => number): number {
  const rounds = side.ours.length;
  const perRound: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const round = Object.fromEntries(Object.entries(side).map(([k, v]) => [k, v[i]]));
    perRound.push(ratio(side.ours[i], round));
  }
  return median(perRound);
}
