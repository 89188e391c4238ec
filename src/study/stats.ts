/**
 * Mean, sample standard deviation and the 95 % confidence interval of the mean with Student's t
 * (two-sided, n − 1 degrees of freedom): mean ± t(0.975, n−1) · s / √n. With one value there is no
 * spread to speak of: std and interval are null, and the report says "1 seed".
 */

import { tQuantile975 } from '../energy/interval.ts';

export { tQuantile975 };

export interface Stat {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); null for n = 1. */
  std: number | null;
  /** 95 % interval of the mean; null for n = 1. */
  ci95: [number, number] | null;
  min: number;
  max: number;
}

export function describe(values: readonly number[]): Stat | null {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, std: null, ci95: null, min: mean, max: mean };
  const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = tQuantile975(n - 1) * (std / Math.sqrt(n));
  return { n, mean, std, ci95: [mean - half, mean + half], min: Math.min(...xs), max: Math.max(...xs) };
}

/**
 * A stat in words, the same in the CLI, the study PDF and the app: "96.10 % ± 0.42 % (n = 3)", or
 * with `ci` "96.10 % ± 0.42 % [95.06 % … 97.14 %] (n = 3)" (the 95 % interval of the mean); one
 * value reads "96.10 % (n = 1)". `f` writes each number in the figure's own unit.
 */
export function statText(stat: Stat, f: (x: number) => string, options: { ci?: boolean } = {}): string {
  if (stat.std === null) return `${f(stat.mean)} (n = 1)`;
  const ci = options.ci && stat.ci95 ? ` [${f(stat.ci95[0])} … ${f(stat.ci95[1])}]` : '';
  return `${f(stat.mean)} ± ${f(stat.std)}${ci} (n = ${stat.n})`;
}
