/**
 * The report's charts: chart.js drawing on @napi-rs/canvas (Skia), no browser involved. Sizes are
 * given in PDF points and drawn at `scale`× (3× ≈ 216 dpi on the page), on an opaque white
 * background painted before anything else so the PNG looks the same in every viewer and printer.
 */
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type LegendItem, type Plugin } from 'chart.js';
import { CHART_FONT, registerCanvasFonts } from './fonts.ts';
import { formatEnergy, formatEpoch, formatFraction, methodLabel, phaseLabel } from './format.ts';
import type { EarlyBirdView, MethodView, PhaseEnergyRow, PhaseSpan, PowerSeries } from './model.ts';
import { phaseOrder } from './model.ts';
import { EPSILON_COLOR, PALETTE, phaseColor, RATIO_COLORS } from '../core/methods.ts';
import { trainingCurves } from '../core/figures.ts';
import type { MetricsRow } from '../run/runFolder.ts';

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  Chart.register(...registerables);
  registerCanvasFonts();
  registered = true;
}

// One palette and one colour per method and phase, the app's (src/core/methods.ts).
export { PALETTE };

const [BLUE, ORANGE, , , , , , , SLATE] = PALETTE;
const KIND_COLORS: Record<string, string> = { measured: BLUE, estimated: ORANGE, projected: SLATE };

/** Fills the whole canvas white before chart.js draws: the PNG carries no transparency. */
export const opaqueBackground: Plugin = {
  id: 'earlybirdOpaqueBackground',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'source-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export const font = (size = 8, weight: 'normal' | 'bold' = 'normal') => ({ family: CHART_FONT, size, weight });

/** chart.js options shared by every chart: fixed size, no animation, the shipped font, small type. */
export function baseOptions(title?: string) {
  return {
    responsive: false,
    animation: false as const,
    devicePixelRatio: 1,
    layout: { padding: { top: 4, right: 10, bottom: 2, left: 2 } },
    plugins: {
      legend: { position: 'bottom' as const, labels: { font: font(7.5), boxWidth: 14, boxHeight: 7, padding: 8, color: '#333' } },
      title: title ? { display: true, text: title, font: font(9, 'bold'), color: '#222', padding: { top: 2, bottom: 6 } } : { display: false },
      tooltip: { enabled: false },
    },
  };
}

export const axis = (label: string, extra: Record<string, unknown> = {}) => ({
  title: { display: true, text: label, font: font(8), color: '#333' },
  ticks: { font: font(7.5), color: '#444' },
  grid: { color: '#e6e6e6' },
  ...extra,
});

/**
 * Draws a chart and returns its PNG. `widthPt`/`heightPt` are the size on the page; the bitmap is
 * `scale` times larger.
 */
/** `inspect` sees the laid-out chart before it is destroyed (tests read its scales). */
export function renderChart(config: ChartConfiguration, widthPt: number, heightPt: number, scale = 3, inspect?: (chart: Chart) => void): Buffer {
  ensureRegistered();
  const canvas = createCanvas(Math.round(widthPt), Math.round(heightPt));
  const ctx = canvas.getContext('2d');
  const options = { ...(config.options ?? {}), devicePixelRatio: scale, responsive: false, animation: false } as ChartConfiguration['options'];
  const chart = new Chart(ctx as unknown as CanvasRenderingContext2D, { ...config, options, plugins: [opaqueBackground, ...(config.plugins ?? [])] } as ChartConfiguration);
  try {
    inspect?.(chart);
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}

/** A dashed vertical line with a label at x (in data units), e.g. the detection epoch. */
function verticalMarker(id: string, x: number, label: string, color: string): Plugin {
  return {
    id,
    afterDatasetsDraw(chart) {
      const scale = chart.scales.x;
      if (!scale) return;
      const px = scale.getPixelForValue(x);
      const { top, bottom, left, right } = chart.chartArea;
      if (px < left - 1 || px > right + 1) return;
      const { ctx } = chart;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.2;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = `bold 7.5px "${CHART_FONT}"`;
      ctx.fillStyle = color;
      const width = ctx.measureText(label).width;
      const textX = px + 4 + width > right ? px - 4 - width : px + 4;
      ctx.fillStyle = 'rgba(255,255,255,0.85)';
      ctx.fillRect(textX - 2, top + 2, width + 4, 11);
      ctx.fillStyle = color;
      ctx.textBaseline = 'top';
      ctx.fillText(label, textX, top + 4);
      ctx.restore();
    },
  };
}

/**
 * Colours and point shapes of the tracked ratios: no red (ε's colour), and a shape each so that two
 * ratios with the same distances stay distinguishable where their lines coincide.
 */
const RATIO_POINTS = ['circle', 'rect', 'triangle', 'rectRot', 'star'] as const;
export { EPSILON_COLOR, RATIO_COLORS };

/** Max mask distance per epoch per ratio, ε as a dashed line, the detection epoch marked. */
export function distanceChart(eb: EarlyBirdView, widthPt: number, heightPt: number): Buffer {
  const ratios = [...new Set(eb.distances.map((d) => d.ratio))].sort((a, b) => a - b);
  const epochs = eb.distances.map((d) => d.epoch + 1);
  const maxEpoch = Math.max(...epochs, eb.plannedEpochs ?? 0, 2);
  const maxDistance = Math.max(...eb.distances.map((d) => d.maxDistance ?? 0), eb.epsilon ?? 0);
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = ratios.map((ratio, i) => {
    const isP = eb.p !== null && Math.abs(ratio - eb.p) < 1e-9;
    const found = eb.ratios.find((r) => Math.abs(r.ratio - ratio) < 1e-9);
    return {
      label: `p = ${formatFraction(ratio)}${isP ? ' (retrained)' : ''}${found?.found && found.epoch !== null ? `, found at epoch ${formatEpoch(found.epoch)}` : ''}`,
      data: eb.distances.filter((d) => d.ratio === ratio).sort((a, b) => a.epoch - b.epoch).map((d) => ({ x: d.epoch + 1, y: d.maxDistance })) as { x: number; y: number }[],
      borderColor: RATIO_COLORS[i % RATIO_COLORS.length],
      backgroundColor: RATIO_COLORS[i % RATIO_COLORS.length],
      borderWidth: isP ? 2.6 : 1.3,
      pointRadius: isP ? 3 : 2.4,
      pointStyle: RATIO_POINTS[i % RATIO_POINTS.length],
      // The retrained ratio's thick line underneath, the thin ones on top: a coinciding line stays visible.
      order: isP ? 1 : 0,
      spanGaps: false,
    };
  });
  if (eb.epsilon !== null) {
    datasets.push({
      label: `ε = ${formatFraction(eb.epsilon)} (stable when every distance ≤ ε)`,
      data: [{ x: 1, y: eb.epsilon }, { x: maxEpoch, y: eb.epsilon }],
      borderColor: EPSILON_COLOR,
      borderDash: [6, 4],
      borderWidth: 1.2,
      pointRadius: 0,
    });
  }
  const plugins: Plugin[] = [];
  if (eb.found && eb.epoch !== null) {
    plugins.push(verticalMarker('ebDetection', eb.epoch + 1, `Early-Bird ticket (p = ${formatFraction(eb.p ?? 0)}): epoch ${formatEpoch(eb.epoch)}`, '#1b7a3a'));
  }
  return renderChart({
    type: 'line',
    data: { datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: axis('epoch', { type: 'linear', min: 1, max: maxEpoch, ticks: { font: font(7.5), color: '#444', stepSize: 1, precision: 0 } }),
        y: axis('max mask distance', { min: 0, suggestedMax: Math.min(1, Math.max(0.2, maxDistance * 1.15)) }),
      },
    },
    plugins,
  } as ChartConfiguration, widthPt, heightPt);
}

/** Channels kept / pruned per layer at ratio p (horizontal stacked bars). */
export function maskChart(layers: EarlyBirdView['layers'], widthPt: number, heightPt: number): Buffer {
  return renderChart({
    type: 'bar',
    data: {
      labels: layers.map((l) => l.layer),
      datasets: [
        { label: 'kept', data: layers.map((l) => l.kept), backgroundColor: '#4e79a7', barPercentage: 0.85, categoryPercentage: 0.85 },
        { label: 'pruned', data: layers.map((l) => l.total - l.kept), backgroundColor: '#d5d5d5', barPercentage: 0.85, categoryPercentage: 0.85 },
      ],
    },
    options: {
      ...baseOptions(),
      indexAxis: 'y',
      scales: {
        x: axis('channels', { stacked: true, beginAtZero: true, ticks: { font: font(7.5), color: '#444', precision: 0 } }),
        y: axis('layer', { stacked: true, ticks: { font: font(7.5), color: '#444', autoSkip: false } }),
      },
    },
  } as ChartConfiguration, widthPt, heightPt);
}

/**
 * Training (solid) and validation (dashed) accuracy per epoch, one colour per phase: the app's
 * convention (renderer/src/charts/trainingCurveCharts.ts), so a reader of both sees the same lines.
 */
export function accuracyDatasets(metrics: readonly MetricsRow[]): ChartConfiguration<'line'>['data']['datasets'] {
  const byPhase: Record<string, MetricsRow[]> = {};
  for (const row of metrics) (byPhase[row.phase] ??= []).push(row);
  // The app's figure (src/core/figures.ts), in percent.
  return trainingCurves(byPhase, 'accuracy').flatMap((c) => {
    const data = c.points.filter((p) => p.y !== null).map((p) => ({ x: p.x, y: p.y! * 100 }));
    if (data.length === 0) return [];
    const style = c.validation ? { borderWidth: 1, borderDash: [4, 3], pointRadius: 0 } : { borderWidth: 1.6, pointRadius: 1.6 };
    return [{ label: c.label, data, borderColor: c.color, backgroundColor: c.color, ...style }];
  });
}

/** The accuracy figure's legend: a solid line per phase, then "training (solid)" and "validation (dashed)" in grey. */
function accuracyLegend(chart: Chart): LegendItem[] {
  const phases = chart.data.datasets.flatMap((d, i) => (String(d.label).endsWith('· validation') ? [] : [{
    text: String(d.label).replace(/ · train$/, ''), datasetIndex: i, fillStyle: String(d.borderColor), strokeStyle: String(d.borderColor),
    lineWidth: 2, lineDash: [], pointStyle: 'line' as const, hidden: false, fontColor: '#333',
  }]));
  const style = (text: string, lineDash: number[]): LegendItem => ({ text, fillStyle: '#666666', strokeStyle: '#666666', lineWidth: 1.4, lineDash, pointStyle: 'line', hidden: false, fontColor: '#333' });
  return [...phases, style('training (solid)', []), style('validation (dashed)', [4, 3])];
}

export function accuracyChart(metrics: readonly MetricsRow[], widthPt: number, heightPt: number): Buffer {
  const datasets = accuracyDatasets(metrics);
  const values = datasets.flatMap((d) => (d.data as { y: number }[]).map((p) => p.y));
  const low = values.length ? Math.min(...values) : 0;
  return renderChart({
    type: 'line',
    data: { datasets },
    options: {
      ...baseOptions(),
      plugins: {
        ...baseOptions().plugins,
        // One line per phase in its colour, then what the two line styles mean.
        legend: {
          position: 'bottom',
          labels: { font: font(7.5), usePointStyle: true, pointStyleWidth: 18, padding: 8, color: '#333', generateLabels: accuracyLegend },
        },
      },
      scales: {
        x: axis('epoch', { type: 'linear', ticks: { font: font(7.5), color: '#444', stepSize: 1, precision: 0 } }),
        y: axis('accuracy (%)', { min: Math.max(0, Math.floor((low - 2) / 5) * 5), max: 100 }),
      },
    },
  } as ChartConfiguration, widthPt, heightPt);
}

/** Shades each energy phase behind the power lines and names it at the top when it fits. */
function phaseBands(spans: readonly PhaseSpan[]): Plugin {
  return {
    id: 'phaseBands',
    beforeDatasetsDraw(chart) {
      const scale = chart.scales.x;
      if (!scale) return;
      const { top, bottom, left, right } = chart.chartArea;
      const { ctx } = chart;
      ctx.save();
      spans.forEach((span) => {
        const x0 = Math.max(left, scale.getPixelForValue(span.startMin));
        const x1 = Math.min(right, scale.getPixelForValue(span.endMin));
        if (x1 <= x0) return;
        ctx.globalAlpha = 0.13;
        ctx.fillStyle = phaseColor(span.phase, 0);
        ctx.fillRect(x0, top, x1 - x0, bottom - top);
        ctx.globalAlpha = 1;
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(x0, top);
        ctx.lineTo(x0, bottom);
        ctx.stroke();
        ctx.font = `6.5px "${CHART_FONT}"`;
        const label = phaseLabel(span.phase);
        const width = ctx.measureText(label).width;
        if (width + 4 < x1 - x0) {
          ctx.fillStyle = '#333333';
          ctx.textBaseline = 'top';
          ctx.fillText(label, x0 + (x1 - x0 - width) / 2, top + 2);
        }
      });
      ctx.restore();
    },
  };
}

/** Watts per source over the run, the phases shaded behind. */
export function powerChart(power: readonly PowerSeries[], spans: readonly PhaseSpan[], widthPt: number, heightPt: number): Buffer {
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = power.map((series, i) => ({
    label: `${series.source} (${series.kind}${series.devices.length > 1 ? `, ${series.devices.join(' + ')}` : series.devices[0] ? `, ${series.devices[0]}` : ''})`,
    data: series.points,
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length],
    borderWidth: 1.1,
    pointRadius: 0,
  }));
  const xs = power.flatMap((s) => s.points.map((p) => p.x));
  const maxX = Math.max(...xs, ...spans.map((s) => s.endMin), 0.1);
  return renderChart({
    type: 'line',
    data: { datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: axis('minutes since the run started', { type: 'linear', min: 0, max: maxX }),
        y: axis('power (W)', { beginAtZero: true }),
      },
    },
    plugins: [phaseBands(spans)],
  } as ChartConfiguration, widthPt, heightPt);
}

/** Energy per phase, stacked by source. */
export function phaseEnergyChart(rows: readonly PhaseEnergyRow[], widthPt: number, heightPt: number): Buffer {
  const phases = phaseOrder(rows.map((r) => r.phase));
  const sources = [...new Set(rows.map((r) => r.source))];
  const useKj = Math.max(...rows.map((r) => r.joules), 0) >= 10_000;
  return renderChart({
    type: 'bar',
    data: {
      labels: phases.map(phaseLabel),
      datasets: sources.map((source, i) => ({
        label: `${source} (${rows.find((r) => r.source === source)?.kind ?? ''})`,
        data: phases.map((phase) => rows.filter((r) => r.phase === phase && r.source === source).reduce((a, r) => a + r.joules, 0) / (useKj ? 1000 : 1)),
        backgroundColor: PALETTE[i % PALETTE.length],
      })),
    },
    options: {
      ...baseOptions(),
      scales: {
        x: axis('phase', { stacked: true }),
        y: axis(useKj ? 'energy (kJ)' : 'energy (J)', { stacked: true, beginAtZero: true }),
      },
    },
  } as ChartConfiguration, widthPt, heightPt);
}


/** Energy per compared method, coloured by how the figure was obtained. */
export function methodEnergyChart(methods: readonly MethodView[], widthPt: number, heightPt: number, inspect?: (chart: Chart) => void): Buffer {
  const withEnergy = methods.filter((m) => m.energy);
  const useKj = Math.max(...withEnergy.map((m) => m.energy!.joules), 0) >= 10_000;
  const labelPlugin: Plugin = {
    id: 'barValues',
    afterDatasetsDraw(chart) {
      const meta = chart.getDatasetMeta(0);
      const { ctx } = chart;
      ctx.save();
      ctx.font = `7px "${CHART_FONT}"`;
      ctx.textBaseline = 'middle';
      meta.data.forEach((bar, i) => {
        const m = withEnergy[i]!;
        const { x, y, base } = bar.getProps(['x', 'y', 'base'], true) as { x: number; y: number; base: number };
        const text = `${formatEnergy(m.energy!.joules)} · ${m.energy!.kind}`;
        const width = ctx.measureText(text).width;
        // Inside the bar where it fits, so the axis can end at the largest bar instead of leaving room for labels.
        const inside = x - base > width + 8;
        ctx.fillStyle = inside ? '#ffffff' : '#222222';
        ctx.textAlign = inside ? 'right' : 'left';
        ctx.fillText(text, inside ? x - 4 : x + 4, y);
      });
      ctx.restore();
    },
  };
  return renderChart({
    type: 'bar',
    data: {
      labels: withEnergy.map((m) => methodLabel(m.method)),
      datasets: [{
        label: 'energy',
        data: withEnergy.map((m) => m.energy!.joules / (useKj ? 1000 : 1)),
        backgroundColor: withEnergy.map((m) => KIND_COLORS[m.energy!.kind] ?? '#999999'),
      }],
    },
    options: {
      ...baseOptions(),
      indexAxis: 'y',
      plugins: { ...baseOptions().plugins, legend: { display: false } },
      scales: {
        // Chart.js's own nice maximum: the axis ends just past the largest bar.
        x: axis(useKj ? 'energy (kJ)' : 'energy (J)', { beginAtZero: true }),
        y: axis('', { title: { display: false }, ticks: { font: font(7.5), color: '#333' } }),
      },
    },
    plugins: [labelPlugin],
  } as ChartConfiguration, widthPt, heightPt, 3, inspect);
}

