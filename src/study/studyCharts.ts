/**
 * The study's charts, drawn by the report's chart code: the ticket epoch against a swept value
 * (one line per other setting), accuracy against energy (with the Pareto front where it has two
 * points or more), and energy per method per setting — each mean with an error bar of ± one
 * standard deviation over the seeds. Each axis spans every error bar, but no more than the figure
 * can be (accuracy 0–100 %, energy and compute ≥ 0, ticket epoch 1 … planned): a bar reaching past
 * that is drawn to the limit and ends in an arrow instead of a cap.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { CHART_FONT } from '../report/fonts.ts';
import { axis, baseOptions, PALETTE, renderChart } from '../report/charts.ts';
import { methodColor } from '../core/methods.ts';
import { methodLabel } from '../report/format.ts';
import type { Method } from '../core/events.ts';
import { describeValue, groupLabel, type Study, type StudyGroup } from './aggregate.ts';
import { clipInterval, fittedRange, niceAxis, POSSIBLE, possibleEpochs, type PossibleRange } from '../core/axisTicks.ts';

/** Per data point: the whisker ends in data units (null: no whisker on that axis). */
export interface ErrorBar {
  xLow: number | null;
  xHigh: number | null;
  yLow: number | null;
  yHigh: number | null;
}

/** What a dataset's values can be, per axis: whiskers are clipped there and marked. */
export interface ErrorBarLimits {
  x?: PossibleRange;
  y?: PossibleRange;
}

/** Draws whiskers for datasets carrying `errorBars` (chart.js has none built in), clipped to `errorBarLimits` and the axes. */
const errorBarsPlugin: Plugin = {
  id: 'earlybirdErrorBars',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const x = chart.scales.x!;
    const y = chart.scales.y!;
    chart.data.datasets.forEach((dataset, d) => {
      const { errorBars: bars, pointLabels, errorBarLimits: limits = {} } = dataset as unknown as { errorBars?: (ErrorBar | null)[]; pointLabels?: string[]; errorBarLimits?: ErrorBarLimits };
      // Inside what the figure can be and inside the axis: a clipped end gets an arrow.
      const within = (axis: 'x' | 'y', low: number, high: number) => {
        const scale = axis === 'x' ? x : y;
        const possible = limits[axis] ?? {};
        return clipInterval(low, high, { min: Math.max(possible.min ?? -Infinity, scale.min), max: Math.min(possible.max ?? Infinity, scale.max) });
      };
      if (!bars || !chart.isDatasetVisible(d)) return;
      const meta = chart.getDatasetMeta(d);
      if (pointLabels) {
        // Which setting a point is: its swept values, beside the marker.
        ctx.save();
        ctx.font = `7px "${CHART_FONT}"`;
        ctx.fillStyle = '#333333';
        ctx.textBaseline = 'bottom';
        meta.data.forEach((element, i) => {
          const { x: px, y: py } = element.getProps(['x', 'y'], true) as { x: number; y: number };
          if (pointLabels[i]) ctx.fillText(pointLabels[i]!, px + 5, py - 3);
        });
        ctx.restore();
      }
      ctx.save();
      ctx.strokeStyle = String((dataset as { borderColor?: string }).borderColor ?? '#333333');
      ctx.lineWidth = 1;
      meta.data.forEach((element, i) => {
        const bar = bars[i];
        if (!bar) return;
        const { x: px, y: py } = element.getProps(['x', 'y'], true) as { x: number; y: number };
        const cap = 3;
        // A cap across the bar's end, or an arrow head pointing on where the bar was clipped.
        const end = (px0: number, py0: number, vertical: boolean, clipped: boolean, sign: number) => {
          if (!clipped) {
            if (vertical) { ctx.moveTo(px0 - cap, py0); ctx.lineTo(px0 + cap, py0); } else { ctx.moveTo(px0, py0 - cap); ctx.lineTo(px0, py0 + cap); }
            return;
          }
          if (vertical) { ctx.moveTo(px0 - cap, py0 - sign * cap); ctx.lineTo(px0, py0); ctx.lineTo(px0 + cap, py0 - sign * cap); } else { ctx.moveTo(px0 - sign * cap, py0 - cap); ctx.lineTo(px0, py0); ctx.lineTo(px0 - sign * cap, py0 + cap); }
        };
        if (bar.yLow !== null && bar.yHigh !== null) {
          const c = within('y', bar.yLow, bar.yHigh);
          const lo = y.getPixelForValue(c.low);
          const hi = y.getPixelForValue(c.high);
          ctx.beginPath();
          ctx.moveTo(px, lo); ctx.lineTo(px, hi);
          // Pixels grow downwards: the low end's arrow points down (+1), the high end's up (−1).
          end(px, lo, true, c.clippedLow, 1);
          end(px, hi, true, c.clippedHigh, -1);
          ctx.stroke();
        }
        if (bar.xLow !== null && bar.xHigh !== null) {
          const c = within('x', bar.xLow, bar.xHigh);
          const lo = x.getPixelForValue(c.low);
          const hi = x.getPixelForValue(c.high);
          ctx.beginPath();
          ctx.moveTo(lo, py); ctx.lineTo(hi, py);
          end(lo, py, false, c.clippedLow, -1);
          end(hi, py, false, c.clippedHigh, 1);
          ctx.stroke();
        }
      });
      ctx.restore();
    });
  },
};

export { methodColor };

const whisker = (mean: number, std: number | null) => (std === null ? [null, null] : [mean - std, mean + std]) as [number | null, number | null];

/** The swept field the ticket-epoch chart puts on x: the pruning ratio where swept, else the first numeric axis. */
export function ticketChartAxis(study: Study): string | null {
  const numeric = study.groupAxes.filter((a) => study.groups.every((g) => typeof g.values[a] === 'number'));
  return numeric.includes('search.pruneRatio') ? 'search.pruneRatio' : numeric.includes('search.epsilon') ? 'search.epsilon' : numeric[0] ?? null;
}

/** Mean ticket epoch (± std) against the x axis, one line per setting of the other axes. */
export function ticketEpochChart(study: Study, xAxis: string, widthPt: number, heightPt: number): Buffer {
  const others = study.groupAxes.filter((a) => a !== xAxis);
  const series = new Map<string, StudyGroup[]>();
  for (const g of study.groups) {
    if (!g.ticketEpoch) continue;
    const key = groupLabel(Object.fromEntries(others.map((a) => [a, g.values[a]])));
    series.set(key, [...(series.get(key) ?? []), g]);
  }
  const datasets = [...series.entries()].map(([label, groups], i) => {
    const sorted = [...groups].sort((a, b) => (a.values[xAxis] as number) - (b.values[xAxis] as number));
    const color = PALETTE[i % PALETTE.length]!;
    return {
      label: others.length ? label : 'ticket epoch',
      data: sorted.map((g) => ({ x: g.values[xAxis] as number, y: g.ticketEpoch!.mean })),
      errorBars: sorted.map((g) => { const [lo, hi] = whisker(g.ticketEpoch!.mean, g.ticketEpoch!.std); return { xLow: null, xHigh: null, yLow: lo, yHigh: hi }; }),
      borderColor: color, backgroundColor: color, showLine: true, pointRadius: 3, borderWidth: 1.5,
      errorBarLimits: { y: possibleEpochs(Math.max(...study.groups.map((g) => g.plannedEpochs ?? 0), 1)) },
    };
  });
  const planned = Math.max(...study.groups.map((g) => g.plannedEpochs ?? 0), 1);
  return renderChart({
    type: 'scatter',
    data: { datasets },
    options: {
      ...baseOptions(),
      scales: { x: axis(xAxis, { type: 'linear' }), y: axis('ticket epoch (from 1; mean ± std)', { min: 0, max: planned }) },
    },
    plugins: [errorBarsPlugin],
  } as unknown as ChartConfiguration, widthPt, heightPt);
}

export type ParetoMetric = 'energy' | 'compute';

/** x and y of each setting and method in the accuracy-against-cost plot: the mean, ± one std. */
function paretoPoints(study: Study, method: Method, metric: ParetoMetric): { group: StudyGroup; x: number; y: number; bar: ErrorBar }[] {
  const unit = metric === 'energy' ? 1 : 1e9;
  const groups = study.groups.filter((g) => g.methods[method] && (metric === 'compute' || g.methods[method]!.energy));
  return groups.map((g) => {
    const s = metric === 'energy' ? g.methods[method]!.energy! : g.methods[method]!.compute;
    const a = g.methods[method]!.accuracy;
    const [xl, xh] = whisker(s.mean / unit, s.std === null ? null : s.std / unit);
    const [yl, yh] = whisker(100 * a.mean, a.std === null ? null : 100 * a.std);
    return { group: g, x: s.mean / unit, y: 100 * a.mean, bar: { xLow: xl, xHigh: xh, yLow: yl, yHigh: yh } };
  });
}

/** The Pareto front of the plot (no other point both cheaper and more accurate), cheapest first; drawn only with two points or more. */
export function paretoFront(study: Study, methods: readonly Method[], metric: ParetoMetric): { x: number; y: number }[] {
  const points = methods.flatMap((m) => paretoPoints(study, m, metric));
  return points.filter((p) => !points.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y)))
    .map((p) => ({ x: p.x, y: p.y })).sort((a, b) => a.x - b.x);
}

/** An axis over the values and whisker ends, inside what the figure can be, widened to nice ticks there. */
export function fittedAxis(values: readonly (number | null)[], possible: PossibleRange, ticks = 6): { min: number; max: number } {
  const [lo, hi] = fittedRange(values.filter((v): v is number => v !== null), possible, 0.05);
  const axis = niceAxis(lo, hi, ticks);
  return { min: possible.min !== undefined ? Math.max(possible.min, axis.min) : axis.min, max: possible.max !== undefined ? Math.min(possible.max, axis.max) : axis.max };
}

/**
 * Accuracy (y) against energy or estimated compute (x) per setting and method, each with its error
 * bars in full (clipped only at what the figure can be), and the Pareto front where it has two points.
 */
export function paretoChart(study: Study, methods: readonly Method[], metric: ParetoMetric, widthPt: number, heightPt: number, inspect?: (chart: import('chart.js').Chart) => void): Buffer {
  const all = methods.flatMap((m) => paretoPoints(study, m, metric));
  const datasets: Record<string, unknown>[] = methods.map((method) => {
    const points = paretoPoints(study, method, metric);
    return {
      label: methodLabel(method),
      data: points.map((p) => ({ x: p.x, y: p.y })),
      pointLabels: study.groupAxes.length ? points.map((p) => study.groupAxes.map((a) => describeValue(p.group.values[a])).join(' · ')) : undefined,
      errorBars: points.map((p) => p.bar),
      errorBarLimits: { x: POSSIBLE.energy, y: POSSIBLE.accuracyPercent },
      borderColor: methodColor(method), backgroundColor: methodColor(method), pointRadius: 3.5, showLine: false,
    };
  });
  const front = paretoFront(study, methods, metric);
  if (front.length >= 2) datasets.push({ label: 'Pareto front', data: front, showLine: true, borderColor: '#888888', borderDash: [4, 3], borderWidth: 1, pointRadius: 0, backgroundColor: '#888888' });
  const xAxis = fittedAxis(all.flatMap((p) => [p.x, p.bar.xLow, p.bar.xHigh]), POSSIBLE.energy);
  const yAxis = fittedAxis(all.flatMap((p) => [p.y, p.bar.yLow, p.bar.yHigh]), POSSIBLE.accuracyPercent);
  return renderChart({
    type: 'scatter',
    data: { datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: axis(metric === 'energy' ? 'energy (J; mean ± std over seeds)' : 'training compute (GFLOP, estimated; mean ± std)', { type: 'linear', ...xAxis }),
        y: axis('test accuracy (%; mean ± std)', yAxis),
      },
    },
    plugins: [errorBarsPlugin],
  } as unknown as ChartConfiguration, widthPt, heightPt, 3, inspect);
}

/** Energy (or compute) per setting, one bar per method, with ± std whiskers. */
export function methodBarsChart(study: Study, methods: readonly Method[], metric: ParetoMetric, widthPt: number, heightPt: number): Buffer {
  const unit = metric === 'energy' ? 1 : 1e9;
  const labels = study.groups.map((g) => (study.groupAxes.length ? study.groupAxes.map((a) => describeValue(g.values[a])).join(' · ') : 'base'));
  const datasets = methods.map((method) => {
    const stats = study.groups.map((g) => {
      const m = g.methods[method];
      return m ? (metric === 'energy' ? m.energy : m.compute) : null;
    });
    return {
      label: methodLabel(method),
      data: stats.map((s) => (s ? s.mean / unit : null)),
      errorBars: stats.map((s) => {
        if (!s) return null;
        const [lo, hi] = whisker(s.mean / unit, s.std === null ? null : s.std / unit);
        return { xLow: null, xHigh: null, yLow: lo, yHigh: hi };
      }),
      backgroundColor: methodColor(method), borderColor: '#333333',
      errorBarLimits: { y: POSSIBLE.energy },
    };
  });
  const yAxis = fittedAxis([0, ...datasets.flatMap((d) => [...d.data, ...d.errorBars.map((b) => b?.yHigh ?? null)])], POSSIBLE.energy);
  const ticks = { font: { family: CHART_FONT, size: 7 }, color: '#444', autoSkip: false, maxRotation: 40 };
  return renderChart({
    type: 'bar',
    data: { labels, datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: axis(study.groupAxes.join(' · ') || 'setting', { ticks }),
        y: axis(metric === 'energy' ? 'energy (J)' : 'training compute (GFLOP, estimated)', { min: 0, max: yAxis.max }),
      },
    },
    plugins: [errorBarsPlugin],
  } as unknown as ChartConfiguration, widthPt, heightPt);
}
