// One direction in one run (its own process, so each contender's call sites learn only this
// direction's messages, as in an app): verify every contender, then time them, and print the
// per-round rates as JSON on stdout for run.ts to combine across runs.
import { workloads } from './workload.js';
import { contenders, DECODERS, ENCODERS } from './contenders.js';
import { checkDecoder, checkEncoder } from './verify.js';
import { timeRounds, type Timed } from './measure.js';

export interface DirectionRun {
  family: string;
  direction: string;
  messages: number;
  decode: Record<string, number[]>;
  encode: Record<string, number[]>;
}

export type RunOutput = { ok: true; direction: DirectionRun } | { ok: false; problems: string[] };

const rounds = Number(process.env.BENCH_ROUNDS);
const roundMs = Number(process.env.BENCH_ROUND_MS);
const only = process.env.BENCH_DIRECTION;
if (!(rounds > 0 && roundMs > 0 && only)) throw new Error('once.ts is started by run.ts, which sets BENCH_ROUNDS, BENCH_ROUND_MS and BENCH_DIRECTION');

const w = workloads().find((x) => x.dir.union === only);
if (!w) throw new Error('no direction named ' + only);
const c = contenders(w);
const problems: string[] = [];

const decode: Timed[] = DECODERS.map((name) => {
  const dec = c.decode[name];
  problems.push(...checkDecoder(name, dec, w, name !== 'parse'));
  const texts = w.texts;
  return {
    name,
    expected: texts.length,
    pass: () => {
      let n = 0;
      for (let i = 0; i < texts.length; i++) if (dec(texts[i])) n++;
      return n;
    },
  };
});

const encode: Timed[] = ENCODERS.map((name) => {
  const { encode: write, inputs } = c.encode[name];
  const checked = checkEncoder(name, c.encode[name], w);
  problems.push(...checked.problems);
  return {
    name,
    expected: checked.bytes,
    pass: () => {
      let bytes = 0;
      for (let i = 0; i < inputs.length; i++) bytes += write(inputs[i]).length;
      return bytes;
    },
  };
});

const messages = w.texts.length;
const out: RunOutput = problems.length
  ? { ok: false, problems }
  : {
      ok: true,
      direction: {
        family: w.fam.name,
        direction: w.dir.union,
        messages,
        decode: Object.fromEntries(timeRounds(decode, messages, rounds, roundMs)),
        encode: Object.fromEntries(timeRounds(encode, messages, rounds, roundMs)),
      },
    };
process.stdout.write(JSON.stringify(out));
