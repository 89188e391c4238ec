/**
 * The sweeps on the Runs screen: one card per sweep (earlybird sweep, or a run with seeds) with
 * its runs grouped under it — each point's swept values, status, ticket epoch and accuracy, opened
 * in the same detail panel as any run — the study's figures over seeds (studyFigures.ts, from
 * `study:get` when the card is opened), and a button that writes the study report as PDF and CSV.
 */
import type { ApiOutputs, RendererApi } from '../../../src/api/contract.ts';
import type { SweepListItem } from '../../../src/study/listSweeps.ts';
import { sweepRunId } from '../../../src/study/sweepRunId.ts';
import { messageOf } from '../api/connectApi.ts';
import { createStudyFigures } from './studyFigures.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { formatAccuracy } from '../ui/format.ts';
import { statusLabel } from '../../../src/core/status.ts';
import { createNotice } from '../ui/notice.ts';

export interface SweepList {
  element: HTMLElement;
  refresh(): Promise<void>;
  /** Marks the point whose run the detail panel shows (null: none). */
  setCurrent(runId: string | null): void;
}

const valueText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** `openRun` opens a point's run (by its `<sweep>~<point>` id) in the Runs screen's detail panel. */
export function createSweepList(api: RendererApi, info: ApiOutputs['app:info'], openRun: (runId: string) => void): SweepList {
  /** Sweeps whose card is open: their figures are (re)loaded on refresh. */
  const open = new Set<string>();
  let current: string | null = null;
  const list = h('div', { class: 'sweep-list' });
  const notice = createNotice('study-notice');
  const element = h('section', { class: 'sweeps', testid: 'sweeps', hidden: true, 'aria-label': 'Sweeps and studies' },
    h('h3', {}, 'Sweeps'), notice.element, list);

  const exportStudy = async (sweep: string) => {
    notice.show('info', `Writing the study of ${sweep}…`);
    try {
      const study = await api.call('study:export', { sweep });
      const pages = `${study.pages} page${study.pages === 1 ? '' : 's'}`;
      if (study.url && info.mode === 'browser') {
        const link = h('a', { href: study.url, download: `earlybird-study-${sweep}.pdf`, testid: 'study-link' }, 'Download the study PDF');
        notice.show('ok', `Study ready (${pages}). ${study.recommendation} `, link);
        link.click();
      } else {
        notice.show('ok', `Study written to `, h('code', { testid: 'study-path' }, study.path), ` (${pages}; CSV beside it). ${study.recommendation}`);
      }
    } catch (error) {
      notice.show('error', `Could not write the study of ${sweep}: ${messageOf(error)}`);
    }
  };

  const loadFigures = async (sweep: string, target: HTMLElement) => {
    try {
      const { study } = await api.call('study:get', { sweep });
      replaceChildren(target, study.groups.some((g) => g.n > 0) ? createStudyFigures(study) : h('p', { class: 'muted small' }, 'No run of this sweep has finished yet: no figures.'));
    } catch (error) {
      replaceChildren(target, h('p', { class: 'notice error' }, `Could not aggregate ${sweep}: ${messageOf(error)}`));
    }
  };

  const card = (sweep: SweepListItem) => {
    const axes = sweep.axes.length ? sweep.axes.join(' × ') : 'base config';
    const rows = sweep.points.map((p) => {
      const status = p.run?.status ?? 'not started';
      const eb = p.run?.ebEpoch;
      const id = sweepRunId(sweep.name, p.id);
      const row = h('tr', { testid: 'sweep-point', 'data-status': status, 'data-run-id': id, class: `${p.run ? 'clickable' : ''} ${id === current ? 'current' : ''}`, title: p.run ? 'Open this run' : '' },
        h('td', { class: 'num' }, String(p.index)),
        h('td', {}, Object.entries(p.values).map(([k, v]) => `${k} = ${valueText(v)}`).join(', ') || 'base'),
        h('td', {}, h('span', { class: `status ${p.run?.status ?? 'incomplete'}` }, statusLabel(status))),
        h('td', { class: 'num' }, eb === null || eb === undefined ? (status === 'completed' ? 'not found' : '—') : `${eb + 1} / ${p.run?.plannedEpochs ?? '?'}`),
        h('td', { class: 'num' }, p.run ? `${formatAccuracy(p.run.testAccuracy.ebTrain)} / ${formatAccuracy(p.run.testAccuracy.dense)}` : '—'),
        h('td', { class: 'mono muted small' }, p.id),
        h('td', {}, p.run ? h('button', { type: 'button', testid: 'open-point', onclick: () => openRun(id) }, 'Open') : null));
      if (p.run) row.addEventListener('click', (event) => {
        if (!(event.target as Element).closest('button, a')) openRun(id);
      });
      return row;
    });
    const figures = h('div', { class: 'study-figures-slot' }, h('p', { class: 'muted small' }, 'Aggregating the seeds…'));
    const details = h('details', { class: 'card sweep-card', testid: 'sweep-card', 'data-sweep': sweep.name, open: open.has(sweep.name) },
      h('summary', {},
        h('strong', {}, sweep.name), ' ',
        h('span', { class: 'muted' }, `${sweep.finished} of ${sweep.total} runs finished · ${axes}`), ' ',
        h('button', { type: 'button', testid: 'export-study', disabled: sweep.finished === 0, title: sweep.finished === 0 ? 'No run of this sweep has finished yet' : 'Mean ± std over seeds, PDF and CSV', onclick: (e: Event) => { e.preventDefault(); void exportStudy(sweep.name); } }, 'Study PDF')),
      h('div', { class: 'table-scroll' }, h('table', { class: 'sweep-table' },
        h('thead', {}, h('tr', {}, ...['#', 'Swept values', 'Status', 'EB epoch', 'Accuracy (EB / dense)', 'Run id', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))),
      figures);
    details.addEventListener('toggle', () => {
      if (details.open) {
        open.add(sweep.name);
        void loadFigures(sweep.name, figures);
      } else {
        open.delete(sweep.name);
      }
    });
    if (details.open) void loadFigures(sweep.name, figures);
    return details;
  };

  async function refresh(): Promise<void> {
    try {
      const { sweeps } = await api.call('studies:list', {});
      element.hidden = sweeps.length === 0;
      replaceChildren(list, sweeps.map(card));
    } catch (error) {
      element.hidden = false;
      notice.show('error', `Could not list sweeps: ${messageOf(error)}`);
    }
  }
  const setCurrent = (runId: string | null) => {
    current = runId;
    for (const row of list.querySelectorAll<HTMLElement>('[data-testid="sweep-point"]')) row.classList.toggle('current', row.dataset.runId === runId);
  };
  return { element, refresh, setCurrent };
}
