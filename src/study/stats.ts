/**
 * Mean, sample standard deviation and the 95 % confidence interval of the mean with Student's t
 * (two-sided, n − 1 degrees of freedom): mean ± t(0.975, n−1) · s / √n. With one value there is no
 * spread to speak of: std and interval are null, and the report says "1 seed".
 */

/** t(0.975, df) for df = 1…30 (standard tables), then 40, 60, 120 and the normal limit. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
  2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  if (df <= 30) return T975[df - 1]!;
  if (df <= 40) return 2.021;
  if (df <= 60) return 2.000;
  if (df <= 120) return 1.980;
  return 1.960;
}

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
