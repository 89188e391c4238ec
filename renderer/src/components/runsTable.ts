/**
 * The runs as a research table: one row per run folder and, grouped under their sweep, one per sweep
 * point; sortable columns (a button in each head, `aria-sort` on the sorted one), a filter over name,
 * model, data and status, and a column picker remembered in localStorage. Actions are icon buttons
 * with accessible names, so every column fits a 1280 px window; below 1100 px each row becomes a card
 * and the head row a bar of sort buttons (styles.css).
 */
import type { RunListItem } from '../../../src/run/runStore.ts';
import type { SweepListItem } from '../../../src/study/listSweeps.ts';
import { sweepRunId } from '../../../src/study/sweepRunId.ts';
import { overBeforeFirstEpoch, resumeRepeatsFailure, statusLabel } from '../../../src/core/status.ts';
import { percentInterval } from '../../../src/energy/savingWords.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { formatAccuracy, formatDate, formatDuration, formatJoules, formatPercent } from '../ui/format.ts';

/** How a sweep's rows are grouped (components/sweepList.ts; declared here so the table loads no API client). */
export interface SweepGroups {
  group(sweep: SweepListItem, pointRows: HTMLTableRowElement[], columns: number): HTMLTableSectionElement;
}

/** A row of the table: a run folder, or a sweep's point (started or not). */
export interface RunRow {
  /** The id that opens and compares it (a point's is `<sweep>~<point>`). */
  id: string;
  item: RunListItem | null;
  status: string;
  /** A sweep point: its sweep, and its swept values in words. */
  point?: { sweep: string; values: string };
}

export type SortDirection = 'ascending' | 'descending';

interface Column {
  key: string;
  label: string;
  /** What the head's tooltip says (units, what the two figures are). */
  title?: string;
  /** The value sorted on; null sorts last either way. */
  sort(row: RunRow): number | string | null;
  /** Numbers and dates sort largest first on the first click; text A to Z. */
  first: SortDirection;
  cell(row: RunRow): HTMLTableCellElement;
  /** Shown unless the user hides it. */
  shown: boolean;
}

export interface RunsTableActions {
  isSelected(id: string): boolean;
  setSelected(id: string, on: boolean): void;
  current(): string | null;
  open(id: string): void;
  resume(id: string): void;
  exportPdf(id: string): void;
  remove(id: string): void;
}

const RESUMABLE = new Set(['cancelled', 'incomplete', 'failed']);
const COLUMNS_KEY = 'earlybird.runs.hiddenColumns';

const SVG = 'http://www.w3.org/2000/svg';
const ICONS: Record<string, string> = {
  open: 'M14 4h6v6M20 4l-9 9M18 14v6H4V6h6',
  resume: 'M7 4.5v15l12-7.5z',
  pdf: 'M12 4v11M7 10l5 5 5-5M5 20h14',
  delete: 'M4 7h16M10 4h4M6 7l1 13h10l1-13M10 11v6M14 11v6',
};

function icon(name: keyof typeof ICONS): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: 16, height: 16, 'aria-hidden': 'true', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })) svg.setAttribute(k, String(v));
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[name]!);
  svg.append(path);
  return svg;
}

/** An icon button: its name for screen readers and the tooltip, its test id as before. */
const iconButton = (name: keyof typeof ICONS, label: string, testid: string, onclick: () => void, danger = false) =>
  h('button', { type: 'button', class: `icon-button${danger ? ' danger ghost' : ''}`, 'aria-label': label, title: label, testid, onclick }, icon(name));

const text = (v: string | null | undefined) => (v ? v.toLowerCase() : null);

/** The run's display name: config name, else model (a point: its swept values). */
const rowName = (row: RunRow) => row.point?.values ?? row.item?.name ?? row.item?.model ?? row.id;

function savedCell(item: RunListItem | null): HTMLTableCellElement {
  if (item && item.savedPercent !== null) {
    return h('td', { class: `cell-saved num ${item.savedPercent < 0 ? 'negative' : ''}`, 'data-label': 'Energy saved', testid: 'run-saved' },
      formatPercent(item.savedPercent),
      item.savedInterval ? h('span', { class: 'small', title: '95 % interval from epoch-to-epoch variation (n = 1 run)' }, ` (${percentInterval(item.savedInterval.low, item.savedInterval.high, formatPercent)})`) : null, ' ',
      h('span', { class: `badge kind ${item.savedKind ?? ''}`, title: item.estimateModel ? `power model: ${item.estimateModel}` : '' }, item.savedKind ?? ''),
      item.savedInterval && !item.savedInterval.clear ? h('div', { class: 'small muted', testid: 'run-saved-unclear' }, 'no clear saving') : null,
      item.savedWarning ? h('div', { class: 'small negative', testid: 'run-saved-warning', title: item.savedWarning }, item.savedWarning.split(':')[0]) : null);
  }
  // No saving: its reason, from the summary.
  return h('td', { class: 'cell-saved num muted', 'data-label': 'Energy saved', testid: 'run-saved', title: item?.savedReason ?? '' }, '—',
    h('div', { class: 'small' }, (item?.savedReason ?? '').replace(/^no saving: /, '')));
}

const COLUMNS: Column[] = [
  {
    key: 'name', label: 'Run', first: 'ascending', shown: true, sort: (r) => text(rowName(r)),
    cell: (r) => h('td', { class: 'cell-run' }, h('div', { class: 'run-name' }, rowName(r)), h('div', { class: 'mono muted small' }, r.point ? r.id : r.item?.runId ?? r.id)),
  },
  {
    key: 'started', label: 'Started', first: 'descending', shown: true, sort: (r) => r.item?.createdAt ?? null,
    cell: (r) => h('td', { class: 'cell-date', 'data-label': 'Started' }, formatDate(r.item?.createdAt)),
  },
  {
    key: 'model', label: 'Model', first: 'ascending', shown: true, sort: (r) => text(r.item?.model),
    cell: (r) => h('td', { class: 'cell-model', 'data-label': 'Model', testid: 'run-model' }, r.item?.model ?? '—'),
  },
  {
    key: 'data', label: 'Data', first: 'ascending', shown: true, sort: (r) => text(r.item?.data),
    cell: (r) => h('td', { class: 'cell-data', 'data-label': 'Data' }, r.item?.data ?? '—'),
  },
  {
    key: 'seed', label: 'Seed', first: 'ascending', shown: true, sort: (r) => r.item?.seed ?? null,
    cell: (r) => h('td', { class: 'cell-seed num', 'data-label': 'Seed' }, r.item?.seed === null || r.item?.seed === undefined ? '—' : String(r.item.seed)),
  },
  {
    key: 'status', label: 'Status', first: 'ascending', shown: true, sort: (r) => statusLabel(r.status),
    cell: (r) => h('td', { class: 'cell-status', 'data-label': 'Status' }, h('span', { class: `status ${r.status === 'missing' ? 'incomplete' : r.status}` }, statusLabel(r.status))),
  },
  {
    key: 'duration', label: 'Duration', title: 'Wall time of the whole run', first: 'descending', shown: true, sort: (r) => r.item?.seconds ?? null,
    cell: (r) => h('td', { class: 'cell-duration num', 'data-label': 'Duration' }, formatDuration(r.item?.seconds)),
  },
  {
    key: 'energy', label: 'Energy (J)', title: 'Joules of EB Train (search + surgery + retrain), and of the dense baseline below it', first: 'descending', shown: true, sort: (r) => r.item?.joules?.ebTrain ?? null,
    cell: (r) => h('td', { class: 'cell-energy num', 'data-label': 'Energy (J)', testid: 'run-energy' },
      h('div', {}, `EB ${formatJoules(r.item?.joules?.ebTrain)}`), h('div', { class: 'small muted' }, `dense ${formatJoules(r.item?.joules?.dense)}`)),
  },
  {
    key: 'saved', label: 'Energy saved', title: 'EB Train against the dense baseline, with its 95 % interval', first: 'descending', shown: true, sort: (r) => r.item?.savedPercent ?? null,
    cell: (r) => savedCell(r.item),
  },
  {
    key: 'ticket', label: 'EB epoch', title: 'The epoch the Early-Bird ticket was drawn at, of the planned epochs', first: 'ascending', shown: true, sort: (r) => r.item?.ebEpoch ?? null,
    cell: (r) => {
      const item = r.item;
      const eb = item?.ebEpoch ?? null;
      return h('td', { class: 'cell-eb num', 'data-label': 'EB epoch' }, eb === null ? (r.status === 'completed' ? 'not found' : '—') : `${eb + 1} / ${item?.plannedEpochs ?? '?'}`);
    },
  },
  {
    key: 'accuracy', label: 'Accuracy (EB / dense)', title: 'Test accuracy of the retrained ticket and of the dense baseline', first: 'descending', shown: true, sort: (r) => r.item?.testAccuracy.ebTrain ?? null,
    cell: (r) => h('td', { class: 'cell-accuracy num', 'data-label': 'Accuracy (EB / dense)' }, r.item ? `${formatAccuracy(r.item.testAccuracy.ebTrain)} / ${formatAccuracy(r.item.testAccuracy.dense)}` : '—'),
  },
];

function loadHidden(): Set<string> {
  try {
    const stored = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(stored) ? stored.filter((k): k is string => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

function saveHidden(hidden: Set<string>): void {
  try {
    localStorage.setItem(COLUMNS_KEY, JSON.stringify([...hidden]));
  } catch {
    // No storage (private mode, a file: page): the choice lasts this page.
  }
}

/** Orders rows by `column` (nulls last in either direction; then newest id first). */
export function sortRows<T extends RunRow>(rows: T[], column: Pick<Column, 'sort'>, direction: SortDirection): T[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = column.sort(a);
    const y = column.sort(b);
    if (x === null || y === null) return x === y ? b.id.localeCompare(a.id) : x === null ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return order === 0 ? b.id.localeCompare(a.id) : sign * order;
  });
}

/** Whether a row matches the filter: every word of it in the name, id, model, data or status. */
export function matchesFilter(row: RunRow, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = [rowName(row), row.id, row.item?.name, row.item?.model, row.item?.data, statusLabel(row.status), row.point?.sweep].filter(Boolean).join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}

export interface RunsTable {
  /** The filter box and the column picker. */
  controls: HTMLElement;
  table: HTMLTableElement;
  /** Draws the rows; returns how many runs and sweep points are shown and listed. */
  render(items: RunListItem[], sweeps: SweepListItem[], statusOf: (item: RunListItem) => string): { shown: number; total: number };
  /** Re-marks the open run's row. */
  setCurrent(id: string | null): void;
}

export function createRunsTable(actions: RunsTableActions, groups: SweepGroups, onChange: () => void): RunsTable {
  const hidden = loadHidden();
  let sort: { key: string; direction: SortDirection } = { key: 'started', direction: 'descending' };
  let filter = '';

  const filterBox = h('input', { type: 'search', class: 'runs-filter', placeholder: 'Filter: name, model, data, status', 'aria-label': 'Filter runs by name, model, data or status', testid: 'runs-filter' });
  filterBox.addEventListener('input', () => {
    filter = filterBox.value;
    onChange();
  });
  const picker = h('details', { class: 'column-picker', testid: 'column-picker' },
    h('summary', {}, 'Columns'),
    h('fieldset', {}, h('legend', { class: 'visually-hidden' }, 'Columns shown'), COLUMNS.map((c) => {
      const box = h('input', { type: 'checkbox', testid: 'column-toggle', 'data-column': c.key });
      box.checked = !hidden.has(c.key);
      box.addEventListener('change', () => {
        if (box.checked) hidden.delete(c.key);
        else hidden.add(c.key);
        saveHidden(hidden);
        onChange();
      });
      return h('label', {}, box, ` ${c.label}`);
    })));
  const controls = h('div', { class: 'runs-controls' }, filterBox, picker);

  const thead = h('thead', {});
  const table = h('table', { class: 'runs-table', testid: 'runs-table' });

  const visible = () => COLUMNS.filter((c) => !hidden.has(c.key));

  const renderHead = (columns: Column[]) => {
    replaceChildren(thead, h('tr', {},
      h('th', { scope: 'col', class: 'col-check' }, h('span', { class: 'visually-hidden' }, 'Select')),
      columns.map((c) => {
        const sorted = sort.key === c.key;
        const th = h('th', { scope: 'col', class: `col-${c.key}`, 'data-column': c.key, testid: 'runs-column', ...(sorted ? { 'aria-sort': sort.direction } : {}) },
          h('button', { type: 'button', class: 'sort-button', title: c.title ?? `Sort by ${c.label.toLowerCase()}`, onclick: () => {
            sort = sort.key === c.key ? { key: c.key, direction: sort.direction === 'ascending' ? 'descending' : 'ascending' } : { key: c.key, direction: c.first };
            onChange();
          } }, c.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sorted ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : '')));
        return th;
      }),
      h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'visually-hidden' }, 'Actions'))));
  };

  const runRow = (row: RunRow, columns: Column[]) => {
    const { item, status } = row;
    const name = rowName(row);
    const check = h('input', { type: 'checkbox', 'aria-label': `Select ${row.id} for comparison`, testid: 'select-run', disabled: !item });
    check.checked = actions.isSelected(row.id);
    check.addEventListener('change', () => actions.setSelected(row.id, check.checked));
    const buttons = row.point
      ? [item ? iconButton('open', `Open ${name}`, 'open-point', () => actions.open(row.id)) : null]
      : [
        iconButton('open', `Open ${name}`, 'open-run', () => actions.open(row.id)),
        // No Resume where it would fail the same way (its data or settings must change first: Run again).
        RESUMABLE.has(status) && !resumeRepeatsFailure(status, item?.failure) ? iconButton('resume', `Resume ${name}`, 'row-resume', () => actions.resume(row.id)) : null,
        // Cancelled and failed runs too, the report saying what is missing; not one over before its first epoch (nothing to report).
        status === 'running' || overBeforeFirstEpoch(status, item?.epochsFinished) ? null : iconButton('pdf', `Export the PDF report of ${name}`, 'export-pdf', () => actions.exportPdf(row.id)),
        status === 'running' ? null : iconButton('delete', `Delete ${name}`, 'delete-run', () => actions.remove(row.id), true),
      ];
    const tr = h('tr', {
      testid: row.point ? 'sweep-point' : 'run-row', 'data-run-id': row.id, 'data-status': status,
      class: `${item ? 'clickable' : ''} ${row.point ? 'point-row' : ''} ${actions.current() === row.id ? 'current' : ''}`.trim().replace(/\s+/g, ' '),
      title: item ? 'Open this run' : '',
    },
    h('td', { class: 'cell-check' }, check),
    columns.map((c) => c.cell(row)),
    h('td', { class: 'cell-actions' }, h('div', { class: 'row-actions' }, buttons)));
    // A click anywhere on the row opens it, except on its own controls.
    if (item) tr.addEventListener('click', (event) => {
      if (!(event.target as Element).closest('button, input, a, label, select, summary')) actions.open(row.id);
    });
    return tr;
  };

  function render(items: RunListItem[], sweeps: SweepListItem[], statusOf: (item: RunListItem) => string): { shown: number; total: number } {
    const columns = visible();
    const span = columns.length + 2;
    const column = COLUMNS.find((c) => c.key === sort.key) ?? COLUMNS[1]!;
    renderHead(columns);
    const singles = sortRows(items.map((item) => ({ id: item.runId, item, status: statusOf(item) })), column, sort.direction).filter((r) => matchesFilter(r, filter));
    const sweepEntries = sweeps.map((sweep) => {
      const points: RunRow[] = sweep.points.map((p) => ({
        id: sweepRunId(sweep.name, p.id), item: p.run, status: p.run?.status ?? 'missing',
        point: { sweep: sweep.name, values: Object.entries(p.values).map(([k, v]) => `${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') || 'base' },
      }));
      const nameMatches = filter.trim() !== '' && matchesFilter({ id: sweep.name, item: null, status: '' }, filter);
      const rows = sortRows(points, column, sort.direction).filter((r) => nameMatches || matchesFilter(r, filter));
      return { sweep, rows, total: points.length };
    }).filter((e) => e.rows.length > 0);
    // Runs and sweeps in one order: a sweep where its first point (in this order) would stand.
    type Entry = { row: RunRow; sweep?: (typeof sweepEntries)[number] };
    const entries: Entry[] = sortRows<RunRow & { entry: Entry }>([
      ...singles.map((row) => ({ ...row, entry: { row } })),
      ...sweepEntries.map((e) => ({ ...e.rows[0]!, entry: { row: e.rows[0]!, sweep: e } })),
    ], column, sort.direction).map((r) => r.entry);
    const bodies: HTMLTableSectionElement[] = [];
    let loose: HTMLTableRowElement[] = [];
    const flush = () => {
      if (loose.length) bodies.push(h('tbody', { class: 'run-rows' }, loose));
      loose = [];
    };
    for (const entry of entries) {
      if (!entry.sweep) {
        loose.push(runRow(entry.row, columns));
        continue;
      }
      flush();
      bodies.push(groups.group(entry.sweep.sweep, entry.sweep.rows.map((r) => runRow(r, columns)), span));
    }
    flush();
    replaceChildren(table, h('caption', { class: 'visually-hidden' }, `Runs, sorted by ${column.label.toLowerCase()} (${sort.direction})`), thead, bodies);
    const shown = singles.length + sweepEntries.reduce((n, e) => n + e.rows.length, 0);
    const total = items.length + sweeps.reduce((n, s) => n + s.points.length, 0);
    return { shown, total };
  }

  const setCurrent = (id: string | null) => {
    table.querySelectorAll<HTMLElement>('tr[data-run-id]').forEach((row) => row.classList.toggle('current', row.dataset.runId === id));
  };

  return { controls, table, render, setCurrent };
}
