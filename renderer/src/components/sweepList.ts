/**
 * Sweeps in the runs table (earlybird sweep, or a run with seeds): each one a group of rows that
 * opens and closes — a head row (name, runs finished, swept axes, the Study PDF button), its points
 * as run rows (rendered by the table, so they sort, filter and compare like any run), and the
 * study's figures over seeds (studyFigures.ts, from `study:get` when the group is opened).
 */
import type { ApiOutputs, RendererApi } from '../../../src/api/contract.ts';
import type { SweepListItem } from '../../../src/study/listSweeps.ts';
import { messageOf } from '../api/connectApi.ts';
import { createStudyFigures } from './studyFigures.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { createNotice, type Notice } from '../ui/notice.ts';

export interface SweepGroups {
  /** Where the study export says what it did. */
  notice: Notice;
  /**
   * The group's rows in one tbody: its head row, then `pointRows` (hidden while closed), then its
   * figures. `columns`: how many columns the head and figures rows span.
   */
  group(sweep: SweepListItem, pointRows: HTMLTableRowElement[], columns: number): HTMLTableSectionElement;
}

export function createSweepGroups(api: RendererApi, info: ApiOutputs['app:info']): SweepGroups {
  /** Sweeps whose group is open (kept across re-renders). */
  const open = new Set<string>();
  const notice = createNotice('study-notice');

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

  const group = (sweep: SweepListItem, pointRows: HTMLTableRowElement[], columns: number) => {
    const axes = sweep.axes.length ? sweep.axes.join(' × ') : 'base config';
    const figures = h('div', { class: 'study-figures-slot' }, h('p', { class: 'muted small' }, 'Aggregating the seeds…'));
    const figuresRow = h('tr', { class: 'group-figures' }, h('td', { colspan: columns }, figures));
    // A details element for the toggle: keyboard, aria-expanded and the marker come with it.
    const details = h('details', { class: 'group-toggle', open: open.has(sweep.name) },
      h('summary', {},
        h('strong', {}, sweep.name), ' ',
        h('span', { class: 'muted' }, `${sweep.finished} of ${sweep.total} runs finished · ${axes}`), ' ',
        h('button', { type: 'button', class: 'small-button', testid: 'export-study', disabled: sweep.finished === 0, title: sweep.finished === 0 ? 'No run of this sweep has finished yet' : 'Mean ± std over seeds, PDF and CSV', onclick: (e: Event) => { e.preventDefault(); void exportStudy(sweep.name); } }, 'Study PDF')));
    const show = (isOpen: boolean) => {
      for (const row of pointRows) row.hidden = !isOpen;
      figuresRow.hidden = !isOpen;
    };
    show(details.open);
    details.addEventListener('toggle', () => {
      show(details.open);
      if (details.open === open.has(sweep.name)) return;
      if (details.open) {
        open.add(sweep.name);
        void loadFigures(sweep.name, figures);
      } else {
        open.delete(sweep.name);
      }
    });
    if (details.open) void loadFigures(sweep.name, figures);
    return h('tbody', { class: 'sweep-group', testid: 'sweep-card', 'data-sweep': sweep.name },
      h('tr', { class: 'group-row' }, h('td', { colspan: columns }, details)),
      pointRows,
      figuresRow);
  };

  return { notice, group };
}
