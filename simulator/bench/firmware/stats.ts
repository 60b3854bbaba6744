// Summaries of repeated runs as the results file prints them: median and range.

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Whole numbers with thousands separators, as in the rest of RESULTS.md. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** "median (min – max)" of `xs`, each printed by `show`. */
export function medianRange(xs: number[], show: (n: number) => string = fmt): string {
  return `${show(median(xs))} (${show(Math.min(...xs))} – ${show(Math.max(...xs))})`;
}
