/**
 * Runs: every run folder (`runs:list`) with its headline numbers; open one (the same charts as
 * Live, from its events and summary), compare two side by side, resume a cancelled or unfinished
 * one, export its PDF report, or delete it after a confirmation.
 */
import type { ApiOutputs, RendererApi } from '../../../src/api/contract.ts';
import type { RunListItem } from '../../../src/run/runStore.ts';
import { messageOf } from '../api/connectApi.ts';
import { compareEnergy } from '../state/energyComparison.ts';
import { settledSummary, type RunRecord, type RunRecords } from '../state/runRecords.ts';
import { plannedEpochs } from '../charts/epochRange.ts';
import { createSweepList } from '../components/sweepList.ts';
import { parseSweepRunId } from '../../../src/study/sweepRunId.ts';
import { createRunPanel, shareScales, type RunPanel } from '../components/runPanel.ts';
import { exportReport as exportRunReport, hasTicket, runActionButtons } from '../components/runActions.ts';
import { confirmDialog } from '../ui/confirmDialog.ts';
import { h, perFrame, replaceChildren } from '../ui/dom.ts';
import { formatAccuracy, formatDate, formatJoules, formatPercent } from '../ui/format.ts';
import { statusLabel } from '../../../src/core/status.ts';
import { createNotice, type Notice } from '../ui/notice.ts';

export interface RunsScreen {
  element: HTMLElement;
  refresh(): Promise<void>;
  /** Opens one run's details (from Live's "open the last run"). */
  open(runId: string): Promise<void>;
}

const RESUMABLE = new Set(['cancelled', 'incomplete', 'failed']);
/** More columns than this do not fit a window side by side. */
const MAX_COMPARED = 4;

export function createRunsScreen(
  api: RendererApi, records: RunRecords, info: ApiOutputs['app:info'], onResumed: (runId: string) => void,
  runAgain?: (config: unknown, runId: string) => void,
): RunsScreen {
  let items: RunListItem[] = [];
  let active = new Set<string>();
  const selected = new Set<string>();
  let detail: { runId: string; panel: RunPanel } | null = null;
  let compare: { ids: string[]; panels: RunPanel[] } | null = null;

  const notice = createNotice('runs-notice');
  const tbody = h('tbody', {});
  const count = h('span', { class: 'muted', testid: 'runs-count' }, '');
  const compareButton = h('button', { type: 'button', testid: 'compare-runs', disabled: true }, 'Compare selected');
  const refreshButton = h('button', { type: 'button', testid: 'refresh-runs' }, 'Refresh');
  const emptyRow = h('p', { class: 'empty-state', testid: 'runs-empty', hidden: true }, 'No runs yet. Start one from Setup.');
  const detailSection = h('section', { class: 'run-detail', testid: 'run-detail', hidden: true, 'aria-label': 'Run details' });
  const sweeps = createSweepList(api, info, (runId) => void openDetail(runId));
  const compareSection = h('section', { class: 'run-compare', testid: 'run-compare', hidden: true, 'aria-label': 'Run comparison' });
  const table = h('table', { class: 'runs-table', testid: 'runs-table' },
    h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Select')),
      ...['Date', 'Run', 'Data', 'EB epoch', 'Accuracy (EB / dense)', 'Energy saved', 'Status', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody);

  const element = h('div', { class: 'screen runs-screen' },
    h('header', { class: 'screen-head' },
      h('div', {}, h('h2', {}, 'Runs'), h('p', { class: 'lede' }, 'Every run folder, newest first. Select two or more to compare them.')),
      h('div', { class: 'toolbar' }, count, refreshButton, compareButton)),
    notice.element,
    h('div', { class: 'table-scroll card' }, table, emptyRow),
    sweeps.element,
    compareSection,
    detailSection,
  );

  const statusOf = (item: RunListItem) => (active.has(item.runId) ? 'running' : item.status);

  const exportReport = (runId: string, target: Notice) => exportRunReport({ api, info, notice: target, testPrefix: 'row' }, runId);

  const resume = async (runId: string) => {
    try {
      await api.call('experiment:resume', { runId });
      records.markStarting(runId);
      notice.show('ok', `Resumed ${runId}.`);
      onResumed(runId);
    } catch (error) {
      notice.show('error', `Could not resume ${runId}: ${messageOf(error)}`);
    }
  };

  const remove = async (runId: string) => {
    const yes = await confirmDialog({
      title: 'Delete this run?',
      message: `This deletes the folder of ${runId} — its events, metrics, checkpoints, models and reports. It cannot be undone.`,
      confirmLabel: 'Delete run', danger: true, testId: 'delete-dialog',
    });
    if (!yes) return;
    try {
      await api.call('runs:delete', { runId });
      notice.show('ok', `Deleted ${runId}.`);
      selected.delete(runId);
      if (detail?.runId === runId) closeDetail();
      if (compare?.ids.includes(runId)) closeCompare();
      records.forget(runId);
      await refresh();
    } catch (error) {
      notice.show('error', `Could not delete ${runId}: ${messageOf(error)}`);
    }
  };

  const renderRows = () => {
    count.textContent = `${items.length} run${items.length === 1 ? '' : 's'}`;
    emptyRow.hidden = items.length > 0;
    table.hidden = items.length === 0;
    compareButton.disabled = selected.size < 2 || selected.size > MAX_COMPARED;
    compareButton.textContent = selected.size > MAX_COMPARED ? `Compare at most ${MAX_COMPARED}` : selected.size >= 2 ? `Compare the ${selected.size} selected` : `Compare selected (${selected.size})`;
    replaceChildren(tbody, items.map((item) => {
      const status = statusOf(item);
      const check = h('input', { type: 'checkbox', 'aria-label': `Select ${item.runId} for comparison`, testid: 'select-run' });
      check.checked = selected.has(item.runId);
      check.addEventListener('change', () => {
        if (check.checked) selected.add(item.runId);
        else selected.delete(item.runId);
        renderRows();
      });
      const actions = h('div', { class: 'row-actions' },
        h('button', { type: 'button', testid: 'open-run', onclick: () => void openDetail(item.runId) }, 'Open'),
        RESUMABLE.has(status) ? h('button', { type: 'button', testid: 'row-resume', onclick: () => void resume(item.runId) }, 'Resume') : null,
        // Cancelled and failed runs too: the report says what is missing.
        status === 'running' ? null : h('button', { type: 'button', testid: 'export-pdf', onclick: () => void exportReport(item.runId, notice) }, 'Export PDF'),
        status === 'running' ? null : h('button', { type: 'button', class: 'danger ghost', testid: 'delete-run', onclick: () => void remove(item.runId) }, 'Delete'),
      );
      const ebEpoch = item.ebEpoch === null ? (status === 'completed' ? 'not found' : '—') : `${item.ebEpoch + 1} / ${item.plannedEpochs ?? '?'}`;
      // Each cell says what it is (data-label), so a narrow window can stack the row as a card (styles.css).
      const row = h('tr', { testid: 'run-row', 'data-run-id': item.runId, 'data-status': status, class: `clickable ${detail?.runId === item.runId ? 'current' : ''}`, title: 'Open this run' },
        h('td', { class: 'cell-check' }, check),
        h('td', { class: 'cell-date nowrap', 'data-label': 'Date' }, formatDate(item.createdAt)),
        h('td', { class: 'cell-run' }, h('div', { class: 'run-name' }, item.name ?? item.model ?? '—'), h('div', { class: 'mono muted small' }, item.runId)),
        h('td', { class: 'cell-data', 'data-label': 'Data' }, item.data ?? '—'),
        h('td', { class: 'cell-eb num', 'data-label': 'EB epoch' }, ebEpoch),
        h('td', { class: 'cell-accuracy num', 'data-label': 'Accuracy (EB / dense)' }, `${formatAccuracy(item.testAccuracy.ebTrain)} / ${formatAccuracy(item.testAccuracy.dense)}`),
        // A saving only when it means something: otherwise its reason, from the summary.
        item.savedPercent !== null
          ? h('td', { class: `cell-saved num ${item.savedPercent < 0 ? 'negative' : ''}`, 'data-label': 'Energy saved', testid: 'run-saved' },
            formatPercent(item.savedPercent),
            item.savedInterval ? h('span', { class: 'small', title: '95 % interval from epoch-to-epoch variation (n = 1 run)' }, ` (${formatPercent(item.savedInterval.low)}–${formatPercent(item.savedInterval.high)})`) : null, ' ',
            h('span', { class: `badge kind ${item.savedKind ?? ''}`, title: item.estimateModel ? `power model: ${item.estimateModel}` : '' }, item.savedKind ?? ''),
            item.savedInterval && !item.savedInterval.clear ? h('div', { class: 'small muted', testid: 'run-saved-unclear' }, 'no clear saving') : null,
            item.savedWarning ? h('div', { class: 'small negative', testid: 'run-saved-warning', title: item.savedWarning }, item.savedWarning.split(':')[0]) : null)
          : h('td', { class: 'cell-saved num muted', 'data-label': 'Energy saved', testid: 'run-saved', title: item.savedReason ?? '' }, '—',
            h('div', { class: 'small' }, (item.savedReason ?? '').replace(/^no saving: /, ''))),
        h('td', { class: 'cell-status' }, h('span', { class: `status ${status}` }, statusLabel(status))),
        h('td', { class: 'cell-actions' }, actions));
      // A click anywhere on the row opens it, except on its own controls.
      row.addEventListener('click', (event) => {
        if (!(event.target as Element).closest('button, input, a, label, select')) void openDetail(item.runId);
      });
      return row;
    }));
  };

  const closeDetail = () => {
    detail?.panel.destroy();
    detail = null;
    detailSection.hidden = true;
    detailSection.replaceChildren();
    sweeps.setCurrent(null);
    renderRows();
  };

  const closeCompare = () => {
    compare?.panels.forEach((p) => p.destroy());
    compare = null;
    compareSection.hidden = true;
    compareSection.replaceChildren();
  };

  async function openDetail(runId: string): Promise<void> {
    closeDetail();
    const panel = createRunPanel('detail-panel');
    const exportNotice = createNotice('detail-notice');
    detail = { runId, panel };
    const heading = h('h2', { tabindex: -1, testid: 'detail-title' }, runId);
    const actions = h('div', { class: 'toolbar' });
    // A sweep's point: it is resumed by running its sweep again, not from here.
    const point = parseSweepRunId(runId);
    replaceChildren(detailSection,
      h('div', { class: 'screen-head' }, h('div', {}, heading,
        point
          ? h('p', { class: 'lede', testid: 'detail-sweep' }, 'Point ', h('span', { class: 'mono' }, point.point), ' of sweep ', h('strong', {}, point.sweep), ' (resumed by running the sweep again)')
          : h('p', { class: 'lede mono' }, runId)), actions),
      exportNotice.element, panel.element);
    detailSection.hidden = false;
    sweeps.setCurrent(runId);
    renderRows();
    try {
      const record = await records.load(runId, true);
      if (detail?.runId !== runId) return;
      heading.textContent = record.config?.name ?? record.summary?.name ?? `${record.config?.model?.name ?? 'run'} on ${record.config?.data?.spec ?? '?'}`;
      const status = record.active ? 'running' : record.view.status;
      const facts = { runId, status, hasTicket: hasTicket(record), config: record.config };
      replaceChildren(actions,
        ...runActionButtons({ api, info, notice: exportNotice, testPrefix: 'detail', runAgain }, facts),
        !point && (RESUMABLE.has(status) || (status !== 'completed' && status !== 'running')) ? h('button', { type: 'button', testid: 'detail-resume', onclick: () => void resume(runId) }, 'Resume') : null,
        h('button', { type: 'button', testid: 'close-detail', onclick: closeDetail }, 'Close'));
      panel.update(record);
      heading.focus();
      heading.scrollIntoView({ block: 'start' });
    } catch (error) {
      exportNotice.show('error', `Could not open ${runId}: ${messageOf(error)}`);
    }
  }

  /** The runs' names for column heads: config name, else model on data. */
  const runName = (r: RunRecord) => r.config?.name ?? r.summary?.name ?? `${r.config?.model?.name ?? 'run'} on ${r.config?.data?.spec ?? '?'}`;

  /**
   * One row per fact, one column per run; numeric rows also give each run's difference from the
   * first run (the reference), so the table answers "how much better or worse" directly.
   */
  const comparisonRows = (runs: RunRecord[]) => {
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
        const diff = i > 0 && v !== null && base !== null ? h('span', { class: `delta ${v - base > 0 ? 'up' : v - base < 0 ? 'down' : ''}`, testid: 'compare-delta' }, ` (${delta(v - base)})`) : null;
        return h('td', { class: 'num' }, cell, diff);
      }));
    const signed = (x: string, d: number) => (d > 0 ? `+${x}` : d < 0 ? `−${x.replace(/^-/, '')}` : '±0');
    return [
      text('Model', (r) => r.config?.model?.name ?? '—'),
      text('Data', (r) => r.config?.data?.spec ?? '—'),
      numeric('Seed', (r) => r.config?.seed ?? null, String, (d) => signed(String(Math.abs(d)), d)),
      numeric('Epochs (planned)', (r) => r.config?.training?.epochs ?? null, String, (d) => signed(String(Math.abs(d)), d)),
      numeric('Early-Bird epoch', (r) => (ebEpoch(r) === null ? null : ebEpoch(r)! + 1), (v) => `${v}`, (d) => signed(String(Math.abs(d)), d), (r) => ` of ${r.config?.training?.epochs ?? '?'}`, () => 'not found'),
      text('p / ε / queue', (r) => `${r.config?.search?.pruneRatio ?? '—'} / ${r.config?.search?.epsilon ?? '—'} / ${r.config?.search?.queueLength ?? '—'}`),
      numeric('EB Train accuracy', (r) => energy(r).accuracy.ebTrain ?? null, formatAccuracy, (d) => signed(`${Math.abs(d * 100).toFixed(2)} pp`, d)),
      numeric('Dense accuracy', (r) => energy(r).accuracy.dense ?? null, formatAccuracy, (d) => signed(`${Math.abs(d * 100).toFixed(2)} pp`, d)),
      numeric('EB Train energy', (r) => energy(r).ebJoules ?? null, formatJoules, (d) => signed(formatJoules(Math.abs(d)), d), (r) => (energy(r).ebKind ? ` (${energy(r).ebKind})` : '')),
      numeric('Dense energy', (r) => energy(r).denseJoules ?? null, formatJoules, (d) => signed(formatJoules(Math.abs(d)), d), (r) => (energy(r).denseKind ? ` (${energy(r).denseKind})` : '')),
      numeric('Energy saved', (r) => energy(r).savedPercent ?? null, formatPercent, (d) => signed(`${Math.abs(d).toFixed(1)} pp`, d),
        (r) => `${energy(r).interval ? ` (95 % ${formatPercent(energy(r).interval!.percent.low)}–${formatPercent(energy(r).interval!.percent.high)})` : ''} (${energy(r).savedKind})${energy(r).warnings.length ? ` — ${energy(r).warnings.join('; ')}` : ''}`, (r) => `— (${(energy(r).savedReason ?? '').replace(/^no saving( yet)?: /, '')})`),
      text('Compute saved', (r) => (energy(r).flopRatio === null ? '—' : `${energy(r).flopRatio!.toFixed(2)}× fewer FLOPs (counted)`)),
      text('Power model', (r) => energy(r).estimateModel ?? 'measured (no estimate)'),
      text('Contended phases', (r) => energy(r).contended.join(', ') || 'none'),
      text('Status', (r) => statusLabel(r.view.status)),
    ];
  };

  const openCompare = async () => {
    if (selected.size < 2 || selected.size > MAX_COMPARED) return;
    closeCompare();
    const ids = [...selected];
    const panels = ids.map((_, i) => createRunPanel(`compare-panel-${String.fromCharCode(97 + i)}`, { compact: true }));
    compare = { ids, panels };
    const table = h('table', { class: 'compare-table', testid: 'compare-table' });
    const heading = h('h2', { tabindex: -1 }, `Comparison of ${ids.length} runs`);
    const columnTitles = ids.map((id) => h('h3', { class: 'small', testid: 'compare-column-title' }, id));
    const grid = h('div', { class: 'compare-grid' }, ids.map((id, i) => h('div', { class: 'compare-column', 'data-run-id': id }, columnTitles[i]!, panels[i]!.element)));
    // Through the CSSOM: the page's CSP refuses style attributes.
    grid.style.setProperty('--compare-columns', String(Math.min(ids.length, 2)));
    replaceChildren(compareSection,
      h('div', { class: 'screen-head' }, h('div', {}, heading, h('p', { class: 'lede' }, 'Differences are against the first run; the charts share their scales.')),
        h('button', { type: 'button', testid: 'close-compare', onclick: closeCompare }, 'Close')),
      h('div', { class: 'card table-scroll' }, table),
      grid);
    compareSection.hidden = false;
    try {
      const runs = await Promise.all(ids.map((id) => records.load(id, true)));
      if (compare?.ids !== ids) return;
      const head = (r: RunRecord) => h('th', { scope: 'col' }, h('div', { class: 'run-name' }, runName(r)), h('div', { class: 'mono muted small' }, r.runId));
      replaceChildren(table, h('thead', {}, h('tr', {}, h('td', {}), ...runs.map(head))), h('tbody', {}, comparisonRows(runs)));
      runs.forEach((r, i) => {
        columnTitles[i]!.textContent = runName(r);
        panels[i]!.update(r);
      });
      shareScales(panels);
      heading.focus();
      heading.scrollIntoView({ block: 'start' });
    } catch (error) {
      notice.show('error', `Could not compare: ${messageOf(error)}`);
    }
  };
  compareButton.addEventListener('click', () => void openCompare());

  async function refresh(): Promise<void> {
    try {
      const [list, running] = await Promise.all([api.call('runs:list', {}), api.call('experiment:active', {}), sweeps.refresh()]);
      items = list.runs;
      // A worker lingers for a moment after its run-end; such a run is not running any more.
      active = new Set(running.runs.filter((r) => !r.events.some((e) => e.type === 'run-end')).map((r) => r.runId));
      for (const id of [...selected]) if (!items.some((i) => i.runId === id)) selected.delete(id);
      renderRows();
    } catch (error) {
      notice.show('error', `Could not list runs: ${messageOf(error)}`);
    }
  }
  refreshButton.addEventListener('click', () => void refresh());

  // Keep the list and an open run current while runs progress.
  const refreshSoon = perFrame(() => void refresh());
  const redrawOpen = perFrame(() => {
    if (detail) {
      const record = records.get(detail.runId);
      if (record) detail.panel.update(record);
    }
    if (compare) {
      compare.ids.forEach((id, i) => {
        const record = records.get(id);
        if (record) compare!.panels[i]!.update(record);
      });
      shareScales(compare.panels);
    }
  });
  records.subscribe((id, event) => {
    if (element.isConnected && !element.closest('[hidden]') && (event?.type === 'run-start' || event?.type === 'run-end' || event?.type === 'eb-found')) {
      refreshSoon();
      // The worker exits just after its run-end; list again once it has.
      if (event.type === 'run-end') setTimeout(refreshSoon, 1500);
    }
    if (detail?.runId === id || compare?.ids.includes(id)) redrawOpen();
  });

  return { element, refresh, open: openDetail };
}
