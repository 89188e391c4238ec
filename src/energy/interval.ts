/**
 * How sure a saving is, from one run: the spread of each phase's energy from epoch to epoch.
 *
 * A phase that trained n epochs with per-epoch energies e₁…eₙ (sample standard deviation s) has a
 * total whose epoch-to-epoch uncertainty is Var = n·s² (n independent epochs). For the ratio
 * R = D / E (dense over EB Train, each a sum of phases) the delta method on the log scale gives
 *
 *   V = Σ_dense Var_p / D² + Σ_EB Var_p / E²,     R · exp(±t · √V)
 *
 * with t the 97.5 % Student quantile at the Welch–Satterthwaite degrees of freedom
 * (V² / Σ (V_p² / (n_p − 1))). The saved joules D − E get ± t · √(Σ Var_p) the same way, and the
 * saved percent 100 · (1 − 1/R) follows the ratio's bounds (it is monotone in R). A dense total that
 * is projected (per-epoch mean m of n search epochs × N planned) carries the projection's own
 * variance N·s² + N²·s²/n. Phases with fewer than two epochs (the surgery) add energy but no spread.
 * This is n = 1 run: the interval says how much the figure would move from epoch noise alone, not
 * across seeds (a study's interval is across seeds, src/study/stats.ts).
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

/** One phase's energy: its total (head and tail included) and the energies of its epochs. */
export interface PhaseEnergy {
  phase: string;
  joules: number;
  epochJoules: readonly number[];
}

/** A dense total projected from n measured epochs × planned epochs. */
export interface ProjectedTotal {
  epochJoules: readonly number[];
  plannedEpochs: number;
  /** The projected total as the summary states it, when it is centred otherwise (e.g. on the phase total per epoch); default mean × planned. */
  joules?: number;
}

export interface Bounds {
  low: number;
  high: number;
}

export interface SavingInterval {
  /** 95 % interval of E(dense) / E(EB Train). */
  ratio: Bounds;
  /** 95 % interval of the saved percent (100 · (1 − 1/R)). */
  percent: Bounds;
  /** 95 % interval of E(dense) − E(EB Train), joules. */
  joules: Bounds;
  /** False when the ratio's interval contains 1: "no clear saving". */
  clear: boolean;
  /** Effective degrees of freedom (Welch–Satterthwaite, rounded down) and the t quantile used. */
  df: number;
  t: number;
  /** What the interval rests on, in words. */
  basis: string;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample variance (n − 1); 0 below two values. */
export function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

interface Component {
  /** Variance of the component's total, joules². */
  variance: number;
  /** Degrees of freedom of its variance estimate. */
  df: number;
}

function phaseComponent(p: PhaseEnergy): Component | null {
  const n = p.epochJoules.length;
  if (n < 2) return null;
  return { variance: n * sampleVariance(p.epochJoules), df: n - 1 };
}

/** Mean per-epoch energy × planned epochs, with the variance of that prediction. */
export function projectTotal(projection: ProjectedTotal): { joules: number; variance: number; df: number; perEpoch: number } {
  const n = projection.epochJoules.length;
  if (n < 1) throw new RangeError('need at least one measured epoch to project from');
  const m = mean(projection.epochJoules);
  const s2 = sampleVariance(projection.epochJoules);
  const N = projection.plannedEpochs;
  return { joules: projection.joules ?? m * N, variance: N * s2 + (N * N * s2) / n, df: Math.max(1, n - 1), perEpoch: m };
}

/** Welch–Satterthwaite degrees of freedom of a sum of weighted variance components. */
function effectiveDf(parts: { v: number; df: number }[]): number {
  const total = parts.reduce((a, p) => a + p.v, 0);
  const denominator = parts.reduce((a, p) => a + (p.v * p.v) / p.df, 0);
  if (!(denominator > 0)) return 1;
  return Math.max(1, Math.floor((total * total) / denominator));
}

/** The 95 % interval of a projected total (the live projection, the projection at the ticket). */
export function projectionInterval(projection: ProjectedTotal): { joules: number; low: number; high: number; perEpoch: number; epochs: number } | null {
  if (projection.epochJoules.length < 2) return null;
  const p = projectTotal(projection);
  const half = tQuantile975(p.df) * Math.sqrt(p.variance);
  return { joules: p.joules, low: Math.max(0, p.joules - half), high: p.joules + half, perEpoch: p.perEpoch, epochs: projection.epochJoules.length };
}

/**
 * The 95 % interval of a saving, or null when no phase has two epochs to show a spread. `dense` is
 * the measured dense phase(s), or a projection when dense was not run.
 */
export function savingInterval(dense: readonly PhaseEnergy[] | ProjectedTotal, eb: readonly PhaseEnergy[]): SavingInterval | null {
  const ebJoules = eb.reduce((a, p) => a + p.joules, 0);
  const ebParts = eb.map(phaseComponent).filter((c): c is Component => c !== null);
  let denseJoules: number;
  let denseParts: Component[];
  let denseWords: string;
  if ('plannedEpochs' in dense) {
    if (dense.epochJoules.length < 2) return null;
    const p = projectTotal(dense);
    denseJoules = p.joules;
    denseParts = [{ variance: p.variance, df: p.df }];
    denseWords = `dense projected from ${dense.epochJoules.length} epochs`;
  } else {
    denseJoules = dense.reduce((a, p) => a + p.joules, 0);
    denseParts = dense.map(phaseComponent).filter((c): c is Component => c !== null);
    denseWords = dense.map((p) => `${p.phase} ${p.epochJoules.length}`).join(', ');
  }
  if (!(denseJoules > 0) || !(ebJoules > 0)) return null;
  const relative = [
    ...denseParts.map((c) => ({ v: c.variance / denseJoules ** 2, df: c.df })),
    ...ebParts.map((c) => ({ v: c.variance / ebJoules ** 2, df: c.df })),
  ];
  const V = relative.reduce((a, p) => a + p.v, 0);
  if (!(V > 0)) return null;
  const df = effectiveDf(relative);
  const t = tQuantile975(df);
  const ratio = denseJoules / ebJoules;
  const ratioBounds = { low: ratio * Math.exp(-t * Math.sqrt(V)), high: ratio * Math.exp(t * Math.sqrt(V)) };
  const absolute = [...denseParts, ...ebParts].map((c) => ({ v: c.variance, df: c.df }));
  const tJoules = tQuantile975(effectiveDf(absolute));
  const halfJoules = tJoules * Math.sqrt(absolute.reduce((a, p) => a + p.v, 0));
  const saved = denseJoules - ebJoules;
  return {
    ratio: ratioBounds,
    percent: { low: 100 * (1 - 1 / ratioBounds.low), high: 100 * (1 - 1 / ratioBounds.high) },
    joules: { low: saved - halfJoules, high: saved + halfJoules },
    clear: ratioBounds.low > 1 || ratioBounds.high < 1,
    df, t,
    basis: `n = 1 run; interval from epoch-to-epoch variation (epochs: ${denseWords}; ${eb.map((p) => `${p.phase} ${p.epochJoules.length}`).join(', ')})`,
  };
}
