/**
 * Runs: every run folder (`runs:list`) and every sweep's points (`studies:list`) in one research
 * table (components/runsTable.ts); open one (the same charts as Live, from its events and summary),
 * compare 2 to 8 of them (compareView.ts), resume a cancelled or unfinished one, export its PDF
 * report, or delete it after a confirmation.
 */
import type { ApiOutputs, RendererApi } from '../../../src/api/contract.ts';
import type { RunListItem } from '../../../src/run/runStore.ts';
import type { SweepListItem } from '../../../src/study/listSweeps.ts';
import { messageOf } from '../api/connectApi.ts';
import type { RunRecords } from '../state/runRecords.ts';
import { createSweepGroups } from '../components/sweepList.ts';
import { createRunsTable } from '../components/runsTable.ts';
import { parseSweepRunId, sweepRunId } from '../../../src/study/sweepRunId.ts';
import { createRunPanel, type RunPanel } from '../components/runPanel.ts';
import { exportReport as exportRunReport, hasTicket, runActionButtons } from '../components/runActions.ts';
import { confirmDialog } from '../ui/confirmDialog.ts';
import { h, perFrame, replaceChildren } from '../ui/dom.ts';
import { createNotice, type Notice } from '../ui/notice.ts';
import { createCompareView, MAX_COMPARED, MIN_COMPARED, runName } from './compareView.ts';

export interface RunsScreen {
  element: HTMLElement;
  refresh(): Promise<void>;
  /** Opens one run's details (from Live's "open the last run"). */
  open(runId: string): Promise<void>;
}

const RESUMABLE = new Set(['cancelled', 'incomplete', 'failed']);

/**
 * Scrolls `target` to the top of the window, below the sticky header (its height read now: the header
 * wraps on narrow windows), so a title and its actions are not hidden under it.
 */
function scrollBelowHeader(target: HTMLElement): void {
  const header = document.querySelector<HTMLElement>('.app-header');
  const bar = header && getComputedStyle(header).position === 'sticky' ? header.getBoundingClientRect().height : 0;
  // Through the CSSOM: the page's CSP refuses style attributes.
  target.style.scrollMarginTop = `${Math.ceil(bar) + 12}px`;
  target.scrollIntoView({ block: 'start' });
}

export function createRunsScreen(
  api: RendererApi, records: RunRecords, info: ApiOutputs['app:info'], onResumed: (runId: string) => void,
  runAgain?: (config: unknown, runId: string) => void,
): RunsScreen {
  let items: RunListItem[] = [];
  let sweepItems: SweepListItem[] = [];
  let active = new Set<string>();
  const selected = new Set<string>();
  let detail: { runId: string; panel: RunPanel } | null = null;

  const notice = createNotice('runs-notice');
  const count = h('span', { class: 'muted', testid: 'runs-count' }, '');
  const compareButton = h('button', { type: 'button', testid: 'compare-runs', disabled: true }, 'Compare selected');
  const refreshButton = h('button', { type: 'button', testid: 'refresh-runs' }, 'Refresh');
  const emptyRow = h('p', { class: 'empty-state', testid: 'runs-empty', hidden: true }, 'No runs yet. Start one from Setup.');
  const noMatch = h('p', { class: 'empty-state', testid: 'runs-no-match', hidden: true }, 'No run matches the filter.');
  const detailSection = h('section', { class: 'run-detail', testid: 'run-detail', hidden: true, 'aria-label': 'Run details' });
  const groups = createSweepGroups(api, info);
  const compare = createCompareView(records, notice);

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
      if (compare.ids()?.includes(runId)) compare.close();
      records.forget(runId);
      await refresh();
    } catch (error) {
      notice.show('error', `Could not delete ${runId}: ${messageOf(error)}`);
    }
  };

  const runsTable = createRunsTable({
    isSelected: (id) => selected.has(id),
    setSelected: (id, on) => {
      if (on) selected.add(id);
      else selected.delete(id);
      renderCompareButton();
    },
    current: () => detail?.runId ?? null,
    open: (id) => void openDetail(id),
    resume: (id) => void resume(id),
    exportPdf: (id) => void exportReport(id, notice),
    remove: (id) => void remove(id),
  }, groups, () => renderRows());

  const element = h('div', { class: 'screen runs-screen' },
    h('header', { class: 'screen-head' },
      h('div', {}, h('h2', {}, 'Runs'), h('p', { class: 'lede' }, `Every run folder and sweep, newest first. Sort by any column; select ${MIN_COMPARED} to ${MAX_COMPARED} runs to compare them.`)),
      h('div', { class: 'toolbar' }, count, refreshButton, compareButton)),
    notice.element,
    groups.notice.element,
    runsTable.controls,
    h('div', { class: 'table-scroll card' }, runsTable.table, emptyRow, noMatch),
    compare.element,
    detailSection,
  );

  const renderCompareButton = () => {
    compareButton.disabled = selected.size < MIN_COMPARED || selected.size > MAX_COMPARED;
    compareButton.textContent = selected.size > MAX_COMPARED ? `Compare at most ${MAX_COMPARED}` : selected.size >= MIN_COMPARED ? `Compare the ${selected.size} selected` : `Compare selected (${selected.size})`;
  };

  function renderRows(): void {
    const { shown, total } = runsTable.render(items, sweepItems, statusOf);
    const runs = `${items.length} run${items.length === 1 ? '' : 's'}`;
    const sweeps = sweepItems.length ? ` · ${sweepItems.length} sweep${sweepItems.length === 1 ? '' : 's'}` : '';
    count.textContent = `${runs}${sweeps}${shown < total ? ` · ${shown} shown` : ''}`;
    emptyRow.hidden = total > 0;
    noMatch.hidden = total === 0 || shown > 0;
    runsTable.table.hidden = shown === 0;
    renderCompareButton();
  }

  const closeDetail = () => {
    detail?.panel.destroy();
    detail = null;
    detailSection.hidden = true;
    detailSection.replaceChildren();
    runsTable.setCurrent(null);
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
    runsTable.setCurrent(runId);
    scrollBelowHeader(detailSection);
    try {
      const record = await records.load(runId, true);
      if (detail?.runId !== runId) return;
      heading.textContent = runName(record);
      const status = record.active ? 'running' : record.view.status;
      const facts = { runId, status, hasTicket: hasTicket(record), config: record.config };
      replaceChildren(actions,
        ...runActionButtons({ api, info, notice: exportNotice, testPrefix: 'detail', runAgain }, facts),
        !point && (RESUMABLE.has(status) || (status !== 'completed' && status !== 'running')) ? h('button', { type: 'button', testid: 'detail-resume', onclick: () => void resume(runId) }, 'Resume') : null,
        h('button', { type: 'button', testid: 'close-detail', onclick: closeDetail }, 'Close'));
      panel.update(record);
      heading.focus({ preventScroll: true });
      scrollBelowHeader(detailSection);
    } catch (error) {
      exportNotice.show('error', `Could not open ${runId}: ${messageOf(error)}`);
    }
  }

  compareButton.addEventListener('click', () => {
    const ids = [...selected];
    if (ids.length < MIN_COMPARED || ids.length > MAX_COMPARED) return;
    void compare.open(ids).then(() => {
      if (compare.ids()) scrollBelowHeader(compare.element);
    });
  });

  async function refresh(): Promise<void> {
    try {
      const [list, running, studies] = await Promise.all([api.call('runs:list', {}), api.call('experiment:active', {}), api.call('studies:list', {}).catch((error) => {
        groups.notice.show('error', `Could not list sweeps: ${messageOf(error)}`);
        return { sweeps: [] as SweepListItem[] };
      })]);
      items = list.runs;
      sweepItems = studies.sweeps;
      // A worker lingers for a moment after its run-end; such a run is not running any more.
      active = new Set(running.runs.filter((r) => !r.events.some((e) => e.type === 'run-end')).map((r) => r.runId));
      const known = new Set([...items.map((i) => i.runId), ...sweepItems.flatMap((s) => s.points.filter((p) => p.run).map((p) => sweepRunId(s.name, p.id)))]);
      for (const id of [...selected]) if (!known.has(id)) selected.delete(id);
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
    compare.redraw();
  });
  records.subscribe((id, event) => {
    if (element.isConnected && !element.closest('[hidden]') && (event?.type === 'run-start' || event?.type === 'run-end' || event?.type === 'eb-found')) {
      refreshSoon();
      // The worker exits just after its run-end; list again once it has.
      if (event.type === 'run-end') setTimeout(refreshSoon, 1500);
    }
    if (detail?.runId === id || compare.ids()?.includes(id)) redrawOpen();
  });

  return { element, refresh, open: openDetail };
}
