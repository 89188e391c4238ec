/**
 * The sweeps on the Runs screen: one card per sweep (earlybird sweep, or a run with seeds) with
 * its runs grouped under it — each point's swept values, status, ticket epoch and accuracy — and
 * a button that writes the study report (mean ± std over seeds, error bars) as PDF and CSV.
 */
import type { ApiOutputs, RendererApi } from '../../../src/api/contract.ts';
import type { SweepListItem } from '../../../src/study/listSweeps.ts';
import { messageOf } from '../api/connectApi.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { formatAccuracy } from '../ui/format.ts';
import { STATUS_LABELS } from '../ui/labels.ts';
import { createNotice } from '../ui/notice.ts';

export interface SweepList {
  element: HTMLElement;
  refresh(): Promise<void>;
}

const valueText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function createSweepList(api: RendererApi, info: ApiOutputs['app:info']): SweepList {
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

  const card = (sweep: SweepListItem) => {
    const axes = sweep.axes.length ? sweep.axes.join(' × ') : 'base config';
    const rows = sweep.points.map((p) => {
      const status = p.run?.status ?? 'not started';
      const eb = p.run?.ebEpoch;
      return h('tr', { testid: 'sweep-point', 'data-status': status },
        h('td', { class: 'num' }, String(p.index)),
        h('td', {}, Object.entries(p.values).map(([k, v]) => `${k} = ${valueText(v)}`).join(', ') || 'base'),
        h('td', {}, h('span', { class: `status ${p.run?.status ?? 'incomplete'}` }, STATUS_LABELS[status] ?? status)),
        h('td', { class: 'num' }, eb === null || eb === undefined ? (status === 'completed' ? 'not found' : '—') : `${eb + 1} / ${p.run?.plannedEpochs ?? '?'}`),
        h('td', { class: 'num' }, p.run ? `${formatAccuracy(p.run.testAccuracy.ebTrain)} / ${formatAccuracy(p.run.testAccuracy.dense)}` : '—'),
        h('td', { class: 'mono muted small' }, p.id));
    });
    return h('details', { class: 'card sweep-card', testid: 'sweep-card', 'data-sweep': sweep.name },
      h('summary', {},
        h('strong', {}, sweep.name), ' ',
        h('span', { class: 'muted' }, `${sweep.finished} of ${sweep.total} runs finished · ${axes}`), ' ',
        h('button', { type: 'button', testid: 'export-study', disabled: sweep.finished === 0, title: sweep.finished === 0 ? 'No run of this sweep has finished yet' : 'Mean ± std over seeds, PDF and CSV', onclick: (e: Event) => { e.preventDefault(); void exportStudy(sweep.name); } }, 'Study PDF')),
      h('div', { class: 'table-scroll' }, h('table', { class: 'sweep-table' },
        h('thead', {}, h('tr', {}, ...['#', 'Swept values', 'Status', 'EB epoch', 'Accuracy (EB / dense)', 'Run id'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))));
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
  return { element, refresh };
}
