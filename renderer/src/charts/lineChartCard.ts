/**
 * A chart in a card: title, the chart.js line chart and an empty-state line. Series are replaced
 * wholesale on every update but datasets are updated in place (by key), so a series the user hid
 * from the legend stays hidden. The card exposes what it shows as attributes for tests and tools:
 * `data-points` (real points, reference lines excluded), `data-series`, and `data-marker-x`.
 * Recreated on theme change (colours are read once per chart).
 */
import Chart from 'chart.js/auto';
import type { ChartDataset, Plugin } from 'chart.js';
import type { Point } from '../../../src/run/project.ts';
import { h } from '../ui/dom.ts';
import { onThemeChange } from '../ui/theme.ts';
import { chartTheme } from './chartTheme.ts';
import { ebMarkerPlugin, type EbMarkerOptions } from './ebMarkerPlugin.ts';

export interface Series {
  key: string;
  label: string;
  color: string;
  points: Point[];
  dashed?: boolean;
  /** A guide (e.g. the ε threshold): not counted as data. */
  reference?: boolean;
  width?: number;
}

export interface LineChartOptions {
  testId: string;
  title: string;
  /** A short line under the title: what the chart shows and its basis. */
  caption?: string;
  xTitle: string;
  yTitle: string;
  emptyText: string;
  xTick?(value: number): string;
  yTick?(value: number): string;
  integerX?: boolean;
  yMin?: number;
  yMax?: number;
  /** Head room above the data, e.g. '15%' (keeps a threshold line off the frame). */
  yGrace?: string;
  marker?: boolean;
}

const MAX_POINTS = 1500;

function thin(points: Point[]): Point[] {
  if (points.length <= MAX_POINTS) return points;
  const step = points.length / MAX_POINTS;
  const out: Point[] = [];
  for (let i = 0; i < MAX_POINTS; i++) out.push(points[Math.floor(i * step)]!);
  out.push(points[points.length - 1]!);
  return out;
}

export class LineChartCard {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly empty: HTMLElement;
  private readonly captionEl: HTMLElement;
  private chart: Chart<'line', Point[]> | null = null;
  private series: Series[] = [];
  private xRange: { min?: number; max?: number } = {};
  private marker: Omit<EbMarkerOptions, 'color' | 'textColor' | 'background'> & { color?: string } = { x: null, label: '' };
  private readonly stopTheme: () => void;

  constructor(private readonly options: LineChartOptions) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': options.title });
    this.empty = h('p', { class: 'chart-empty' }, options.emptyText);
    this.captionEl = h('p', { class: 'chart-caption' }, options.caption ?? '');
    this.element = h('section', { class: 'card chart-card', testid: options.testId, 'data-points': 0, 'data-series': 0 },
      h('h3', {}, options.title),
      this.captionEl,
      h('div', { class: 'chart-box' }, this.canvas, this.empty),
    );
    this.stopTheme = onThemeChange(() => this.rebuild());
  }

  setCaption(text: string): void {
    if (this.captionEl.textContent !== text) this.captionEl.textContent = text;
  }

  update(series: Series[], xRange: { min?: number; max?: number } = {}, marker?: { x: number | null; label: string; color?: string }): void {
    this.series = series;
    this.xRange = xRange;
    if (marker) this.marker = marker;
    const points = series.filter((s) => !s.reference).reduce((n, s) => n + s.points.filter((p) => p.y !== null).length, 0);
    this.element.dataset.points = String(points);
    this.element.dataset.series = String(series.filter((s) => !s.reference).length);
    if (this.options.marker) this.element.dataset.markerX = this.marker.x === null ? '' : String(this.marker.x);
    this.empty.hidden = points > 0;
    this.canvas.setAttribute('aria-label', `${this.options.title}: ${series.filter((s) => !s.reference).map((s) => s.label).join(', ') || 'no data yet'}`);
    if (!this.chart) this.create();
    else this.apply();
  }

  destroy(): void {
    this.stopTheme();
    this.chart?.destroy();
    this.chart = null;
  }

  private dataset(s: Series, existing?: ChartDataset<'line', Point[]>): ChartDataset<'line', Point[]> {
    const ds = existing ?? ({ data: [] } as unknown as ChartDataset<'line', Point[]>);
    Object.assign(ds, {
      label: s.label,
      data: thin(s.points),
      borderColor: s.color,
      backgroundColor: s.color,
      borderWidth: s.width ?? (s.reference ? 1.5 : 2),
      borderDash: s.dashed || s.reference ? (s.reference ? [3, 3] : [6, 4]) : [],
      pointRadius: s.reference ? 0 : s.points.length > 40 ? 0 : 2.5,
      pointHoverRadius: 4,
      tension: 0,
      spanGaps: false,
    });
    (ds as unknown as { key: string }).key = s.key;
    return ds;
  }

  private apply(): void {
    const chart = this.chart!;
    const byKey = new Map(chart.data.datasets.map((d) => [(d as unknown as { key: string }).key, d]));
    chart.data.datasets = this.series.map((s) => this.dataset(s, byKey.get(s.key)));
    const x = chart.options.scales!.x!;
    x.min = this.paddedX().min;
    x.max = this.paddedX().max;
    const theme = chartTheme();
    chart.options.plugins!.ebMarker = { ...this.marker, color: this.marker.color ?? '#22a06b', textColor: theme.text, background: theme.surface };
    chart.update('none');
  }

  private create(): void {
    const theme = chartTheme();
    const { options } = this;
    const plugins: Plugin<'line'>[] = options.marker ? [ebMarkerPlugin] : [];
    this.chart = new Chart<'line', Point[]>(this.canvas, {
      type: 'line',
      data: { datasets: this.series.map((s) => this.dataset(s)) },
      plugins,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        color: theme.muted,
        font: { family: theme.font },
        scales: {
          x: {
            type: 'linear',
            ...this.paddedX(),
            title: { display: true, text: options.xTitle, color: theme.muted },
            grid: { color: theme.grid },
            border: { color: theme.grid },
            ticks: {
              color: theme.muted,
              precision: options.integerX ? 0 : undefined,
              stepSize: options.integerX ? 1 : undefined,
              includeBounds: !options.integerX,
              callback: options.xTick ? (value) => options.xTick!(Number(value)) : undefined,
              maxRotation: 0,
              autoSkipPadding: 12,
            },
          },
          y: {
            min: options.yMin,
            max: options.yMax,
            grace: options.yGrace,
            title: { display: true, text: options.yTitle, color: theme.muted },
            grid: { color: theme.grid },
            border: { color: theme.grid },
            ticks: { color: theme.muted, callback: options.yTick ? (value) => options.yTick!(Number(value)) : undefined },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: theme.text, boxWidth: 18, boxHeight: 2, padding: 10, font: { size: 11 } } },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? `${options.xTitle}: ${options.xTick ? options.xTick(items[0].parsed.x ?? 0) : items[0].parsed.x}` : ''),
              label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? '—' : options.yTick ? options.yTick(item.parsed.y) : item.parsed.y.toPrecision(4)}`,
            },
          },
          ebMarker: { ...this.marker, color: this.marker.color ?? '#22a06b', textColor: theme.text, background: theme.surface },
        },
      },
    });
  }

  /** Epoch axes get a little room on both sides, so the first and last points are not cut. */
  private paddedX(): { min?: number; max?: number } {
    const pad = this.options.integerX ? 0.15 : 0;
    return {
      min: this.xRange.min === undefined ? undefined : this.xRange.min - pad,
      max: this.xRange.max === undefined ? undefined : this.xRange.max + pad,
    };
  }

  private rebuild(): void {
    if (!this.chart) return;
    this.chart.destroy();
    this.chart = null;
    this.create();
  }
}
