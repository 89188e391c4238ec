/**
 * A chart in a card: title, the chart.js line chart and an empty-state line. Ticks come at nice
 * steps with one unit and one number of decimals per axis (src/core/axisTicks.ts); tooltips give
 * values at the data table's precision. A card with `toggles` shows a button per series group
 * (e.g. per phase) above the chart, some switched off at first so no chart starts with a dozen
 * lines, and a key for the line styles instead of the canvas legend. Series are replaced
 * wholesale on every update but datasets are updated in place (by key), so a series the user hid
 * from the legend stays hidden. The card exposes what it shows as attributes for tests and tools:
 * `data-points` (real points, reference lines excluded), `data-series` (and `data-shown-series`),
 * `data-marker-x`, the y axis's `data-y-min`/`data-y-max`, both axes' tick labels (`data-x-ticks`,
 * `data-y-ticks`) and `data-legend-items`. "Show data" opens the same numbers as a table.
 * Recreated on theme change (colours are read once per chart).
 */
import Chart from 'chart.js/auto';
import type { ChartDataset, Plugin } from 'chart.js';
import type { TickKind } from '../../../src/core/axisTicks.ts';
import type { Point } from '../../../src/core/project.ts';
import { methodColor } from '../../../src/core/methods.ts';
import { h } from '../ui/dom.ts';
import { onThemeChange } from '../ui/theme.ts';
import { chartTheme } from './chartTheme.ts';
import { niceTicks, tickCallback } from './chartAxes.ts';
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
  /** The group's name on its toggle button (default: the series label). */
  groupLabel?: string;
}

export interface ChartToggles {
  /** What the buttons choose, for their group's label ("Show phases"). */
  label: string;
  /** The groups shown before the user chooses (the rest start switched off). */
  initial(groups: readonly string[]): readonly string[];
  /** The line styles' key under the buttons, e.g. [['solid', 'training'], ['dashed', 'validation']]. */
  lineKey?: readonly (readonly ['solid' | 'dashed', string])[];
}

export interface LineChartOptions {
  testId: string;
  title: string;
  /** A short line under the title: what the chart shows and its basis. */
  caption?: string;
  xTitle: string;
  yTitle: string;
  emptyText: string;
  /** Formats one x value (tooltips, data table; tick labels unless `xLabels`). */
  xTick?(value: number): string;
  /** Formats one y value (tick labels unless `yLabels`; tooltips and table unless `yCell`). */
  yTick?(value: number): string;
  /** Tick labels for all of an axis's ticks at once: one unit and one number of decimals for the axis. */
  xLabels?(values: number[]): string[];
  yLabels?(values: number[]): string[];
  /** Steps of the x axis: clock steps for time in seconds, whole steps for epochs (also `integerX`). */
  xKind?: TickKind;
  integerX?: boolean;
  /** Buttons that show and hide series groups. */
  toggles?: ChartToggles;
  yMin?: number;
  yMax?: number;
  /** Head room above the data, e.g. '15%' (keeps a threshold line off the frame). */
  yGrace?: string;
  /** The y range from the data shown (e.g. accuracy from just below its lowest value to 100 %). */
  fitY?(values: number[]): { min?: number; max?: number };
  marker?: boolean;
  /** Formats x in the data table (defaults to xTick, else the number). */
  xCell?(value: number): string;
  /** Formats y in the data table and tooltips (defaults to yTick). */
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

  /** The toggle buttons' row, the groups they were built for and the user's own choices. */
  private readonly toggleBar: HTMLElement | null = null;
  private toggleGroups = '';
  private readonly chosen = new Map<string, boolean>();
  private initialShown = new Set<string>();

  constructor(private readonly options: LineChartOptions) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': options.title });
    this.empty = h('p', { class: 'chart-empty' }, options.emptyText);
    this.captionEl = h('p', { class: 'chart-caption' }, options.caption ?? '');
    this.dataTable = h('table', { class: 'chart-data-table', testid: 'chart-data-table' });
    this.dataDetails = h('details', { class: 'chart-data' }, h('summary', { testid: 'show-chart-data' }, 'Show data'), h('div', { class: 'chart-data-scroll' }, this.dataTable));
    this.dataDetails.addEventListener('toggle', () => this.renderTable());
    if (options.toggles) this.toggleBar = h('div', { class: 'chart-toggles', role: 'group', 'aria-label': `${options.title}: ${options.toggles.label}`, testid: 'chart-toggles' });
    const lineKey = options.toggles?.lineKey?.length
      ? h('p', { class: 'chart-line-key', testid: 'chart-line-key' }, 'Lines: ', ...options.toggles.lineKey.map(([style, text]) =>
        h('span', { class: 'line-key-item' }, h('span', { class: `line-sample ${style}`, 'aria-hidden': 'true' }), ` ${text} (${style})`)))
      : null;
    this.element = h('section', { class: 'card chart-card', testid: options.testId, 'data-points': 0, 'data-series': 0 },
      h('h3', {}, options.title),
      this.captionEl,
      this.toggleBar,
      lineKey,
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

  private groupOf(s: Series): string {
    return s.legendGroup ?? s.key;
  }

  /** Whether a group is drawn: the user's choice, else the initial choice. */
  private shown(group: string): boolean {
    return this.options.toggles ? this.chosen.get(group) ?? this.initialShown.has(group) : true;
  }

  /** One button per group of real series, in series order; rebuilt only when the groups change. */
  private renderToggles(): void {
    const bar = this.toggleBar;
    const toggles = this.options.toggles;
    if (!bar || !toggles) return;
    const groups: { key: string; label: string; color: string }[] = [];
    for (const s of this.series) {
      if (s.reference || groups.some((g) => g.key === this.groupOf(s))) continue;
      groups.push({ key: this.groupOf(s), label: s.groupLabel ?? s.label, color: s.color });
    }
    this.initialShown = new Set(toggles.initial(groups.map((g) => g.key)));
    const signature = JSON.stringify(groups.map((g) => [g.key, g.label, g.color, this.shown(g.key)]));
    if (signature === this.toggleGroups) return;
    this.toggleGroups = signature;
    bar.replaceChildren(...groups.map((g) => {
      const swatch = h('span', { class: 'toggle-swatch', 'aria-hidden': 'true' });
      swatch.style.background = g.color;
      const button = h('button', { type: 'button', class: 'chart-toggle', 'aria-pressed': String(this.shown(g.key)), testid: 'chart-toggle', 'data-group': g.key }, swatch, g.label);
      button.addEventListener('click', () => {
        this.chosen.set(g.key, !this.shown(g.key));
        this.renderToggles();
        this.afterSeriesChange();
        if (this.chart) this.apply();
      });
      return button;
    }));
    bar.hidden = groups.length < 2;
    this.element.dataset.legendItems = String(groups.length);
  }

  /** What the card says about its series: counts, the canvas's label. */
  private afterSeriesChange(): void {
    const real = this.series.filter((s) => !s.reference);
    const shown = real.filter((s) => this.shown(this.groupOf(s)));
    this.element.dataset.shownSeries = String(shown.length);
    this.canvas.setAttribute('aria-label', `${this.options.title}: ${shown.map((s) => s.label).join(', ') || 'no data yet'}`);
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
    this.renderToggles();
    this.afterSeriesChange();
    if (!this.chart) this.create();
    else this.apply();
    this.renderTable();
    // What the axes and legend ended up as, for tests and tools (the page's own attributes, like data-points).
    this.exposeAxes();
    const chart = this.chart;
    if (!this.options.toggles && chart?.legend?.legendItems) this.element.dataset.legendItems = String(chart.legend.legendItems.length);
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
      this.exposeAxes();
    }
  }

  /** The axes as drawn, on the card: y range and both axes' tick labels ("|"-separated). */
  private exposeAxes(): void {
    const scales = this.chart?.scales;
    if (!scales?.y || !scales.x) return;
    this.element.dataset.yMin = String(scales.y.min);
    this.element.dataset.yMax = String(scales.y.max);
    const labels = (ticks: { label?: unknown }[]) => ticks.map((t) => String(t.label ?? '')).filter(Boolean).join('|');
    this.element.dataset.xTicks = labels(scales.x.ticks);
    this.element.dataset.yTicks = labels(scales.y.ticks);
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
      hidden: !this.shown(this.groupOf(s)),
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
            afterBuildTicks: niceTicks(options.xKind ?? (options.integerX ? 'integer' : 'linear')),
            ticks: {
              color: theme.muted,
              callback: tickCallback(options.xLabels, options.xTick),
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
            afterBuildTicks: niceTicks('linear'),
            ticks: { color: theme.muted, callback: tickCallback(options.yLabels, options.yTick) },
          },
        },
        plugins: {
          legend: {
            // A card with toggles names its groups on the buttons and its line styles in the key.
            display: !options.toggles,
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
              // At the data table's precision: 97.50 % beside 96.70 % is the experiment's point.
              title: (items) => {
                const x = options.xCell ?? options.xTick;
                return items[0] ? `${options.xTitle}: ${x ? x(items[0].parsed.x ?? 0) : items[0].parsed.x}` : '';
              },
              label: (item) => {
                const y = options.yCell ?? options.yTick;
                return `${item.dataset.label}: ${item.parsed.y === null ? '—' : y ? y(item.parsed.y) : item.parsed.y.toPrecision(4)}`;
              },
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
