/**
 * Several runs on one chart: a colour per run, a line style per method (or energy source), one x
 * axis covering every run. The legend is the page's own (two rows of toggle buttons: runs by colour,
 * methods by line style), so every dashed line is named and either dimension can be hidden. The card
 * exposes what it draws for tests and tools: `data-runs` (runs with at least one point), `data-series`,
 * `data-points`, the axes as drawn (`data-x-min`, `data-x-max`, `data-y-min`, `data-y-max`) and each run's own x extent
 * (`data-run-extents`, JSON). Recreated on theme change (colours are read once per chart).
 */
import Chart from 'chart.js/auto';
import type { ChartDataset } from 'chart.js';
import type { Point } from '../../../src/core/project.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { onThemeChange } from '../ui/theme.ts';
import { chartTheme } from './chartTheme.ts';
import { niceTicks, tickCallback } from './chartAxes.ts';
import type { TickKind } from '../../../src/core/axisTicks.ts';

export interface OverlayRun {
  runId: string;
  label: string;
  color: string;
}

/** A line style: what it stands for (a method, an energy source) and its dash pattern. */
export interface OverlayStyle {
  key: string;
  label: string;
  dash: number[];
  pointStyle: 'circle' | 'rect' | 'triangle' | 'rectRot' | 'star' | 'crossRot';
}

export interface OverlaySeries {
  run: string;
  style: string;
  points: Point[];
}

export interface OverlayChartOptions {
  testId: string;
  title: string;
  caption: string;
  xTitle: string;
  yTitle: string;
  emptyText: string;
  /** Axis tick label (also the tooltip's x). */
  xTick?(value: number): string;
  /** One y tick label, unless `yLabels` labels the axis. */
  yTick?(value: number): string;
  /** Tick labels for all of an axis's ticks at once: one unit and one number of decimals for the axis. */
  yLabels?(values: number[]): string[];
  /** Steps of the x axis: clock steps for time in seconds, whole steps for epochs (also `integerX`). */
  xKind?: TickKind;
  /** The tooltip's value, at the precision of the tables (e.g. 97.50 %, not 98 %). */
  yValue(value: number): string;
  integerX?: boolean;
  yMin?: number;
  yMax?: number;
  /** The y range from the values shown. */
  fitY?(values: number[]): { min?: number; max?: number };
}

/** Dash patterns, one per line style in order: solid first, then patterns that stay apart at 2 px. */
export const DASHES: readonly number[][] = [[], [7, 4], [2, 3], [12, 4, 2, 4], [4, 4], [1, 5], [14, 6], [6, 2, 2, 2, 2, 2]];
export const POINT_STYLES: readonly OverlayStyle['pointStyle'][] = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot'];

const SVG = 'http://www.w3.org/2000/svg';

/** A short stroke in the style's colour and dash, for the legend. */
function swatch(color: string, dash: readonly number[]): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', '28');
  svg.setAttribute('height', '10');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'overlay-swatch');
  const line = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: 1, y1: 5, x2: 27, y2: 5, stroke: color, 'stroke-width': 2.5, 'stroke-dasharray': dash.length ? dash.join(' ') : 'none' })) line.setAttribute(k, String(v));
  svg.append(line);
  return svg;
}

export class OverlayChart {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly empty: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly captionEl: HTMLElement;
  private chart: Chart<'line', Point[]> | null = null;
  private runs: OverlayRun[] = [];
  private styles: OverlayStyle[] = [];
  private series: OverlaySeries[] = [];
  private xRange: { min?: number; max?: number } = {};
  /** Runs and styles the user switched off in the legend (kept across updates). */
  private readonly hiddenRuns = new Set<string>();
  private readonly hiddenStyles = new Set<string>();
  private readonly stopTheme: () => void;

  constructor(private readonly options: OverlayChartOptions) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': options.title });
    this.empty = h('p', { class: 'chart-empty' }, options.emptyText);
    this.legend = h('div', { class: 'overlay-legend', testid: 'overlay-legend' });
    this.captionEl = h('p', { class: 'chart-caption' }, options.caption);
    this.element = h('section', { class: 'card chart-card overlay-chart', testid: options.testId, 'data-points': 0, 'data-series': 0, 'data-runs': '' },
      h('h3', {}, options.title),
      this.captionEl,
      h('div', { class: 'chart-box' }, this.canvas, this.empty),
      this.legend,
    );
    this.stopTheme = onThemeChange(() => this.rebuild());
  }

  setCaption(text: string): void {
    if (this.captionEl.textContent !== text) this.captionEl.textContent = text;
  }

  update(runs: OverlayRun[], styles: OverlayStyle[], series: OverlaySeries[], xRange: { min?: number; max?: number }): void {
    this.runs = runs;
    this.styles = styles.filter((s) => series.some((x) => x.style === s.key && x.points.some((p) => p.y !== null)));
    this.series = series.filter((s) => s.points.some((p) => p.y !== null));
    this.xRange = xRange;
    const points = this.series.reduce((n, s) => n + s.points.filter((p) => p.y !== null).length, 0);
    const withData = runs.filter((r) => this.series.some((s) => s.run === r.runId));
    const extents: Record<string, [number, number]> = {};
    for (const r of withData) {
      const xs = this.series.filter((s) => s.run === r.runId).flatMap((s) => s.points.filter((p) => p.y !== null).map((p) => p.x));
      extents[r.runId] = [Math.min(...xs), Math.max(...xs)];
    }
    Object.assign(this.element.dataset, {
      points: String(points), series: String(this.series.length), runs: withData.map((r) => r.runId).join(' '), runExtents: JSON.stringify(extents),
    });
    this.empty.hidden = points > 0;
    this.canvas.setAttribute('aria-label', `${this.options.title}: ${withData.map((r) => r.label).join(', ') || 'no data yet'}`);
    this.renderLegend();
    if (!this.chart) this.create();
    else this.apply();
  }

  destroy(): void {
    this.stopTheme();
    this.chart?.destroy();
    this.chart = null;
  }

  private renderLegend(): void {
    const toggle = (label: string, pressed: boolean, swatchEl: SVGSVGElement, onClick: () => void, testid: string) =>
      h('button', { type: 'button', class: 'overlay-key', 'aria-pressed': String(pressed), testid, onclick: onClick }, swatchEl, h('span', {}, label));
    const runsPresent = this.runs.filter((r) => this.series.some((s) => s.run === r.runId));
    replaceChildren(this.legend,
      runsPresent.length ? h('div', { class: 'overlay-legend-row', role: 'group', 'aria-label': `${this.options.title}: runs (colour)` },
        ...runsPresent.map((r) => toggle(r.label, !this.hiddenRuns.has(r.runId), swatch(r.color, []), () => this.flip(this.hiddenRuns, r.runId), 'overlay-run-key'))) : null,
      this.styles.length > 1 ? h('div', { class: 'overlay-legend-row', role: 'group', 'aria-label': `${this.options.title}: line styles` },
        ...this.styles.map((s) => toggle(s.label, !this.hiddenStyles.has(s.key), swatch(chartTheme().text, s.dash), () => this.flip(this.hiddenStyles, s.key), 'overlay-style-key'))) : null,
    );
  }

  private flip(set: Set<string>, key: string): void {
    if (set.has(key)) set.delete(key);
    else set.add(key);
    this.renderLegend();
    this.apply();
  }

  private datasets(): ChartDataset<'line', Point[]>[] {
    const runOf = new Map(this.runs.map((r) => [r.runId, r]));
    const styleOf = new Map(this.styles.map((s) => [s.key, s]));
    return this.series.map((s) => {
      const run = runOf.get(s.run);
      const style = styleOf.get(s.style);
      const dense = s.points.length > 40;
      return {
        label: `${run?.label ?? s.run} · ${style?.label ?? s.style}`,
        data: s.points,
        borderColor: run?.color ?? '#888',
        backgroundColor: run?.color ?? '#888',
        borderWidth: 2,
        borderDash: style?.dash ?? [],
        pointStyle: style?.pointStyle ?? 'circle',
        pointRadius: dense ? 0 : 2.8,
        pointHoverRadius: 4,
        tension: 0,
        spanGaps: false,
        hidden: this.hiddenRuns.has(s.run) || this.hiddenStyles.has(s.style),
      } as ChartDataset<'line', Point[]>;
    });
  }

  private fittedY(): { min?: number; max?: number } {
    const { options } = this;
    const values = this.series.filter((s) => !this.hiddenRuns.has(s.run) && !this.hiddenStyles.has(s.style))
      .flatMap((s) => s.points.map((p) => p.y).filter((y): y is number => y !== null));
    if (!options.fitY || !values.length) return { min: options.yMin, max: options.yMax };
    return options.fitY(values);
  }

  private paddedX(): { min?: number; max?: number } {
    const pad = this.options.integerX ? 0.15 : 0;
    return {
      min: this.xRange.min === undefined ? undefined : this.xRange.min - pad,
      max: this.xRange.max === undefined ? undefined : this.xRange.max + pad,
    };
  }

  private apply(): void {
    const chart = this.chart!;
    chart.data.datasets = this.datasets();
    Object.assign(chart.options.scales!.x!, this.paddedX());
    Object.assign(chart.options.scales!.y!, this.fittedY());
    chart.update('none');
    this.recordAxes();
  }

  /** The axes as drawn, for tests and tools. */
  private recordAxes(): void {
    const { x, y } = this.chart?.scales ?? {};
    if (!x || !y) return;
    Object.assign(this.element.dataset, { xMin: String(x.min), xMax: String(x.max), yMin: String(y.min), yMax: String(y.max) });
  }

  private create(): void {
    const theme = chartTheme();
    const { options } = this;
    this.chart = new Chart<'line', Point[]>(this.canvas, {
      type: 'line',
      data: { datasets: this.datasets() },
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
            ticks: { color: theme.muted, maxRotation: 0, autoSkipPadding: 12, callback: tickCallback(undefined, options.xTick ?? String) },
          },
          y: {
            ...this.fittedY(),
            title: { display: true, text: options.yTitle, color: theme.muted },
            grid: { color: theme.grid },
            border: { color: theme.grid },
            afterBuildTicks: niceTicks('linear'),
            ticks: { color: theme.muted, callback: tickCallback(options.yLabels, options.yTick) },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? `${options.xTitle}: ${options.xTick ? options.xTick(items[0].parsed.x ?? 0) : items[0].parsed.x}` : ''),
              label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? '—' : options.yValue(item.parsed.y)}`,
            },
          },
        },
      },
    });
    this.recordAxes();
  }

  private rebuild(): void {
    if (!this.chart) return;
    this.chart.destroy();
    this.chart = null;
    this.create();
    this.renderLegend();
  }
}
