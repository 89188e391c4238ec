/**
 * One line of facts about a run: data, model, backend, the ticket and the slim network, whose
 * measured speed-ups (training step and inference, dense time / slim time) are the PDF's figures,
 * from the same summary field (or the surgery's event while the run goes on).
 */
import { settledSummary, type RunRecord } from '../state/runRecords.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { formatAccuracy, formatCount } from '../ui/format.ts';
import { methodLabel } from '../../../src/core/methods.ts';

/** A measured speed-up (dense time / slim time) in words that say which way it went: "0.89× inference (slower)". */
export function speedupText(ratio: number | null | undefined, what: string): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return `${what} speed-up not measured`;
  const text = `${ratio.toFixed(2)}× ${what}`;
  return ratio < 0.995 ? `${text} (slower)` : ratio > 1.005 ? `${text} (faster)` : `${text} (same speed)`;
}

export function createRunFacts(): { element: HTMLElement; update(record: RunRecord): void } {
  const element = h('dl', { class: 'facts', testid: 'run-facts' });
  let last = '';
  return {
    element,
    update(record) {
      const { view, config } = record;
      const summary = settledSummary(record);
      const facts: [string, string][] = [];
      const data = summary?.data ?? view.data;
      // A summary written before the data loaded names the spec with source "not loaded" and no counts.
      if (data) facts.push(['data', data.source === 'not loaded' ? `${data.name} (not loaded)` : `${data.name} (${data.train} train / ${data.test} test)`]);
      const model = config?.model?.name ?? summary?.model.name;
      if (model) facts.push(['model', `${model}${view.models.dense ? ` · ${formatCount(view.models.dense.params)} params` : ''}`]);
      if (view.models.ebTrain) facts.push(['ticket', `${formatCount(view.models.ebTrain.params)} params · ${formatCount(view.models.ebTrain.flops)}FLOP/img`]);
      const eb = summary?.earlyBird;
      if (view.earlyBird) facts.push(['Early-Bird', `epoch ${view.earlyBird.epoch + 1} of ${view.earlyBird.plannedEpochs} (p = ${view.earlyBird.ratio})`]);
      // A run stopped before its first search epoch never looked for the ticket.
      else if (eb && !eb.found) facts.push(['Early-Bird', record.view.status === 'completed' || (view.epochsLogged.search?.count ?? 0) > 0 ? 'not found' : 'not searched']);
      const slim = summary?.slim ?? view.slim;
      if (slim) facts.push(['slim', `${slim.flopReduction.toFixed(2)}× fewer FLOPs · ${speedupText(slim.speedup.train, 'training step')} · ${speedupText(slim.speedup.inference, 'inference')}`]);
      if (summary?.methods) {
        const acc = Object.entries(summary.methods).map(([m, r]) => `${methodLabel(m)} ${formatAccuracy(r?.testAccuracy)}`).join(' · ');
        if (acc) facts.push(['test accuracy', acc]);
      }
      if (view.backend) facts.push(['backend', view.backend]);
      const key = JSON.stringify(facts);
      if (key === last) return;
      last = key;
      replaceChildren(element, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
    },
  };
}
