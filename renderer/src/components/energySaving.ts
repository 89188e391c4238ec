/**
 * Dense vs EB Train energy in big numbers, with two bars to compare them and the basis of each
 * figure spelled out: the finished run's summary, or a live estimate while it runs.
 */
import { compareEnergy } from '../state/energyComparison.ts';
import { methodColor, methodLabel, phaseLabel } from '../../../src/core/methods.ts';
import { settledSummary, type RunRecord } from '../state/runRecords.ts';
import { plannedEpochs } from '../charts/epochRange.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { likeForLikeLine, percentInterval } from '../../../src/energy/savingWords.ts';
import { formatAccuracy, formatGrams, formatJoules, formatPercent, formatWattHours } from '../ui/format.ts';

export interface EnergySaving {
  element: HTMLElement;
  update(record: RunRecord): void;
}

function figure(label: string, testId: string) {
  const value = h('span', { class: 'big-value', testid: `${testId}-value` }, '—');
  const detail = h('span', { class: 'big-detail' }, '');
  const kind = h('span', { class: 'badge' }, '');
  const element = h('div', { class: 'big-figure', testid: testId }, h('span', { class: 'big-label' }, label, ' ', kind), value, detail);
  return { element, value, detail, kind };
}

/** A method's bar, in its colour and with its short name from the methods table. */
function bar(method: 'dense' | 'ebTrain', className: string) {
  const label = methodLabel(method);
  const fill = h('div', { class: `bar-fill ${className}` });
  fill.style.background = methodColor(method);
  const text = h('span', { class: 'bar-value' }, '');
  const element = h('div', { class: 'bar-row' }, h('span', { class: 'bar-label' }, label), h('div', { class: 'bar-track' }, fill), text);
  return { element, fill, text };
}

export function createEnergySaving(): EnergySaving {
  const dense = figure(methodLabel('dense'), 'energy-dense');
  const eb = figure(methodLabel('ebTrain'), 'energy-eb');
  const saved = figure('Saved', 'energy-saved');
  const denseBar = bar('dense', 'dense');
  const ebBar = bar('ebTrain', 'eb');
  const basis = h('p', { class: 'basis', testid: 'energy-basis' }, '');
  const model = h('p', { class: 'basis energy-model', testid: 'energy-model' }, '');
  const compute = h('p', { class: 'basis energy-compute', testid: 'energy-compute' }, '');
  const warnings = h('p', { class: 'basis energy-warnings negative', testid: 'energy-warnings', hidden: true }, '');
  const checks = h('p', { class: 'basis energy-checks', testid: 'energy-checks' }, '');
  const element = h('section', { class: 'card energy-saving', testid: 'energy-comparison', 'data-basis': 'live' },
    h('div', { class: 'card-head' }, h('h3', {}, 'Energy: dense vs Early-Bird'), h('span', { class: 'badge basis-badge' }, '')),
    h('div', { class: 'big-figures' }, dense.element, eb.element, saved.element),
    warnings,
    h('div', { class: 'bars', 'aria-hidden': 'true' }, denseBar.element, ebBar.element),
    basis, model, compute, checks,
  );
  const basisBadge = element.querySelector('.basis-badge')!;

  return {
    element,
    update(record) {
      const summary = settledSummary(record);
      const c = compareEnergy(record.view, summary, plannedEpochs(record));
      element.dataset.basis = c.basis;
      const running = record.view.status === 'running' || record.view.status === 'pending';
      setText(basisBadge, c.basis === 'summary'
        ? (summary?.status === 'completed' ? 'final (run summary)' : `run summary (${summary?.status ?? '?'})`)
        : running ? 'live estimate' : 'estimate from events');
      basisBadge.className = `badge basis-badge ${c.basis}`;

      setText(dense.value, formatJoules(c.denseJoules));
      setText(dense.kind, c.denseKind ?? '');
      dense.kind.className = `badge kind ${c.denseKind ?? ''}`;
      setText(dense.detail, c.denseJoules === null ? 'not yet known'
        : c.denseInterval ? `95 % ${formatJoules(c.denseInterval.low)}–${formatJoules(c.denseInterval.high)} · ${formatWattHours(c.denseJoules)}`
        : `${formatWattHours(c.denseJoules)} · acc. ${formatAccuracy(c.accuracy.dense)}`);

      setText(eb.value, formatJoules(c.ebJoules));
      setText(eb.kind, c.ebKind ?? '');
      eb.kind.className = `badge kind ${c.ebKind ?? ''}`;
      const soFar = c.basis === 'live' && running;
      setText(eb.detail, c.ebJoules === null ? 'not yet known' : soFar ? `${formatWattHours(c.ebJoules)} · so far` : `${formatWattHours(c.ebJoules)} · acc. ${formatAccuracy(c.accuracy.ebTrain)}`);

      // The interval in smaller type beside the figure: at 800 px it would otherwise fill the card.
      const range = c.savedPercent !== null && c.interval ? ` (${percentInterval(c.interval.percent.low, c.interval.percent.high, formatPercent)})` : '';
      const shown = c.savedPercent === null ? '—' : formatPercent(c.savedPercent);
      if (saved.value.textContent !== shown + range) replaceChildren(saved.value, shown, range ? h('span', { class: 'big-range' }, range) : null);
      saved.element.classList.toggle('negative', !c.neutral && (c.savedPercent ?? 0) < 0);
      saved.element.classList.toggle('neutral', c.neutral || (c.interval !== null && !c.interval.clear));
      setText(saved.kind, c.savedKind ?? '');
      saved.kind.className = `badge kind ${c.savedKind ?? ''}`;
      const parts = [
        c.headline,
        c.savedCo2eGrams === null ? null : `${formatGrams(Math.abs(c.savedCo2eGrams))} CO2e ${c.savedCo2eGrams >= 0 ? 'avoided' : 'more emitted'}`,
      ].filter(Boolean);
      setText(saved.detail, c.savedReason ?? `${c.basis === 'live' ? 'projected: ' : ''}${parts.join(' · ')}`);
      setText(warnings, c.warnings.join(' · '));
      warnings.hidden = c.warnings.length === 0;
      setText(checks, [c.interval ? `95 % interval: ${c.interval.basis}.` : '', c.likeForLike ? `${likeForLikeLine(c.likeForLike, phaseLabel)}.` : ''].filter(Boolean).join(' '));
      if (c.basis === 'live' && c.ebSoFarJoules !== null && c.ebKind === 'projected') {
        setText(eb.detail, `${formatJoules(c.ebSoFarJoules)} so far · whole run projected`);
      }

      const max = Math.max(c.denseJoules ?? 0, c.ebJoules ?? 0, 1e-9);
      denseBar.fill.style.width = `${((c.denseJoules ?? 0) / max) * 100}%`;
      ebBar.fill.style.width = `${((c.ebJoules ?? 0) / max) * 100}%`;
      setText(denseBar.text, formatJoules(c.denseJoules));
      setText(ebBar.text, formatJoules(c.ebJoules));
      setText(basis, `Dense: ${c.denseBasis}. EB Train = search + surgery + retrain.${c.basis === 'live' ? ' Live figures change as the run goes on; the summary replaces them when it ends.' : ''}` +
        (c.contended.length ? ` Contended: ${c.contended.join(', ')} — other processes used more than 10 % of the CPU time.` : ''));
      setText(model, c.estimateModel ? `Estimated with the power model ${c.estimateModel}.` : '');
      setText(compute, c.flopRatio !== null ? `Compute saving: EB Train needs ${c.flopRatio.toFixed(2)}× fewer FLOPs than dense${c.agreement ? `; the energy saving ${c.agreement}` : ''}.` : '');
    },
  };
}
