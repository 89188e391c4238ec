/**
 * The study's charts, drawn by the report's chart code: the ticket epoch against a swept value
 * (one line per other setting), accuracy against energy (a Pareto plot), and energy per method per
 * setting — each mean with an error bar of ± one standard deviation over the seeds.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { CHART_FONT } from '../report/fonts.ts';
import { axis, baseOptions, PALETTE, renderChart } from '../report/charts.ts';
import { methodColor } from '../core/methods.ts';
import { methodLabel } from '../report/format.ts';
import type { Method } from '../core/events.ts';
import { describeValue, groupLabel, type Study, type StudyGroup } from './aggregate.ts';

/** Per data point: the whisker ends in data units (null: no whisker on that axis). */
export interface ErrorBar {
  xLow: number | null;
  xHigh: number | null;
  yLow: number | null;
  yHigh: number | null;
}

/** Draws whiskers for datasets carrying `errorBars` (chart.js has none built in). */
const errorBarsPlugin: Plugin = {
  id: 'earlybirdErrorBars',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const x = chart.scales.x!;
    const y = chart.scales.y!;
    chart.data.datasets.forEach((dataset, d) => {
      const { errorBars: bars, pointLabels } = dataset as unknown as { errorBars?: (ErrorBar | null)[]; pointLabels?: string[] };
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
        if (bar.yLow !== null && bar.yHigh !== null) {
          const lo = y.getPixelForValue(bar.yLow);
          const hi = y.getPixelForValue(bar.yHigh);
          ctx.beginPath();
          ctx.moveTo(px, lo); ctx.lineTo(px, hi);
          ctx.moveTo(px - cap, lo); ctx.lineTo(px + cap, lo);
          ctx.moveTo(px - cap, hi); ctx.lineTo(px + cap, hi);
          ctx.stroke();
        }
        if (bar.xLow !== null && bar.xHigh !== null) {
          const lo = x.getPixelForValue(bar.xLow);
          const hi = x.getPixelForValue(bar.xHigh);
          ctx.beginPath();
          ctx.moveTo(lo, py); ctx.lineTo(hi, py);
          ctx.moveTo(lo, py - cap); ctx.lineTo(lo, py + cap);
          ctx.moveTo(hi, py - cap); ctx.lineTo(hi, py + cap);
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

/** Accuracy (y) against energy or estimated compute (x) per setting and method, with the Pareto front. */
export function paretoChart(study: Study, methods: readonly Method[], metric: ParetoMetric, widthPt: number, heightPt: number): Buffer {
  const unit = metric === 'energy' ? 1 : 1e9;
  const points: { x: number; y: number }[] = [];
  const datasets: Record<string, unknown>[] = methods.map((method) => {
    const groups = study.groups.filter((g) => g.methods[method] && (metric === 'compute' || g.methods[method]!.energy));
    const stat = (g: StudyGroup) => (metric === 'energy' ? g.methods[method]!.energy! : g.methods[method]!.compute);
    const data = groups.map((g) => ({ x: stat(g).mean / unit, y: 100 * g.methods[method]!.accuracy.mean }));
    points.push(...data);
    return {
      label: methodLabel(method),
      data,
      pointLabels: study.groupAxes.length ? groups.map((g) => study.groupAxes.map((a) => describeValue(g.values[a])).join(' · ')) : undefined,
      errorBars: groups.map((g) => {
        const s = stat(g);
        const a = g.methods[method]!.accuracy;
        const [xl, xh] = whisker(s.mean / unit, s.std === null ? null : s.std / unit);
        const [yl, yh] = whisker(100 * a.mean, a.std === null ? null : 100 * a.std);
        return { xLow: xl, xHigh: xh, yLow: yl, yHigh: yh };
      }),
      borderColor: methodColor(method), backgroundColor: methodColor(method), pointRadius: 3.5, showLine: false,
    };
  });
  // Pareto front: no other point has both less energy and more accuracy.
  const front = points.filter((p) => !points.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y))).sort((a, b) => a.x - b.x);
  datasets.push({ label: 'Pareto front', data: front, showLine: true, borderColor: '#888888', borderDash: [4, 3], borderWidth: 1, pointRadius: 0, backgroundColor: '#888888' });
  return renderChart({
    type: 'scatter',
    data: { datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: axis(metric === 'energy' ? 'energy (J; mean ± std over seeds)' : 'training compute (GFLOP, estimated; mean ± std)', { type: 'linear', beginAtZero: true }),
        y: axis('test accuracy (%; mean ± std)'),
      },
    },
    plugins: [errorBarsPlugin],
  } as unknown as ChartConfiguration, widthPt, heightPt);
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
    };
  });
  const ticks = { font: { family: CHART_FONT, size: 7 }, color: '#444', autoSkip: false, maxRotation: 40 };
  return renderChart({
    type: 'bar',
    data: { labels, datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: axis(study.groupAxes.join(' · ') || 'setting', { ticks }),
        y: axis(metric === 'energy' ? 'energy (J)' : 'training compute (GFLOP, estimated)', { beginAtZero: true }),
      },
    },
    plugins: [errorBarsPlugin],
  } as unknown as ChartConfiguration, widthPt, heightPt);
}
