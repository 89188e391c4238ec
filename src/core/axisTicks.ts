/**
 * Axis ticks and their labels, for the app's charts and the PDF's alike: "nice" steps (1, 2, 5 × 10^k;
 * clock steps of 1 s … 30 min for time), one unit and one number of decimals per axis, so that
 * no two ticks of an axis read the same ("4 W, 4 W, 3 W") and no axis mixes "80.0 J" with "100 J".
 * And the possible range of a figure (accuracy 0–100 %, energy ≥ 0), to which an interval drawn on
 * an axis is clipped, with the clipping reported so the drawing can mark it.
 * Pure: no DOM, no node, no chart library.
 */

const EPS = 1e-9;

/** The smallest 1-2-5 step (× 10^k) that puts at most `maxCount` intervals on `span`; whole numbers when `integer`. */
export function niceStep(span: number, maxCount: number, options: { integer?: boolean } = {}): number {
  const count = Math.max(1, Math.floor(maxCount));
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - EPS))!;
  return options.integer ? Math.max(1, Math.round(step)) : step;
}

/** Clock steps in seconds: a tick every 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, then whole days. */
const CLOCK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** The smallest clock step that puts at most `maxCount` intervals on `spanSeconds`. */
export function clockStep(spanSeconds: number, maxCount: number): number {
  const count = Math.max(1, Math.floor(maxCount));
  if (!(spanSeconds > 0) || !Number.isFinite(spanSeconds)) return 1;
  const raw = spanSeconds / count;
  return CLOCK_STEPS.find((s) => s >= raw * (1 - EPS)) ?? niceStep(spanSeconds / 86_400, count, { integer: true }) * 86_400;
}

/** Decimals that print every multiple of `step` exactly (0.5 → 1, 0.02 → 2, 20 → 0). */
export function decimalsOf(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let d = 0; d < 12; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < EPS * 10 ** d * Math.max(1, step)) return d;
  return 12;
}

/** The multiples of `step` from `min` to `max` (both included where they are multiples). */
export function ticksBetween(min: number, max: number, step: number): number[] {
  if (!(step > 0) || !Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  const d = decimalsOf(step);
  const first = Math.ceil(min / step - EPS);
  const last = Math.floor(max / step + EPS);
  const values: number[] = [];
  for (let k = first; k <= last && values.length < 1000; k++) values.push(Number((k * step).toFixed(d)) || 0);
  return values;
}

export type TickKind = 'linear' | 'integer' | 'clock';

/** The step of `kind` for an axis from `min` to `max` with room for about `maxCount` intervals. */
export function stepFor(kind: TickKind, min: number, max: number, maxCount: number): number {
  return kind === 'clock' ? clockStep(max - min, maxCount) : niceStep(max - min, maxCount, { integer: kind === 'integer' });
}

/** An axis widened to whole steps at the ends it may move (`free`), and its ticks. */
export function niceAxis(min: number, max: number, maxCount: number, kind: TickKind = 'linear', free: { min?: boolean; max?: boolean } = { min: true, max: true }): { min: number; max: number; step: number; ticks: number[] } {
  if (!(max > min)) max = min + 1;
  const step = stepFor(kind, min, max, maxCount);
  const lo = free.min ? Math.floor(min / step + EPS) * step : min;
  const hi = free.max ? Math.ceil(max / step - EPS) * step : max;
  return { min: lo, max: hi, step, ticks: ticksBetween(lo, hi, step) };
}

/** The step between ticks, from the ticks themselves (0 with fewer than two). */
function stepIn(values: readonly number[]): number {
  let step = 0;
  for (let i = 1; i < values.length; i++) {
    const d = Math.abs(values[i]! - values[i - 1]!);
    if (d > 0 && (step === 0 || d < step)) step = d;
  }
  return step;
}

/** Numbers at one number of decimals, the fewest that tell neighbouring ticks apart. */
export function numberTickLabels(values: readonly number[], unit = ''): string[] {
  const d = decimalsOf(stepIn(values));
  return values.map((v) => `${(Math.abs(v) < EPS ? 0 : v).toFixed(d)}${unit ? ` ${unit}` : ''}`);
}

/** Watts: "3.5 W", never "4 W, 4 W, 3 W". */
export const wattTickLabels = (values: readonly number[]): string[] => numberTickLabels(values, 'W');

/** Fractions as percentages ("92 %", "92.5 %"), one number of decimals per axis. */
export function percentTickLabels(fractions: readonly number[]): string[] {
  return numberTickLabels(fractions.map((f) => Number((f * 100).toFixed(10))), '%');
}

const ENERGY_UNITS = [[1e6, 'MJ'], [1e3, 'kJ'], [1, 'J']] as const;

/** Joules in the one unit of the axis's largest tick, at the decimals its step needs: "0.5 kJ, 1.0 kJ", "80 J, 100 J". */
export function energyTickLabels(joules: readonly number[]): string[] {
  const largest = Math.max(0, ...joules.map(Math.abs));
  const [scale, unit] = ENERGY_UNITS.find(([s]) => largest >= s) ?? ENERGY_UNITS[2];
  return numberTickLabels(joules.map((j) => Number((j / scale).toFixed(10))), unit);
}

/** The range a figure can take; an interval outside it is clipped to it where drawn. */
export interface PossibleRange {
  min?: number;
  max?: number;
}

export const POSSIBLE = {
  /** Accuracy as a fraction. */
  accuracy: { min: 0, max: 1 },
  /** Accuracy in percent. */
  accuracyPercent: { min: 0, max: 100 },
  energy: { min: 0 },
  compute: { min: 0 },
  /** A saving in percent of the reference: at most all of it, and any loss. */
  savingPercent: { max: 100 },
} as const satisfies Record<string, PossibleRange>;

/** Ticket epochs count from 1 and end at the planned epochs. */
export function possibleEpochs(planned: number | null | undefined): PossibleRange {
  return planned && planned > 0 ? { min: 1, max: planned } : { min: 1 };
}

export interface ClippedInterval {
  low: number;
  high: number;
  /** The computed end lay outside the possible range and was moved to its bound. */
  clippedLow: boolean;
  clippedHigh: boolean;
}

/** An interval clipped to what the figure can be, saying which end moved. */
export function clipInterval(low: number, high: number, range: PossibleRange): ClippedInterval {
  const clippedLow = range.min !== undefined && low < range.min - EPS;
  const clippedHigh = range.max !== undefined && high > range.max + EPS;
  return { low: clippedLow ? range.min! : low, high: clippedHigh ? range.max! : high, clippedLow, clippedHigh };
}

/** Lowest to highest of `values`, padded by `pad` of the span (a flat range gets room) and kept inside `range`. */
export function fittedRange(values: readonly number[], range: PossibleRange = {}, pad = 0.06): [number, number] {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return [range.min ?? 0, range.max ?? 1];
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const room = Math.abs(hi) * 0.05 || 1;
    lo -= room;
    hi += room;
  }
  const room = (hi - lo) * pad;
  lo -= room;
  hi += room;
  if (range.min !== undefined) lo = Math.max(range.min, lo);
  if (range.max !== undefined) hi = Math.min(range.max, hi);
  return [lo, hi];
}
