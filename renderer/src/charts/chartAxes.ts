/**
 * The ticks of every chart.js axis in the app (run charts and compare overlays): nice steps for the
 * axis's length (src/core/axisTicks.ts), and labels given for the whole axis at once or one by one
 * without repeats.
 */
import type { Scale } from 'chart.js';
import { stepFor, ticksBetween, type TickKind } from '../../../src/core/axisTicks.ts';

/** Roughly how many pixels a tick label needs along an axis: short epoch numbers, "12:30" clocks, values on y. */
export const TICK_ROOM: Record<TickKind | 'vertical', number> = { integer: 34, clock: 72, linear: 72, vertical: 30 };

/**
 * chart.js's `afterBuildTicks`: ticks at a nice step for the axis's length; an end the options leave
 * free is moved out to a whole step, so the axis ends on a labelled tick.
 */
export function niceTicks(kind: TickKind) {
  return (scale: Scale) => {
    const horizontal = scale.isHorizontal();
    const length = horizontal ? scale.width : scale.height;
    const count = Math.max(2, Math.floor((length || 300) / TICK_ROOM[horizontal ? kind : 'vertical']));
    if (!(scale.max > scale.min)) return;
    const step = stepFor(kind, scale.min, scale.max, count);
    const options = scale.options as { min?: unknown; max?: unknown };
    if (options.min === undefined || options.min === null) scale.min = Math.floor(scale.min / step + 1e-9) * step;
    if (options.max === undefined || options.max === null) scale.max = Math.ceil(scale.max / step - 1e-9) * step;
    scale.ticks = ticksBetween(scale.min, scale.max, step).map((value) => ({ value }));
  };
}

/** A tick callback labelling every tick from all of them (`labels`) or one by one (`one`). */
export function tickCallback(labels: ((values: number[]) => string[]) | undefined, one: ((value: number) => string) | undefined) {
  if (labels) return (_value: unknown, index: number, ticks: { value: number }[]) => labels(ticks.map((t) => t.value))[index] ?? '';
  // One by one: a tick whose label repeats its neighbour's is left blank.
  if (one) return (value: unknown, index: number, ticks: { value: number }[]) => {
    const label = one(Number(value));
    return index > 0 && one(Number(ticks[index - 1]!.value)) === label ? '' : label;
  };
  return undefined;
}
