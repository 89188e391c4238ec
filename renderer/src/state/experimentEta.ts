/**
 * Time left for the whole experiment, projected: the running phase's own ETA (from its batch
 * times), plus, for every phase still to come, its planned epochs times a measured epoch time —
 * the search's mean epoch for the dense-sized network (dense, lottery ticket), the retrain's for the
 * slim ones (EB re-init, Scratch-E/B, the pipeline's fine-tuning), the search's until the retrain has
 * one; a phase that started and waits for its turn counts its remaining epochs. Planned epochs are the methods table's (src/core/methods.ts), as the runner trains them. Null
 * until an epoch time has been measured. Pure: no DOM.
 */
import { phaseRow, plannedPhases, type PlanFacts } from '../../../src/core/methods.ts';
import type { RunRecord } from './runRecords.ts';

function meanEpochSeconds(record: RunRecord, phase: string): number | null {
  const logs = record.view.epochs[phase] ?? [];
  const seconds = logs.map((l) => l.seconds).filter((s) => Number.isFinite(s) && s > 0);
  return seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : null;
}

/** What the run has shown so far that the epoch plan depends on (the ticket's epoch, the slim network's FLOPs). */
function planFacts(record: RunRecord): PlanFacts {
  const { view } = record;
  const searchDone = view.epochs.search?.length ?? 0;
  return { denseFlops: view.models.dense?.flops ?? null, slimFlops: view.models.ebTrain?.flops ?? null, ebEpoch: view.earlyBird?.epoch ?? searchDone - 1 };
}

/** The phases a run goes through, in order: the config's plan (the methods table), then any other its log shows. */
export function runPhases(record: RunRecord): string[] {
  const phases = plannedPhases(record.config ?? { comparisons: { dense: false } }).map((p) => p.phase);
  for (const p of record.view.phases) if (!phases.includes(p.phase)) phases.push(p.phase);
  return phases;
}

/** The phases still to run after the current one, with how many epochs of which network size. */
function remainingWork(record: RunRecord, phases: readonly string[]): { phase: string; epochs: number; size: 'dense' | 'slim' }[] {
  const started = new Set(record.view.phases.map((p) => p.phase));
  const plan = plannedPhases(record.config ?? { comparisons: { dense: false } }, planFacts(record));
  return plan
    .filter((p) => phases.includes(p.phase) && !started.has(p.phase) && p.network !== null)
    .map((p) => ({ phase: p.phase, epochs: p.epochs, size: p.network === 'dense' ? 'dense' : 'slim' }));
}

export function experimentEtaSeconds(record: RunRecord, phases: readonly string[]): number | null {
  const { view } = record;
  if (view.status !== 'running') return null;
  const dense = meanEpochSeconds(record, 'search');
  const slim = meanEpochSeconds(record, 'retrain') ?? dense;
  if (dense === null) return null;
  let seconds = view.progress?.etaSeconds ?? 0;
  // Every running phase but the one whose progress ETA is counted — the current one before it has an
  // ETA, and the one waiting for its turn (EB Train and the dense baseline train in turns): its
  // remaining epochs at the measured rate.
  for (const running of view.phases) {
    if (running.status !== 'running' || (running.phase === view.progress?.phase && view.progress.etaSeconds != null)) continue;
    const done = view.epochs[running.phase]?.length ?? 0;
    const size = phaseRow(running.phase)?.network === 'dense' ? dense : slim!;
    seconds += Math.max(0, running.endEpoch - running.startEpoch - done) * size;
  }
  for (const w of remainingWork(record, phases)) seconds += w.epochs * (w.size === 'dense' ? dense : slim!);
  return seconds;
}
