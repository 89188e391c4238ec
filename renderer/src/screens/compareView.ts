/**
 * Runs compared: their results side by side (each figure's difference from the first run), every
 * config key whose value differs between them (state/configDiff.ts), and one chart per metric with
 * every run overlaid — a colour per run, a line style per method — on an x axis that covers them all.
 * Runs come from the page's run records (`runs:get`), so sweep points and seeds compare like any run.
 */
import { compareEnergy } from '../state/energyComparison.ts';
import { settledSummary, type RunRecord, type RunRecords } from '../state/runRecords.ts';
import { configDiff, configValueText } from '../state/configDiff.ts';
import { epochRange, plannedEpochs } from '../charts/epochRange.ts';
import { DASHES, OverlayChart, POINT_STYLES, type OverlayRun, type OverlaySeries, type OverlayStyle } from '../charts/overlayChart.ts';
import type { Point } from '../../../src/core/project.ts';
import { methodRows, PALETTE } from '../../../src/core/methods.ts';
import { statusLabel } from '../../../src/core/status.ts';
import { energyTickLabels, wattTickLabels } from '../../../src/core/axisTicks.ts';
import { percentInterval } from '../../../src/energy/savingWords.ts';
import { messageOf } from '../api/connectApi.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { formatAccuracy, formatClock, formatDuration, formatJoules, formatPercent } from '../ui/format.ts';
import type { Notice } from '../ui/notice.ts';

/** Runs compared at once: eight colours stay told apart, and eight columns still fit a table. */
export const MAX_COMPARED = 8;
export const MIN_COMPARED = 2;

export interface CompareView {
  element: HTMLElement;
  open(ids: string[]): Promise<void>;
  close(): void;
  /** The runs compared now (null: closed). */
  ids(): readonly string[] | null;
  /** Draws the compared runs again from their records (a run that is still going). */
  redraw(): void;
}

/** The run's name for headings and legends: config name, else model on data. */
export const runName = (r: RunRecord) => r.config?.name ?? r.summary?.name ?? `${r.config?.model?.name ?? 'run'} on ${r.config?.data?.spec ?? '?'}`;

type Curve = 'validation' | 'train';
type EpochMetric = 'accuracy' | 'loss';

/** A line style per method, in the methods' run order. */
function methodStyles(): OverlayStyle[] {
  return methodRows().map((m, i) => ({ key: m.key, label: m.label, dash: DASHES[i % DASHES.length]!, pointStyle: POINT_STYLES[i % POINT_STYLES.length]! }));
}

/** Accuracy or loss per epoch per method (EB Train: its search, then its retrain from the ticket on). */
export function epochSeries(record: RunRecord, metric: EpochMetric, curve: Curve): OverlaySeries[] {
  return methodRows().flatMap((m) => {
    const points: Point[] = m.phases.flatMap((p) => (record.view.epochs[p.key] ?? []).map((l) => ({
      x: l.epoch + 1,
      y: (curve === 'validation' ? (metric === 'accuracy' ? l.valAccuracy : l.valLoss) : (metric === 'accuracy' ? l.accuracy : l.loss)) ?? null,
    })));
    points.sort((a, b) => a.x - b.x);
    return points.some((p) => p.y !== null) ? [{ run: record.runId, style: m.key, points }] : [];
  });
}

/** Joules per method over the run's time: its phases' cumulative curves, one after the other. */
export function energySeries(record: RunRecord): OverlaySeries[] {
  return methodRows().flatMap((m) => {
    let offset = 0;
    const points: Point[] = [];
    for (const phase of m.phases) {
      const curve = record.view.energy[phase.key] ?? [];
      for (const p of curve) points.push({ x: p.x, y: p.y === null ? null : p.y + offset });
      const last = [...curve].reverse().find((p) => p.y !== null);
      if (last && last.y !== null) offset += last.y;
    }
    points.sort((a, b) => a.x - b.x);
    return points.length ? [{ run: record.runId, style: m.key, points }] : [];
  });
}

/** Watts per energy source over the run's time. */
export function powerSeries(record: RunRecord): OverlaySeries[] {
  return Object.entries(record.view.power).map(([key, points]) => ({ run: record.runId, style: key, points }));
}

/** The mask distance of the ratio the run pruned at (its detector's decision). */
export function maskSeries(record: RunRecord): OverlaySeries[] {
  const p = record.config?.search?.pruneRatio ?? record.summary?.earlyBird.p ?? record.view.earlyBird?.ratio ?? null;
  const key = Object.keys(record.view.maskDistance).find((r) => p !== null && Math.abs(Number(r) - p) < 1e-9);
  return key ? [{ run: record.runId, style: 'pruned', points: record.view.maskDistance[key]! }] : [];
}

/** The x range of epoch charts: epoch 1 to the longest run's last epoch. */
const epochAxis = (runs: RunRecord[]) => ({ min: 1, max: Math.max(...runs.map((r) => epochRange(r).max)) });

/** The x range of time charts: 0 to the longest run's last point. */
const timeAxis = (series: OverlaySeries[]) => {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  return { min: 0, max: xs.length ? Math.max(...xs) : undefined };
};

const accuracyFit = (values: number[]) => ({ min: Math.max(0, Math.floor((Math.min(...values) - 0.02) / 0.05) * 0.05), max: 1 });

export function createCompareView(records: RunRecords, notice: Notice): CompareView {
  let current: { ids: string[]; runs: RunRecord[] } | null = null;
  let curve: Curve = 'validation';

  const heading = h('h2', { tabindex: -1, testid: 'compare-title' }, 'Comparison');
  const results = h('table', { class: 'compare-table', testid: 'compare-table' });
  const diff = h('div', { class: 'config-diff', testid: 'compare-config-diff' });
  const curveSelect = h('select', { testid: 'compare-curve', 'aria-label': 'Accuracy and loss: validation or training' },
    h('option', { value: 'validation' }, 'validation'), h('option', { value: 'train' }, 'training'));
  const charts = {
    accuracy: new OverlayChart({
      testId: 'overlay-accuracy', title: 'Accuracy per epoch', caption: '', xTitle: 'epoch', yTitle: 'accuracy', integerX: true, yMin: 0, yMax: 1,
      yTick: (v) => formatPercent(v * 100, 0), yValue: (v) => formatPercent(v * 100, 2), fitY: accuracyFit, emptyText: 'No finished epoch in these runs yet.',
    }),
    loss: new OverlayChart({
      testId: 'overlay-loss', title: 'Loss per epoch', caption: '', xTitle: 'epoch', yTitle: 'loss', integerX: true, yMin: 0,
      yTick: (v) => v.toFixed(2), yValue: (v) => v.toFixed(4), emptyText: 'No finished epoch in these runs yet.',
    }),
    energy: new OverlayChart({
      testId: 'overlay-energy', title: 'Cumulative energy per method', caption: 'Joules charged to each method so far, over each run\'s own time (its phases one after the other).',
      xTitle: 'time (m:ss)', yTitle: 'energy', xTick: formatClock, xKind: 'clock', yMin: 0, yLabels: energyTickLabels, yValue: (v) => `${v.toFixed(1)} J`,
      emptyText: 'No energy recorded in these runs yet.',
    }),
    power: new OverlayChart({
      testId: 'overlay-power', title: 'Power', caption: 'Watts per energy source at each sampling interval, over each run\'s own time.',
      xTitle: 'time (m:ss)', yTitle: 'W', xTick: formatClock, xKind: 'clock', yMin: 0, yLabels: wattTickLabels, yValue: (v) => `${v.toFixed(2)} W`,
      emptyText: 'No power reading in these runs yet.',
    }),
    mask: new OverlayChart({
      testId: 'overlay-mask', title: 'Mask distance at the pruned ratio', caption: 'The Early-Bird detector of each run at its own pruning ratio p: the ticket is drawn once it stays below that run\'s ε.',
      xTitle: 'epoch', yTitle: 'max mask distance', integerX: true, yMin: 0, yTick: (v) => v.toFixed(2), yValue: (v) => v.toFixed(4),
      emptyText: 'No mask distance in these runs yet.',
    }),
  };
  const element = h('section', { class: 'run-compare', testid: 'run-compare', hidden: true, 'aria-label': 'Run comparison' },
    h('div', { class: 'screen-head' },
      h('div', {}, heading, h('p', { class: 'lede' }, 'Results against the first run; the config keys that differ; every run overlaid, one chart per metric.')),
      h('button', { type: 'button', testid: 'close-compare', onclick: () => close() }, 'Close')),
    h('div', { class: 'card table-scroll' }, results),
    h('section', { class: 'card config-diff-card', 'aria-label': 'Config differences' }, h('h3', {}, 'Config keys that differ'), diff),
    h('div', { class: 'compare-controls' }, h('label', {}, 'Accuracy and loss curves: ', curveSelect)),
    h('div', { class: 'overlay-grid', testid: 'overlay-charts' }, Object.values(charts).map((c) => c.element)),
  );

  const overlayRuns = (runs: RunRecord[]): OverlayRun[] => runs.map((r, i) => ({ runId: r.runId, label: runName(r), color: PALETTE[i % PALETTE.length]! }));

  const drawCharts = (runs: RunRecord[]) => {
    const who = overlayRuns(runs);
    const methods = methodStyles();
    const epochs = epochAxis(runs);
    const hasValidation = runs.some((r) => epochSeries(r, 'accuracy', 'validation').length > 0);
    const shown: Curve = curve === 'validation' && !hasValidation ? 'train' : curve;
    const curveWords = shown === 'validation' ? 'Validation' : 'Training';
    for (const metric of ['accuracy', 'loss'] as const) {
      const chart = charts[metric];
      chart.setCaption(`${curveWords} ${metric} per epoch: a colour per run, a line style per method (EB Train: its search, then the retrained ticket).`);
      chart.update(who, methods, runs.flatMap((r) => epochSeries(r, metric, shown)), epochs);
    }
    const energy = runs.flatMap(energySeries);
    charts.energy.update(who, methods, energy, timeAxis(energy));
    const power = runs.flatMap(powerSeries);
    const sources = [...new Set(power.map((s) => s.style))];
    charts.power.update(who, sources.map((key, i) => ({ key, label: key, dash: DASHES[i % DASHES.length]!, pointStyle: POINT_STYLES[i % POINT_STYLES.length]! })), power, timeAxis(power));
    charts.mask.update(who, [{ key: 'pruned', label: 'pruned ratio p', dash: [], pointStyle: 'circle' }], runs.flatMap(maskSeries), epochs);
  };

  /** One row per result, one column per run; numbers also give their difference from the first run. */
  const resultRows = (runs: RunRecord[]) => {
    const energy = (r: RunRecord) => compareEnergy(r.view, settledSummary(r), plannedEpochs(r));
    const ebEpoch = (r: RunRecord) => settledSummary(r)?.earlyBird.epoch ?? r.view.earlyBird?.epoch ?? null;
    const text = (label: string, f: (r: RunRecord) => string) =>
      h('tr', {}, h('th', { scope: 'row' }, label), ...runs.map((r) => h('td', {}, f(r))));
    const numeric = (
      label: string, value: (r: RunRecord) => number | null, show: (v: number) => string, delta: (d: number) => string,
      suffix?: (r: RunRecord) => string, missing?: (r: RunRecord) => string,
    ) =>
      h('tr', {}, h('th', { scope: 'row' }, label), ...runs.map((r, i) => {
        const v = value(r);
        const base = value(runs[0]!);
        const cell = v === null ? (missing?.(r) ?? '—') : `${show(v)}${suffix?.(r) ?? ''}`;
        const d = i > 0 && v !== null && base !== null ? h('span', { class: `delta ${v - base > 0 ? 'up' : v - base < 0 ? 'down' : ''}`, testid: 'compare-delta' }, ` (${delta(v - base)})`) : null;
        return h('td', { class: 'num' }, cell, d);
      }));
    const signed = (x: string, d: number) => (d > 0 ? `+${x}` : d < 0 ? `−${x.replace(/^-/, '')}` : '±0');
    const pp = (d: number) => signed(`${Math.abs(d * 100).toFixed(2)} pp`, d);
    return [
      numeric('Early-Bird epoch', (r) => (ebEpoch(r) === null ? null : ebEpoch(r)! + 1), String, (d) => signed(String(Math.abs(d)), d), (r) => ` of ${plannedEpochs(r) ?? '?'}`, () => 'not found'),
      numeric('EB Train accuracy', (r) => energy(r).accuracy.ebTrain ?? null, formatAccuracy, pp),
      numeric('Dense accuracy', (r) => energy(r).accuracy.dense ?? null, formatAccuracy, pp),
      numeric('EB Train energy', (r) => energy(r).ebJoules ?? null, formatJoules, (d) => signed(formatJoules(Math.abs(d)), d), (r) => (energy(r).ebKind ? ` (${energy(r).ebKind})` : '')),
      numeric('Dense energy', (r) => energy(r).denseJoules ?? null, formatJoules, (d) => signed(formatJoules(Math.abs(d)), d), (r) => (energy(r).denseKind ? ` (${energy(r).denseKind})` : '')),
      numeric('Energy saved', (r) => energy(r).savedPercent ?? null, formatPercent, (d) => signed(`${Math.abs(d).toFixed(1)} pp`, d),
        (r) => `${energy(r).interval ? ` (95 % ${percentInterval(energy(r).interval!.percent.low, energy(r).interval!.percent.high, formatPercent)})` : ''} (${energy(r).savedKind})${energy(r).warnings.length ? ` — ${energy(r).warnings.join('; ')}` : ''}`,
        (r) => `— (${(energy(r).savedReason ?? '').replace(/^no saving( yet)?: /, '')})`),
      text('Compute saved', (r) => (energy(r).flopRatio === null ? '—' : `${energy(r).flopRatio!.toFixed(2)}× fewer FLOPs (counted)`)),
      numeric('Duration', (r) => settledSummary(r)?.seconds ?? null, formatDuration, (d) => signed(formatDuration(Math.abs(d)), d)),
      text('Power model', (r) => energy(r).estimateModel ?? 'measured (no estimate)'),
      text('Contended phases', (r) => energy(r).contended.join(', ') || 'none'),
      text('Status', (r) => statusLabel(r.active ? 'running' : r.view.status)),
    ];
  };

  /** The run's colour in the charts, beside its name in the tables. */
  const dot = (i: number) => {
    const el = h('span', { class: 'run-dot', 'aria-hidden': 'true' });
    // Through the CSSOM: the page's CSP refuses style attributes.
    el.style.background = PALETTE[i % PALETTE.length]!;
    return el;
  };
  const head = (runs: RunRecord[], first: string) => h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, first), ...runs.map((r, i) =>
    h('th', { scope: 'col' },
      h('div', { class: 'run-name' }, dot(i), runName(r)),
      h('div', { class: 'mono muted small' }, r.runId)))));

  const renderDiff = (runs: RunRecord[]) => {
    const differences = configDiff(runs.map((r) => r.config));
    if (!differences.length) {
      replaceChildren(diff, h('p', { class: 'muted', testid: 'config-diff-none' }, 'The configs are identical.'));
      return;
    }
    replaceChildren(diff, h('div', { class: 'table-scroll' }, h('table', { class: 'compare-table', testid: 'config-diff-table' },
      h('caption', { class: 'visually-hidden' }, 'Config keys whose values differ between the compared runs'),
      head(runs, 'Key'),
      h('tbody', {}, differences.map((d) => h('tr', { testid: 'config-diff-row', 'data-key': d.key },
        h('th', { scope: 'row' }, h('code', {}, d.key)),
        ...d.values.map((v) => h('td', { class: v === undefined ? 'muted' : '' }, configValueText(v)))))))));
  };

  const render = () => {
    if (!current) return;
    const { runs } = current;
    heading.textContent = `Comparison of ${runs.length} runs`;
    replaceChildren(results, head(runs, 'Result'), h('tbody', {}, resultRows(runs)));
    renderDiff(runs);
    drawCharts(runs);
  };

  curveSelect.addEventListener('change', () => {
    curve = curveSelect.value as Curve;
    if (current) drawCharts(current.runs);
  });

  function close(): void {
    current = null;
    element.hidden = true;
    results.replaceChildren();
    diff.replaceChildren();
  }

  async function open(ids: string[]): Promise<void> {
    if (ids.length < MIN_COMPARED || ids.length > MAX_COMPARED) return;
    const pending = { ids: [...ids], runs: [] as RunRecord[] };
    current = pending;
    heading.textContent = `Comparison of ${ids.length} runs`;
    element.hidden = false;
    try {
      const runs = await Promise.all(ids.map((id) => records.load(id, true)));
      if (current !== pending) return;
      pending.runs = runs;
      render();
      heading.focus({ preventScroll: true });
    } catch (error) {
      notice.show('error', `Could not compare: ${messageOf(error)}`);
    }
  }

  return {
    element,
    open,
    close,
    ids: () => current?.ids ?? null,
    redraw() {
      if (!current?.runs.length) return;
      current.runs = current.ids.map((id, i) => records.get(id) ?? current!.runs[i]!);
      render();
    },
  };
}
