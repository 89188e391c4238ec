/**
 * A chart in a card: title, the chart.js line chart and an empty-state line. Series are replaced
 * wholesale on every update but datasets are updated in place (by key), so a series the user hid
 * from the legend stays hidden. The card exposes what it shows as attributes for tests and tools:
 * `data-points` (real points, reference lines excluded), `data-series`, `data-marker-x`, the
 * y axis's `data-y-min`/`data-y-max` and `data-legend-items`. "Show data" opens the same numbers as a table.
 * Recreated on theme change (colours are read once per chart).
 */
import Chart from 'chart.js/auto';
import type { ChartDataset, Plugin } from 'chart.js';
import type { Point } from '../../../src/core/project.ts';
import { methodColor } from '../../../src/core/methods.ts';
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
  /** Point shape (chart.js pointStyle), so lines that coincide stay distinguishable. */
  pointStyle?: 'circle' | 'rect' | 'triangle' | 'rectRot' | 'star' | 'crossRot';
  /** Drawn under the others (a thick line that thin ones may cover). */
  underneath?: boolean;
  /** Not listed in the legend: toggled with the series it belongs to (`legendGroup`). */
  hideFromLegend?: boolean;
  /** Series sharing a group show and hide together from one legend entry (a phase's training and validation). */
  legendGroup?: string;
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
  /** The y range from the data shown (e.g. accuracy from just below its lowest value to 100 %). */
  fitY?(values: number[]): { min?: number; max?: number };
  marker?: boolean;
  /** Formats x in the data table (defaults to xTick, else the number). */
  xCell?(value: number): string;
  /** Formats y in the data table (defaults to yTick). */
  yCell?(value: number): string;
}

const MAX_POINTS = 1500;

export interface AxisRange {
  min: number;
  max: number;
}

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
  /** Axis ranges imposed from outside (a comparison draws every run on the same scales). */
  private shared: { x?: AxisRange; y?: AxisRange } = {};

  /** "Show data": the numbers behind the chart as a table, for screen readers and for reading values off. */
  private readonly dataDetails: HTMLDetailsElement;
  private readonly dataTable: HTMLTableElement;

  constructor(private readonly options: LineChartOptions) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': options.title });
    this.empty = h('p', { class: 'chart-empty' }, options.emptyText);
    this.captionEl = h('p', { class: 'chart-caption' }, options.caption ?? '');
    this.dataTable = h('table', { class: 'chart-data-table', testid: 'chart-data-table' });
    this.dataDetails = h('details', { class: 'chart-data' }, h('summary', { testid: 'show-chart-data' }, 'Show data'), h('div', { class: 'chart-data-scroll' }, this.dataTable));
    this.dataDetails.addEventListener('toggle', () => this.renderTable());
    this.element = h('section', { class: 'card chart-card', testid: options.testId, 'data-points': 0, 'data-series': 0 },
      h('h3', {}, options.title),
      this.captionEl,
      h('div', { class: 'chart-box' }, this.canvas, this.empty),
      this.dataDetails,
    );
    this.stopTheme = onThemeChange(() => this.rebuild());
  }

  /** One row per x, one column per series; built only while open. */
  private renderTable(): void {
    if (!this.dataDetails.open) return;
    const { options } = this;
    const series = this.series.filter((s) => s.points.length > 0);
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
    const xCell = options.xCell ?? options.xTick ?? ((v: number) => String(v));
    const yCell = options.yCell ?? options.yTick ?? ((v: number) => v.toPrecision(4));
    const byX = series.map((s) => new Map(s.points.map((p) => [p.x, p.y])));
    this.dataTable.replaceChildren(
      h('caption', { class: 'visually-hidden' }, `${options.title}: the data`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, options.xTitle), ...series.map((s) => h('th', { scope: 'col' }, s.label)))),
      h('tbody', {}, xs.map((x) => h('tr', {}, h('th', { scope: 'row' }, xCell(x)), ...byX.map((m) => {
        const y = m.get(x);
        return h('td', {}, y === undefined || y === null ? '—' : yCell(y));
      })))),
    );
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
    this.renderTable();
    // What the axes and legend ended up as, for tests and tools (the page's own attributes, like data-points).
    const chart = this.chart;
    if (chart?.scales.y) {
      this.element.dataset.yMin = String(chart.scales.y.min);
      this.element.dataset.yMax = String(chart.scales.y.max);
    }
    if (chart?.legend?.legendItems) this.element.dataset.legendItems = String(chart.legend.legendItems.length);
  }

  /** The axes as drawn now, or null before the first point. */
  scaleRanges(): { x: AxisRange; y: AxisRange } | null {
    const chart = this.chart;
    if (!chart?.scales.x || !chart.scales.y || this.element.dataset.points === '0') return null;
    return { x: { min: chart.scales.x.min, max: chart.scales.x.max }, y: { min: chart.scales.y.min, max: chart.scales.y.max } };
  }

  /** Draws on the given ranges (null: the chart's own again). */
  share(ranges: { x?: AxisRange; y?: AxisRange } | null): void {
    this.shared = ranges ?? {};
    if (this.chart) {
      this.apply();
      this.element.dataset.yMin = String(this.chart.scales.y!.min);
      this.element.dataset.yMax = String(this.chart.scales.y!.max);
    }
  }

  /** The y range `fitY` asks for, from the real points shown. */
  private fittedY(): { min?: number; max?: number } {
    if (this.shared.y) return this.shared.y;
    const { options } = this;
    if (!options.fitY) return { min: options.yMin, max: options.yMax };
    const values = this.series.filter((s) => !s.reference).flatMap((s) => s.points.map((p) => p.y).filter((y): y is number => y !== null));
    return values.length ? options.fitY(values) : { min: options.yMin, max: options.yMax };
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
      pointRadius: s.reference ? 0 : s.points.length > 40 ? 0 : s.pointStyle ? 3.2 : 2.5,
      pointStyle: s.pointStyle ?? 'circle',
      order: s.underneath ? 1 : 0,
      pointHoverRadius: 4,
      tension: 0,
      spanGaps: false,
    });
    Object.assign(ds, { key: s.key, hideFromLegend: Boolean(s.hideFromLegend), legendGroup: s.legendGroup ?? s.key });
    return ds;
  }

  private apply(): void {
    const chart = this.chart!;
    const byKey = new Map(chart.data.datasets.map((d) => [(d as unknown as { key: string }).key, d]));
    chart.data.datasets = this.series.map((s) => this.dataset(s, byKey.get(s.key)));
    const x = chart.options.scales!.x!;
    x.min = this.paddedX().min;
    x.max = this.paddedX().max;
    const y = chart.options.scales!.y!;
    const fitted = this.fittedY();
    y.min = fitted.min;
    y.max = fitted.max;
    const theme = chartTheme();
    chart.options.plugins!.ebMarker = { ...this.marker, color: this.marker.color ?? methodColor('ebTrain'), textColor: theme.text, background: theme.surface };
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
              // A tick whose label repeats its neighbour's (0:00 0:00 0:01 early in a run) is left blank.
              callback: options.xTick
                ? (value, index, ticks) => {
                  const label = options.xTick!(Number(value));
                  return index > 0 && options.xTick!(Number(ticks[index - 1]!.value)) === label ? '' : label;
                }
                : undefined,
              maxRotation: 0,
              autoSkipPadding: 12,
            },
          },
          y: {
            ...this.fittedY(),
            grace: options.yGrace,
            title: { display: true, text: options.yTitle, color: theme.muted },
            grid: { color: theme.grid },
            border: { color: theme.grid },
            ticks: { color: theme.muted, callback: options.yTick ? (value) => options.yTick!(Number(value)) : undefined },
          },
        },
        plugins: {
          legend: {
            position: 'bottom',
            labels: {
              color: theme.text, boxWidth: 18, boxHeight: 2, padding: 10, font: { size: 11 },
              filter: (item, data) => !(data.datasets[item.datasetIndex ?? 0] as unknown as { hideFromLegend?: boolean }).hideFromLegend,
            },
            // One entry shows and hides its whole group (a phase's training and validation lines).
            onClick: (_event, item, legend) => {
              const chart = legend.chart;
              const group = (chart.data.datasets[item.datasetIndex ?? 0] as unknown as { legendGroup: string }).legendGroup;
              const hide = chart.isDatasetVisible(item.datasetIndex ?? 0);
              chart.data.datasets.forEach((d, i) => {
                if ((d as unknown as { legendGroup: string }).legendGroup === group) chart.setDatasetVisibility(i, !hide);
              });
              chart.update();
            },
          },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? `${options.xTitle}: ${options.xTick ? options.xTick(items[0].parsed.x ?? 0) : items[0].parsed.x}` : ''),
              label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? '—' : options.yTick ? options.yTick(item.parsed.y) : item.parsed.y.toPrecision(4)}`,
            },
          },
          ebMarker: { ...this.marker, color: this.marker.color ?? methodColor('ebTrain'), textColor: theme.text, background: theme.surface },
        },
      },
    });
  }

  /** Epoch axes get a little room on both sides, so the first and last points are not cut. */
  private paddedX(): { min?: number; max?: number } {
    if (this.shared.x) return this.shared.x;
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
