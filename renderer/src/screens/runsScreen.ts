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
import { createRunPanel, type RunPanel } from '../components/runPanel.ts';
import { confirmDialog } from '../ui/confirmDialog.ts';
import { h, perFrame, replaceChildren } from '../ui/dom.ts';
import { formatAccuracy, formatCount, formatDate, formatJoules, formatPercent } from '../ui/format.ts';
import { STATUS_LABELS } from '../ui/labels.ts';
import { createNotice } from '../ui/notice.ts';

export interface RunsScreen {
  element: HTMLElement;
  refresh(): Promise<void>;
}

const RESUMABLE = new Set(['cancelled', 'incomplete', 'failed']);

export function createRunsScreen(api: RendererApi, records: RunRecords, info: ApiOutputs['app:info'], onResumed: (runId: string) => void): RunsScreen {
  let items: RunListItem[] = [];
  let active = new Set<string>();
  const selected = new Set<string>();
  let detail: { runId: string; panel: RunPanel } | null = null;
  let compare: { ids: [string, string]; panels: [RunPanel, RunPanel] } | null = null;

  const notice = createNotice('runs-notice');
  const tbody = h('tbody', {});
  const count = h('span', { class: 'muted', testid: 'runs-count' }, '');
  const compareButton = h('button', { type: 'button', testid: 'compare-runs', disabled: true }, 'Compare selected');
  const refreshButton = h('button', { type: 'button', testid: 'refresh-runs' }, 'Refresh');
  const emptyRow = h('p', { class: 'empty-state', testid: 'runs-empty', hidden: true }, 'No runs yet. Start one from Setup.');
  const detailSection = h('section', { class: 'run-detail', testid: 'run-detail', hidden: true, 'aria-label': 'Run details' });
  const compareSection = h('section', { class: 'run-compare', testid: 'run-compare', hidden: true, 'aria-label': 'Run comparison' });
  const table = h('table', { class: 'runs-table', testid: 'runs-table' },
    h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Select')),
      ...['Date', 'Run', 'Data', 'EB epoch', 'Accuracy (EB / dense)', 'Energy saved', 'Status', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody);

  const element = h('div', { class: 'screen runs-screen' },
    h('header', { class: 'screen-head' },
      h('div', {}, h('h2', {}, 'Runs'), h('p', { class: 'lede' }, 'Every run folder, newest first. Select two to compare them.')),
      h('div', { class: 'toolbar' }, count, refreshButton, compareButton)),
    notice.element,
    h('div', { class: 'table-scroll card' }, table, emptyRow),
    compareSection,
    detailSection,
  );

  const statusOf = (item: RunListItem) => (active.has(item.runId) ? 'running' : item.status);

  const exportReport = async (runId: string, target: ReturnType<typeof createNotice>) => {
    target.show('info', `Writing the PDF report of ${runId}…`);
    try {
      const report = await api.call('report:export', { runId });
      const size = `${report.pages} page${report.pages === 1 ? '' : 's'}, ${formatCount(report.bytes)}B`;
      if (report.url && info.mode === 'browser') {
        const link = h('a', { href: report.url, download: `earlybird-${runId}.pdf`, testid: 'report-link' }, 'Download the PDF');
        target.show('ok', `Report ready (${size}). `, link);
        link.click();
      } else {
        target.show('ok', `Report written to `, h('code', { testid: 'report-path' }, report.path), ` (${size}).`);
      }
    } catch (error) {
      target.show('error', `Could not export the report: ${messageOf(error)}`);
    }
  };

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
    compareButton.disabled = selected.size !== 2;
    compareButton.textContent = selected.size === 2 ? 'Compare the two selected' : `Compare selected (${selected.size}/2)`;
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
        status === 'completed' ? h('button', { type: 'button', testid: 'export-pdf', onclick: () => void exportReport(item.runId, notice) }, 'Export PDF') : null,
        status === 'running' ? null : h('button', { type: 'button', class: 'danger ghost', testid: 'delete-run', onclick: () => void remove(item.runId) }, 'Delete'),
      );
      const ebEpoch = item.ebEpoch === null ? (status === 'completed' ? 'not found' : '—') : `${item.ebEpoch + 1} / ${item.plannedEpochs ?? '?'}`;
      return h('tr', { testid: 'run-row', 'data-run-id': item.runId, 'data-status': status, class: detail?.runId === item.runId ? 'current' : '' },
        h('td', {}, check),
        h('td', { class: 'nowrap' }, formatDate(item.createdAt)),
        h('td', {}, h('div', { class: 'run-name' }, item.name ?? item.model ?? '—'), h('div', { class: 'mono muted small' }, item.runId)),
        h('td', {}, item.data ?? '—'),
        h('td', { class: 'num' }, ebEpoch),
        h('td', { class: 'num' }, `${formatAccuracy(item.testAccuracy.ebTrain)} / ${formatAccuracy(item.testAccuracy.dense)}`),
        // A saving only when it means something: otherwise its reason, from the summary.
        item.savedPercent !== null
          ? h('td', { class: `num ${item.savedPercent < 0 ? 'negative' : ''}`, testid: 'run-saved' },
            formatPercent(item.savedPercent), ' ',
            h('span', { class: `badge kind ${item.savedKind ?? ''}`, title: item.estimateModel ? `power model: ${item.estimateModel}` : '' }, item.savedKind ?? ''))
          : h('td', { class: 'num muted', testid: 'run-saved', title: item.savedReason ?? '' }, '—',
            h('div', { class: 'small' }, (item.savedReason ?? '').replace(/^no saving: /, ''))),
        h('td', {}, h('span', { class: `status ${status}` }, STATUS_LABELS[status] ?? status)),
        h('td', {}, actions));
    }));
  };

  const closeDetail = () => {
    detail?.panel.destroy();
    detail = null;
    detailSection.hidden = true;
    detailSection.replaceChildren();
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
    replaceChildren(detailSection,
      h('div', { class: 'screen-head' }, h('div', {}, heading, h('p', { class: 'lede mono' }, runId)), actions),
      exportNotice.element, panel.element);
    detailSection.hidden = false;
    renderRows();
    try {
      const record = await records.load(runId, true);
      if (detail?.runId !== runId) return;
      heading.textContent = record.config?.name ?? record.summary?.name ?? `${record.config?.model?.name ?? 'run'} on ${record.config?.data?.spec ?? '?'}`;
      const status = record.active ? 'running' : record.view.status;
      replaceChildren(actions,
        status === 'completed' ? h('button', { type: 'button', testid: 'detail-export-pdf', onclick: () => void exportReport(runId, exportNotice) }, 'Export PDF') : null,
        RESUMABLE.has(status) || (status !== 'completed' && status !== 'running') ? h('button', { type: 'button', testid: 'detail-resume', onclick: () => void resume(runId) }, 'Resume') : null,
        h('button', { type: 'button', testid: 'close-detail', onclick: closeDetail }, 'Close'));
      panel.update(record);
      heading.focus();
      heading.scrollIntoView({ block: 'start' });
    } catch (error) {
      exportNotice.show('error', `Could not open ${runId}: ${messageOf(error)}`);
    }
  }

  const comparisonRows = (a: RunRecord, b: RunRecord) => {
    const row = (label: string, f: (r: RunRecord) => string) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, f(a)), h('td', {}, f(b)));
    const energy = (r: RunRecord) => compareEnergy(r.view, settledSummary(r), plannedEpochs(r));
    const ebEpoch = (r: RunRecord) => settledSummary(r)?.earlyBird.epoch ?? r.view.earlyBird?.epoch ?? null;
    return [
      row('Model', (r) => r.config?.model?.name ?? '—'),
      row('Data', (r) => r.config?.data?.spec ?? '—'),
      row('Epochs (planned)', (r) => String(r.config?.training?.epochs ?? '—')),
      row('Early-Bird epoch', (r) => (ebEpoch(r) === null ? 'not found' : `${ebEpoch(r)! + 1} of ${r.config?.training?.epochs ?? '?'}`)),
      row('p / ε / queue', (r) => `${r.config?.search?.pruneRatio ?? '—'} / ${r.config?.search?.epsilon ?? '—'} / ${r.config?.search?.queueLength ?? '—'}`),
      row('EB Train accuracy', (r) => formatAccuracy(energy(r).accuracy.ebTrain)),
      row('Dense accuracy', (r) => formatAccuracy(energy(r).accuracy.dense)),
      row('EB Train energy', (r) => `${formatJoules(energy(r).ebJoules)}${energy(r).ebKind ? ` (${energy(r).ebKind})` : ''}`),
      row('Dense energy', (r) => `${formatJoules(energy(r).denseJoules)}${energy(r).denseKind ? ` (${energy(r).denseKind})` : ''}`),
      row('Energy saved', (r) => {
        const e = energy(r);
        return e.savedPercent === null ? `— (${(e.savedReason ?? '').replace(/^no saving( yet)?: /, '')})` : `${formatPercent(e.savedPercent)} (${e.savedKind})`;
      }),
      row('Compute saved', (r) => (energy(r).flopRatio === null ? '—' : `dense needs ${energy(r).flopRatio!.toFixed(2)}× the FLOPs (counted)`)),
      row('Power model', (r) => energy(r).estimateModel ?? 'measured (no estimate)'),
      row('Contended phases', (r) => energy(r).contended.join(', ') || 'none'),
      row('Status', (r) => STATUS_LABELS[r.view.status] ?? r.view.status),
    ];
  };

  const openCompare = async () => {
    if (selected.size !== 2) return;
    closeCompare();
    const ids = [...selected] as [string, string];
    const panels: [RunPanel, RunPanel] = [createRunPanel('compare-panel-a', { compact: true }), createRunPanel('compare-panel-b', { compact: true })];
    compare = { ids, panels };
    const table = h('table', { class: 'compare-table', testid: 'compare-table' });
    const heading = h('h2', { tabindex: -1 }, 'Comparison');
    replaceChildren(compareSection,
      h('div', { class: 'screen-head' }, heading, h('button', { type: 'button', testid: 'close-compare', onclick: closeCompare }, 'Close')),
      h('div', { class: 'card table-scroll' }, table),
      h('div', { class: 'compare-grid' }, ids.map((id, i) => h('div', { class: 'compare-column' }, h('h3', { class: 'mono small' }, id), panels[i]!.element))));
    compareSection.hidden = false;
    try {
      const [a, b] = await Promise.all(ids.map((id) => records.load(id, true)));
      if (compare?.ids !== ids) return;
      replaceChildren(table, h('thead', {}, h('tr', {}, h('td', {}), h('th', { scope: 'col', class: 'mono small' }, ids[0]), h('th', { scope: 'col', class: 'mono small' }, ids[1]))), h('tbody', {}, comparisonRows(a!, b!)));
      panels[0].update(a!);
      panels[1].update(b!);
      heading.focus();
      heading.scrollIntoView({ block: 'start' });
    } catch (error) {
      notice.show('error', `Could not compare: ${messageOf(error)}`);
    }
  };
  compareButton.addEventListener('click', () => void openCompare());

  async function refresh(): Promise<void> {
    try {
      const [list, running] = await Promise.all([api.call('runs:list', {}), api.call('experiment:active', {})]);
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

  return { element, refresh };
}
