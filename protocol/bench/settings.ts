// What one bench invocation runs. The full settings are fixed (RESULTS.md states them as run);
// the quick mode only proves that the harness and its checks still work, its numbers mean nothing.
export interface Settings {
  quick: boolean;
  /** Separate processes; every reported figure is the median over these, with its range. */
  runs: number;
  /** Interleaved timing rounds per contender in one run: many short ones, so each round's
   *  contenders run close together in time and their ratio is little touched by noise. */
  rounds: number;
  roundMs: number;
  /** Where the report is written; a quick run writes none unless BENCH_OUT names a file. */
  out: string | undefined;
}

export function settingsFromEnv(resultsFile: string): Settings {
  const quick = process.env.BENCH_QUICK === '1';
  return {
    quick,
    runs: quick ? 1 : 3,
    rounds: quick ? 2 : 15,
    roundMs: quick ? 3 : 28,
    out: process.env.BENCH_OUT ?? (quick ? undefined : resultsFile),
  };
}
