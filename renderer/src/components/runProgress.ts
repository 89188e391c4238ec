/** The running phase with its progress bar, epoch, batch and ETA, and the phases of the run as steps. */
import type { RunRecord } from '../state/runRecords.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { formatDuration } from '../ui/format.ts';
import { phaseLabel, phaseShortLabel } from '../../../src/core/methods.ts';
import { statusLabel } from '../../../src/core/status.ts';
import { experimentEtaSeconds, runPhases } from '../state/experimentEta.ts';
import { endedBeforeFirstEpoch } from '../state/runOutcome.ts';

/** How a failed or cancelled run ended, when it ended before its first epoch; '' otherwise. */
function endedEarlyLabel(record: RunRecord): string {
  if (!endedBeforeFirstEpoch(record)) return '';
  const how = record.view.status === 'failed' ? 'failed' : 'cancelled';
  // No phase started: it stopped while loading the data and building the model.
  return record.view.phases.length === 0 ? `${how} while preparing, before training began` : `${how} before its first epoch finished`;
}

/** The phases a run goes through, in order (the methods table's plan for its config). */
export const plannedPhases = runPhases;

export function createRunProgress(): { element: HTMLElement; update(record: RunRecord): void } {
  const status = h('span', { class: 'status', testid: 'run-status' }, '');
  const label = h('span', { class: 'progress-label', testid: 'progress-label' }, '');
  const fill = h('div', { class: 'progress-fill' });
  const bar = h('div', { class: 'progress-track', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, 'aria-label': 'Phase progress', testid: 'progress-bar' }, fill);
  const eta = h('span', { class: 'eta', testid: 'progress-eta' }, '');
  const totalEta = h('span', { class: 'eta total-eta', testid: 'experiment-eta', title: 'Projected: the running phase\'s ETA plus the planned epochs of the phases still to come times the epoch times measured so far (search for the full network, retrain for the slim one).' }, '');
  const steps = h('ol', { class: 'steps', 'aria-label': 'Phases' });
  const error = h('p', { class: 'run-error', role: 'alert', hidden: true }, '');
  const element = h('div', { class: 'run-progress', testid: 'progress' },
    h('div', { class: 'progress-head' }, status, label, eta, totalEta), bar, steps, error);
  let lastSteps = '';

  return {
    element,
    update(record) {
      const { view } = record;
      setText(status, statusLabel(view.status));
      status.className = `status ${view.status}`;
      element.dataset.status = view.status;
      const p = view.progress;
      const phase = p ? view.phases.find((x) => x.phase === p.phase) : view.phases.find((x) => x.phase === view.currentPhase);
      let fraction = p?.fraction ?? (view.status === 'completed' ? 1 : 0);
      if (!p && phase && view.status === 'running') {
        const done = view.epochs[phase.phase]?.length ?? 0;
        fraction = Math.min(1, done / Math.max(1, phase.endEpoch - phase.startEpoch));
      }
      fill.style.width = `${(fraction * 100).toFixed(1)}%`;
      bar.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
      element.dataset.fraction = fraction.toFixed(3);
      if (view.status === 'running' && (p || phase)) {
        const name = phaseLabel(p?.phase ?? phase!.phase);
        const epoch = p ? `epoch ${p.epoch + 1} / ${phase?.endEpoch ?? '?'}` : '';
        const batch = p ? `batch ${p.batch + 1} / ${p.batches}` : '';
        setText(label, [name, epoch, batch].filter(Boolean).join(' · '));
        setText(eta, p?.etaSeconds !== null && p?.etaSeconds !== undefined ? `ETA ${formatDuration(p.etaSeconds)} (phase)` : '');
      } else {
        setText(label, view.status === 'pending' ? (view.phases.length ? 'resuming from the last finished epoch…' : 'starting the worker…') : view.status === 'completed' ? 'all phases done' : view.status === 'running' ? 'preparing…' : endedEarlyLabel(record));
        setText(eta, '');
      }
      const whole = experimentEtaSeconds(record, plannedPhases(record));
      setText(totalEta, whole !== null ? `about ${formatDuration(whole)} left in all (projected)` : '');
      error.hidden = !view.error;
      setText(error, view.error ?? '');

      const planned = plannedPhases(record);
      const stepData = planned.map((name) => {
        const info = view.phases.find((x) => x.phase === name);
        const state = !info ? 'todo' : info.status === 'running' && view.status === 'running' ? 'running' : info.status === 'running' ? 'cancelled' : info.status;
        return [name, state] as const;
      });
      const key = JSON.stringify(stepData);
      if (key !== lastSteps) {
        lastSteps = key;
        replaceChildren(steps, stepData.map(([name, state]) => h('li', { class: `step ${state}`, 'data-phase': name, 'data-state': state, title: `${phaseLabel(name)}: ${state}` },
          h('span', { class: 'dot', 'aria-hidden': 'true' }), phaseShortLabel(name), h('span', { class: 'visually-hidden' }, ` (${state})`))));
      }
    },
  };
}
