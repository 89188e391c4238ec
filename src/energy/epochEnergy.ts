/**
 * Energy per epoch, read off a phase's cumulative energy curve (joules against seconds, one point
 * per sampling interval) at the times its epochs ended: epoch k used E(t_k) − E(t_{k−1}), the first
 * one E(t_1) − 0. Between readings the curve is interpolated linearly; a null point (the process was
 * down, on resume) is skipped. Per-epoch figures are as fine as the sampling interval allows: with
 * 1 s readings and 1 s epochs the split between two neighbours is partly interpolation, which the
 * interval built from them (src/energy/interval.ts) then carries as spread.
 */

export interface CurvePoint {
  x: number;
  y: number | null;
}

/** Cumulative joules at x (seconds), interpolated; before the first point 0, after the last the last value. */
export function cumulativeAt(curve: readonly CurvePoint[], x: number): number {
  let before: { x: number; y: number } | null = null;
  for (const point of curve) {
    if (point.y === null) continue;
    if (point.x >= x) {
      if (!before) return point.x === x ? point.y : 0;
      if (point.x === before.x) return point.y;
      return before.y + ((point.y - before.y) * (x - before.x)) / (point.x - before.x);
    }
    before = { x: point.x, y: point.y };
  }
  return before?.y ?? 0;
}

/** Joules of each epoch whose end time (seconds, same axis as the curve) is given, in order. */
export function epochEnergies(curve: readonly CurvePoint[], epochEnds: readonly number[]): number[] {
  let previous = 0;
  return epochEnds.map((end) => {
    const at = cumulativeAt(curve, end);
    const joules = Math.max(0, at - previous);
    previous = Math.max(previous, at);
    return joules;
  });
}
