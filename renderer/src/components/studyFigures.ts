/**
 * A study's figures on the Runs screen, as the study PDF states them: per setting and method, mean ±
 * std over the seeds and the 95 % interval of the mean, drawn as error bars, with "n = 3 seeds" beside
 * every figure. Every number comes from `study:get` (src/study/aggregate.ts, the PDF's aggregation):
 * this file only draws. A seed whose energy was left out is named under the energy figure, which then
 * has no mean, rather than being averaged away.
 */
import type { GroupMethod, Study, StudyGroup, StudyPoint } from '../../../src/study/aggregate.ts';
import type { Stat } from '../../../src/study/stats.ts';
import { h } from '../ui/dom.ts';
import { formatJoules } from '../ui/format.ts';
import { methodColor, methodKeys, methodLabel } from '../../../src/core/methods.ts';

type Method = keyof StudyGroup['methods'];

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, ...children: SVGElement[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

interface Row {
  key: string;
  label: string;
  color: string;
  stat: Stat | null;
  /** Each seed's own value, drawn as a small dot. */
  seeds: number[];
  /** Why there is no figure (e.g. the seeds whose energy was left out), shown instead of the bar. */
  missing?: string[];
}

interface Figure {
  id: string;
  title: string;
  /** What the figure is: measured, estimated (by what), projected. */
  kinds: { kind: string; text: string }[];
  note: string;
  format: (x: number) => string;
  rows: Row[];
  /** "seeds", or e.g. "seeds that found a ticket". */
  nounOf(row: Row, group: StudyGroup): string;
}

/** FLOPs in one unit for a whole figure (that of its largest value), so mean, std and interval read alike: "8.53 ± 0.60 GFLOP". */
function flopsIn(largest: number): (x: number) => string {
  const [unit, prefix] = ([[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const).find(([u]) => Math.abs(largest) >= u) ?? [1, ''];
  return (x) => `${(x / unit).toFixed(2)} ${prefix}FLOP`;
}

/** "2.48 GFLOP", " ± ", "0.02 GFLOP" → "2.48 ± 0.02 GFLOP": a unit both share is said once. */
function joinUnit(a: string, between: string, b: string): string {
  const unit = (text: string) => / (\S+)$/.exec(text)?.[1] ?? null;
  return unit(a) !== null && unit(a) === unit(b) ? `${a.slice(0, -unit(a)!.length - 1)}${between}${b}` : `${a}${between}${b}`;
}
const range = (lo: string, hi: string) => joinUnit(lo, ' … ', hi);

const seedsText = (n: number) => `n = ${n} seed${n === 1 ? '' : 's'}`;

/** Lowest and highest value any bar, interval or dot reaches, padded; a flat range gets some room. */
function scaleOf(rows: Row[]): [number, number] {
  const xs = rows.flatMap((r) => (r.stat ? [r.stat.mean, ...(r.stat.ci95 ?? []), ...(r.stat.std !== null ? [r.stat.mean - r.stat.std, r.stat.mean + r.stat.std] : []), ...r.seeds] : []));
  if (xs.length === 0) return [0, 1];
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const pad = Math.abs(hi) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

function errorBar(row: Row, [lo, hi]: [number, number], format: (x: number) => string): SVGElement {
  const at = (x: number) => `${(((x - lo) / (hi - lo)) * 100).toFixed(3)}%`;
  const s = row.stat!;
  const parts: SVGElement[] = [svg('line', { x1: '0%', x2: '100%', y1: 14, y2: 14, class: 'eb-track' })];
  if (s.ci95) {
    parts.push(svg('line', { x1: at(s.ci95[0]), x2: at(s.ci95[1]), y1: 14, y2: 14, class: 'eb-ci', stroke: row.color }));
    for (const end of s.ci95) parts.push(svg('line', { x1: at(end), x2: at(end), y1: 8, y2: 20, class: 'eb-ci', stroke: row.color }));
  }
  if (s.std !== null) parts.push(svg('line', { x1: at(s.mean - s.std), x2: at(s.mean + s.std), y1: 14, y2: 14, class: 'eb-std', stroke: row.color }));
  for (const x of row.seeds) parts.push(svg('circle', { cx: at(x), cy: 14, r: 2.6, class: 'eb-seed', stroke: row.color }));
  parts.push(svg('circle', { cx: at(s.mean), cy: 14, r: 4.5, class: 'eb-mean', fill: row.color }));
  const label = `${row.label}: mean ${format(s.mean)}${s.std !== null ? `, std ${format(s.std)}` : ''}${s.ci95 ? `, 95 % interval ${format(s.ci95[0])} to ${format(s.ci95[1])}` : ''}, ${seedsText(s.n)}`;
  return svg('svg', { class: 'eb-bar', width: '100%', height: 28, role: 'img', 'aria-label': label }, svg('title', {}), ...parts);
}

function figureCard(figure: Figure, group: StudyGroup): HTMLElement {
  const scale = scaleOf(figure.rows);
  const rows = figure.rows.map((row) => {
    const s = row.stat;
    if (!s) {
      return h('div', { class: 'eb-row missing', testid: 'study-row', 'data-method': row.key },
        h('span', { class: 'eb-name' }, row.label),
        h('div', { class: 'eb-missing', testid: 'study-missing' }, h('strong', {}, 'no mean'), ...(row.missing ?? []).map((m) => h('div', { class: 'small' }, m))),
        h('span', {}));
    }
    const bar = errorBar(row, scale, figure.format);
    bar.querySelector('title')!.textContent = bar.getAttribute('aria-label');
    return h('div', { class: 'eb-row', testid: 'study-row', 'data-method': row.key },
      h('span', { class: 'eb-name' }, row.label),
      h('div', { class: 'eb-plot' }, bar),
      h('div', { class: 'eb-figure' },
        h('span', { class: 'eb-value', testid: 'study-value' }, s.std !== null ? joinUnit(figure.format(s.mean), ' ± ', figure.format(s.std)) : figure.format(s.mean)),
        h('span', { class: 'small muted eb-ci-text' }, s.ci95 ? `95 % CI ${range(figure.format(s.ci95[0]), figure.format(s.ci95[1]))}` : 'no spread with one seed'),
        h('span', { class: 'small eb-n', testid: 'study-n' }, figure.nounOf(row, group))));
  });
  const [lo, hi] = scale;
  return h('section', { class: 'study-figure', testid: 'study-figure', 'data-figure': figure.id },
    h('div', { class: 'study-figure-head' }, h('h5', {}, figure.title),
      ...figure.kinds.map((k) => h('span', { class: `badge kind ${k.kind}`, title: k.text, testid: 'study-kind' }, k.text))),
    ...rows,
    h('div', { class: 'eb-row eb-axis', 'aria-hidden': 'true' }, h('span', {}),
      h('div', { class: 'eb-axis-ticks small muted' }, h('span', {}, figure.format(lo)), h('span', {}, figure.format((lo + hi) / 2)), h('span', {}, figure.format(hi))), h('span', {})),
    h('p', { class: 'small muted study-figure-note' }, figure.note));
}

function groupFigures(study: Study, group: StudyGroup): Figure[] {
  const members = study.points.filter((p) => group.points.includes(p.index) && p.status === 'completed');
  const methods = methodKeys().filter((m) => group.methods[m]);
  const seedValues = (f: (p: StudyPoint) => number | null | undefined) => members.map(f).filter((x): x is number => typeof x === 'number');
  const rowOf = (m: Method, i: number, stat: (g: GroupMethod) => Stat | null, value: (p: StudyPoint) => number | null | undefined, missing?: string[]): Row => ({
    key: m, label: methodLabel(m), color: methodColor(m, i), stat: stat(group.methods[m]!), seeds: seedValues(value), missing,
  });
  const perMethodSeeds = (row: Row) => seedsText(row.stat?.n ?? 0);
  const energyKinds = [...new Set(methods.flatMap((m) => group.methods[m]!.energyKinds))];
  const energyLabels = [...new Set(methods.flatMap((m) => group.methods[m]!.energyLabels))];
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const figures: Figure[] = [
    {
      id: 'accuracy', title: 'Test accuracy', kinds: [{ kind: 'measured', text: 'measured (test set)' }], format: pct,
      note: 'Top-1 accuracy on the held-out test images, one figure per seed.',
      rows: methods.map((m, i) => rowOf(m, i, (g) => g.accuracy, (p) => p.methods[m]?.accuracy)), nounOf: perMethodSeeds,
    },
    {
      id: 'energy', title: 'Training energy',
      kinds: energyKinds.length ? energyKinds.map((kind) => ({ kind, text: kind })) : [{ kind: '', text: 'not recorded' }],
      format: (x) => formatJoules(x),
      note: `${energyLabels.length ? `${energyLabels.join('; ')}. ` : ''}Each method's energy summed over its phases (EB Train = search + surgery + retrain). A seed without a complete energy figure is named and the mean is not given.`,
      rows: methods.map((m, i) => rowOf(m, i, (g) => g.energy, (p) => p.methods[m]?.joules, group.methods[m]!.energyMissing)), nounOf: perMethodSeeds,
    },
    {
      id: 'compute', title: 'Training compute', kinds: [{ kind: 'estimated', text: 'estimated (FLOP count)' }], format: flopsIn(Math.max(0, ...methods.map((m) => group.methods[m]!.compute.max))),
      note: '3 × forward FLOPs per image × training images × epochs, each epoch at the FLOPs of the network trained in it.',
      rows: methods.map((m, i) => rowOf(m, i, (g) => g.compute, (p) => p.methods[m]?.compute)), nounOf: perMethodSeeds,
    },
    {
      id: 'ticket', title: 'Early-Bird ticket epoch', kinds: [{ kind: 'measured', text: `observed, of ${group.plannedEpochs ?? '?'} planned` }],
      format: (x) => x.toFixed(1),
      note: 'Epoch (from 1) at which the mask stopped changing by more than ε; only seeds that found a ticket count.',
      rows: [{
        key: 'ticket', label: 'EB ticket', color: methodColor('ebTrain'), stat: group.ticketEpoch, seeds: seedValues((p) => p.ticketEpoch),
        missing: group.ticketEpoch ? undefined : [`no seed found a ticket (${group.n} finished)`],
      }],
      nounOf: () => `${seedsText(group.found)}${group.found < group.n ? ` (ticket found in ${group.found} of ${group.n})` : ''}`,
    },
  ];
  return figures;
}

/** The whole study: recommendation, what was left out, and per setting the four figures. */
export function createStudyFigures(study: Study): HTMLElement {
  const ns = [...new Set(study.groups.map((g) => g.n))].sort((a, b) => a - b);
  const seeds = ns.length === 1 ? `${seedsText(ns[0]!).replace('n = ', '')} per setting` : `${ns[0]}–${ns[ns.length - 1]} seeds per setting`;
  return h('div', { class: 'study-figures', testid: 'study-figures' },
    h('p', { class: 'small muted' },
      `${study.groups.length} setting${study.groups.length === 1 ? '' : 's'} · ${seeds}. Each figure is the mean over a setting's seeds ± the sample standard deviation (thick bar), `,
      'with the 95 % confidence interval of the mean from Student\'s t (thin bar with caps) and each seed as a small ring. The same aggregation as the study PDF.'),
    h('p', { class: 'study-recommendation', testid: 'study-recommendation' }, study.recommendation.text),
    study.energyLeftOut.length
      ? h('div', { class: 'notice warn', testid: 'energy-left-out', role: 'note' },
        h('strong', {}, 'Energy left out: '), 'these runs lost their power source for part of the run, so their energy is in no mean (accuracy and compute are kept).',
        h('ul', {}, study.energyLeftOut.map((line) => h('li', {}, line))))
      : null,
    study.unfinished.length
      ? h('div', { class: 'notice info', testid: 'study-unfinished' }, h('strong', {}, 'Not in the figures: '), h('ul', {}, study.unfinished.map((line) => h('li', {}, line))))
      : null,
    study.groups.map((group) => h('section', { class: 'study-group', testid: 'study-group', 'data-group': group.label },
      h('h4', {}, group.label === 'base config' ? 'All seeds' : group.label, ' ',
        h('span', { class: 'muted small', testid: 'study-group-n' }, `${seedsText(group.n)}${group.seeds.length ? ` (seed ${group.seeds.join(', ')})` : ''}`)),
      h('div', { class: 'study-figure-grid' }, groupFigures(study, group).map((f) => figureCard(f, group))))));
}
