/**
 * A study's figures on the Runs screen, as the study PDF states them: per setting and method, mean ±
 * std over the seeds and the 95 % interval of the mean, drawn as error bars, with "n = 3 seeds" beside
 * every figure. Every number comes from `study:get` (src/study/aggregate.ts, the PDF's aggregation):
 * this file only draws. A seed whose energy was left out is named under the energy figure, which then
 * has no mean, rather than being averaged away. EB Train's energy saving per setting and reference
 * (mean ± std, 95 % interval) is the CLI's and the study PDF's `savings`.
 *
 * Axes run over what a figure can be (accuracy 0–100 %, energy and compute ≥ 0, ticket epoch 1 … planned,
 * a saving ≤ 100 %): an interval reaching past that (few seeds make t large) is drawn to the limit,
 * its clipped end marked with an arrow and named, while the numbers give it as computed.
 */
import type { GroupMethod, Study, StudyGroup, StudyPoint } from '../../../src/study/aggregate.ts';
import { statText, type Stat } from '../../../src/study/stats.ts';
import { h } from '../ui/dom.ts';
import { formatJoules, formatPercent } from '../ui/format.ts';
import { methodColor, methodKeys, methodLabel } from '../../../src/core/methods.ts';
import { clipInterval, fittedRange, niceAxis, POSSIBLE, possibleEpochs, type PossibleRange } from '../../../src/core/axisTicks.ts';
import type { SavingReference } from '../../../src/experiment/references.ts';

/** The references a saving is computed against, in the methods table's order (the keys of `StudyGroup['savings']`). */
const referencesIn = (savings: StudyGroup['savings']): SavingReference[] => methodKeys().filter((m): m is SavingReference => m in savings && savings[m as SavingReference] !== undefined);

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
  /** What the figure can be: the axis and the intervals drawn on it stay inside. */
  possible: PossibleRange;
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

/** Every value a row draws: mean, interval, ± std and the seeds. */
function reach(row: Row): number[] {
  const s = row.stat;
  return s ? [s.mean, ...(s.ci95 ?? []), ...(s.std !== null ? [s.mean - s.std, s.mean + s.std] : []), ...row.seeds] : [];
}

/**
 * The axis: from the lowest to the highest value drawn, padded, inside what the figure can be, widened
 * to nice ticks there; as few ticks as keep their labels apart (a figure prints at fixed decimals).
 */
function scaleOf(rows: readonly Row[], possible: PossibleRange, format: (x: number) => string): { lo: number; hi: number; ticks: number[] } {
  const [lo, hi] = fittedRange(rows.flatMap(reach), possible);
  let best: { lo: number; hi: number; ticks: number[] } | null = null;
  for (const count of [3, 2, 1]) {
    const axis = niceAxis(lo, hi, count, 'linear', { min: true, max: true });
    const min = possible.min !== undefined ? Math.max(possible.min, axis.min) : axis.min;
    const max = possible.max !== undefined ? Math.min(possible.max, axis.max) : axis.max;
    const ticks = axis.ticks.filter((t) => t >= min - 1e-9 && t <= max + 1e-9);
    best = { lo: min, hi: max, ticks };
    const labels = ticks.map(format);
    // Apart, and short enough together for the narrowest plot (a half-width card: about 220 px, 6.5 px a character).
    if (new Set(labels).size === labels.length && labels.join('   ').length * 6.5 <= 220) return best;
  }
  // Even one step apart the labels read alike (a flat figure) or crowd: the two ends only, or one.
  const ends = format(lo) === format(hi) ? [lo] : [lo, hi];
  return { ...best!, lo, hi, ticks: ends };
}

/** An arrow head at a clipped end: the interval goes on past the axis. */
function clipMark(x: string, direction: 'left' | 'right', color: string): SVGElement {
  const d = direction === 'right' ? 'M -7 -5 L 0 0 L -7 5' : 'M 7 -5 L 0 0 L 7 5';
  return svg('svg', { x, y: 14, overflow: 'visible', class: 'eb-clip-mark' },
    svg('path', { d, fill: 'none', stroke: color, 'stroke-width': 1.8 }));
}

function errorBar(row: Row, scale: { lo: number; hi: number }, format: (x: number) => string, possible: PossibleRange): SVGElement {
  const { lo, hi } = scale;
  const at = (x: number) => `${(((Math.min(hi, Math.max(lo, x)) - lo) / (hi - lo)) * 100).toFixed(3)}%`;
  const s = row.stat!;
  const parts: SVGElement[] = [svg('line', { x1: '0%', x2: '100%', y1: 14, y2: 14, class: 'eb-track' })];
  let clipped = '';
  if (s.ci95) {
    const ci = clipInterval(s.ci95[0], s.ci95[1], possible);
    parts.push(svg('line', { x1: at(ci.low), x2: at(ci.high), y1: 14, y2: 14, class: 'eb-ci', stroke: row.color }));
    if (ci.clippedLow) parts.push(clipMark(at(ci.low), 'left', row.color));
    else parts.push(svg('line', { x1: at(ci.low), x2: at(ci.low), y1: 8, y2: 20, class: 'eb-ci', stroke: row.color }));
    if (ci.clippedHigh) parts.push(clipMark(at(ci.high), 'right', row.color));
    else parts.push(svg('line', { x1: at(ci.high), x2: at(ci.high), y1: 8, y2: 20, class: 'eb-ci', stroke: row.color }));
    clipped = [ci.clippedLow ? `drawn from ${format(ci.low)}` : '', ci.clippedHigh ? `drawn to ${format(ci.high)}` : ''].filter(Boolean).join(' and ');
  }
  if (s.std !== null) {
    const band = clipInterval(s.mean - s.std, s.mean + s.std, possible);
    parts.push(svg('line', { x1: at(band.low), x2: at(band.high), y1: 14, y2: 14, class: 'eb-std', stroke: row.color }));
  }
  for (const x of row.seeds) parts.push(svg('circle', { cx: at(x), cy: 14, r: 2.6, class: 'eb-seed', stroke: row.color }));
  parts.push(svg('circle', { cx: at(s.mean), cy: 14, r: 4.5, class: 'eb-mean', fill: row.color }));
  const label = `${row.label}: mean ${format(s.mean)}${s.std !== null ? `, std ${format(s.std)}` : ''}${s.ci95 ? `, 95 % interval ${format(s.ci95[0])} to ${format(s.ci95[1])}${clipped ? ` (${clipped}, the limit of what it can be)` : ''}` : ''}, ${seedsText(s.n)}`;
  return svg('svg', { class: `eb-bar${clipped ? ' clipped' : ''}`, width: '100%', height: 28, role: 'img', 'aria-label': label, 'data-clipped': clipped ? 'true' : 'false' }, svg('title', {}), ...parts);
}

function figureCard(figure: Figure, group: StudyGroup): HTMLElement {
  const scale = scaleOf(figure.rows, figure.possible, figure.format);
  let anyClipped = false;
  const rows = figure.rows.map((row) => {
    const s = row.stat;
    if (!s) {
      return h('div', { class: 'eb-row missing', testid: 'study-row', 'data-method': row.key },
        h('span', { class: 'eb-name' }, row.label),
        h('div', { class: 'eb-missing', testid: 'study-missing' }, h('strong', {}, 'no mean'), ...(row.missing ?? []).map((m) => h('div', { class: 'small' }, m))),
        h('span', {}));
    }
    const bar = errorBar(row, scale, figure.format, figure.possible);
    bar.querySelector('title')!.textContent = bar.getAttribute('aria-label');
    anyClipped ||= bar.getAttribute('data-clipped') === 'true';
    return h('div', { class: 'eb-row', testid: 'study-row', 'data-method': row.key },
      h('span', { class: 'eb-name' }, row.label),
      h('div', { class: 'eb-plot' }, bar),
      h('div', { class: 'eb-figure' },
        h('span', { class: 'eb-value', testid: 'study-value' }, s.std !== null ? joinUnit(figure.format(s.mean), ' ± ', figure.format(s.std)) : figure.format(s.mean)),
        h('span', { class: 'small muted eb-ci-text' }, s.ci95 ? `95 % CI ${range(figure.format(s.ci95[0]), figure.format(s.ci95[1]))}` : 'no spread with one seed'),
        h('span', { class: 'small eb-n', testid: 'study-n' }, figure.nounOf(row, group))));
  });
  const { lo, hi, ticks } = scale;
  const tickLabels = ticks.map((t) => {
    const tick = h('span', { class: 'eb-tick' }, figure.format(t));
    tick.style.left = `${(((t - lo) / (hi - lo)) * 100).toFixed(3)}%`;
    return tick;
  });
  const limits = [figure.possible.min !== undefined && lo <= figure.possible.min + 1e-9 ? `${figure.format(figure.possible.min)}` : null,
    figure.possible.max !== undefined && hi >= figure.possible.max - 1e-9 ? `${figure.format(figure.possible.max)}` : null].filter(Boolean);
  return h('section', { class: 'study-figure', testid: 'study-figure', 'data-figure': figure.id, 'data-axis-min': lo, 'data-axis-max': hi, 'data-clipped': anyClipped ? 'true' : 'false' },
    h('div', { class: 'study-figure-head' }, h('h5', {}, figure.title),
      ...figure.kinds.map((k) => h('span', { class: `badge kind ${k.kind}`, title: k.text, testid: 'study-kind' }, k.text))),
    ...rows,
    h('div', { class: 'eb-row eb-axis', 'aria-hidden': 'true' }, h('span', {}),
      h('div', { class: 'eb-axis-ticks small muted' }, tickLabels), h('span', {})),
    h('p', { class: 'small muted study-figure-note' }, figure.note),
    anyClipped
      ? h('p', { class: 'small study-clip-note', testid: 'study-clip-note' },
        `An arrow marks an interval clipped at ${limits.join(' and ') || 'the axis'}, the limit of what this figure can be; with few seeds the 95 % interval reaches past it. The numbers give it as computed.`)
      : null);
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
      id: 'accuracy', title: 'Test accuracy', kinds: [{ kind: 'measured', text: 'measured (test set)' }], format: pct, possible: POSSIBLE.accuracy,
      note: 'Top-1 accuracy on the held-out test images, one figure per seed.',
      rows: methods.map((m, i) => rowOf(m, i, (g) => g.accuracy, (p) => p.methods[m]?.accuracy)), nounOf: perMethodSeeds,
    },
    {
      id: 'energy', title: 'Training energy',
      kinds: energyKinds.length ? energyKinds.map((kind) => ({ kind, text: kind })) : [{ kind: '', text: 'not recorded' }],
      format: (x) => formatJoules(x), possible: POSSIBLE.energy,
      note: `${energyLabels.length ? `${energyLabels.join('; ')}. ` : ''}Each method's energy summed over its phases (EB Train = search + surgery + retrain). A seed without a complete energy figure is named and the mean is not given.`,
      rows: methods.map((m, i) => rowOf(m, i, (g) => g.energy, (p) => p.methods[m]?.joules, group.methods[m]!.energyMissing)), nounOf: perMethodSeeds,
    },
    {
      id: 'compute', title: 'Training compute', kinds: [{ kind: 'estimated', text: 'estimated (FLOP count)' }], possible: POSSIBLE.compute, format: flopsIn(Math.max(0, ...methods.map((m) => group.methods[m]!.compute.max))),
      note: '3 × forward FLOPs per image × training images × epochs, each epoch at the FLOPs of the network trained in it.',
      rows: methods.map((m, i) => rowOf(m, i, (g) => g.compute, (p) => p.methods[m]?.compute)), nounOf: perMethodSeeds,
    },
    {
      id: 'ticket', title: 'Early-Bird ticket epoch', kinds: [{ kind: 'measured', text: `observed, of ${group.plannedEpochs ?? '?'} planned` }],
      format: (x) => x.toFixed(1), possible: possibleEpochs(group.plannedEpochs),
      note: 'Epoch (from 1) at which the mask stopped changing by more than ε; only seeds that found a ticket count.',
      rows: [{
        key: 'ticket', label: 'EB ticket', color: methodColor('ebTrain'), stat: group.ticketEpoch, seeds: seedValues((p) => p.ticketEpoch),
        missing: group.ticketEpoch ? undefined : [`no seed found a ticket (${group.n} finished)`],
      }],
      nounOf: () => `${seedsText(group.found)}${group.found < group.n ? ` (ticket found in ${group.found} of ${group.n})` : ''}`,
    },
  ];
  const references = referencesIn(group.savings);
  if (references.length) {
    figures.splice(2, 0, {
      id: 'saving', title: 'Energy saved by EB Train', kinds: savingKinds(group),
      format: (x) => `${x.toFixed(1)} %`, possible: POSSIBLE.savingPercent,
      note: `(E(reference) − E(EB Train)) / E(reference), per seed, then averaged: the CLI's and the study PDF's figure. Below 0 %: EB Train used more.`,
      rows: references.map((r) => ({
        key: `saving-${r}`, label: `vs ${methodLabel(r)}`, color: methodColor(r), stat: group.savings[r]!,
        seeds: seedValues((p) => p.savings[r]),
      })),
      nounOf: perMethodSeeds,
    });
  }
  return figures;
}

/** A saving is as good as the weaker of its two figures: the kinds of EB Train's and the references' energy. */
function savingKinds(group: StudyGroup): { kind: string; text: string }[] {
  const kinds = new Set([...(group.methods.ebTrain?.energyKinds ?? []), ...referencesIn(group.savings).flatMap((r) => group.methods[r]?.energyKinds ?? [])]);
  const kind = kinds.has('projected') ? 'projected' : kinds.has('estimated') ? 'estimated' : kinds.has('measured') ? 'measured' : '';
  return [{ kind, text: kind || 'kind not recorded' }];
}

/** A setting's saving against one reference, in the words the CLI and the study PDF use. */
export function savingText(stat: Stat): string {
  return statText(stat, (x) => formatPercent(x), { ci: true });
}

/** Per setting, EB Train's energy saving against each reference with its interval: the figures' headline at a glance. */
function savingsTable(study: Study): HTMLElement | null {
  const references = [...new Set(study.groups.flatMap((g) => referencesIn(g.savings)))];
  if (references.length === 0) return null;
  return h('div', { class: 'table-scroll' }, h('table', { class: 'study-savings-table', testid: 'study-savings' },
    h('caption', { class: 'small muted' }, 'Energy saved by EB Train per setting: mean ± std over the seeds, 95 % confidence interval of the mean (Student\'s t), n seeds.'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Setting'), ...references.map((r) => h('th', { scope: 'col' }, `Saved vs ${methodLabel(r)}`)))),
    h('tbody', {}, study.groups.filter((g) => g.n > 0).map((g) => h('tr', { testid: 'study-saving-row', 'data-group': g.label },
      h('th', { scope: 'row' }, g.label === 'base config' ? 'All seeds' : g.label),
      ...references.map((r) => h('td', { class: 'num', testid: 'study-saving', 'data-reference': r }, g.savings[r] ? savingText(g.savings[r]!) : '—')))))));
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
    savingsTable(study),
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
