/**
 * Time left for the whole experiment, projected: the running phase's own ETA (from its batch
 * times), plus, for every phase still to come, its planned epochs times a measured epoch time —
 * the search's mean epoch for the dense-sized network (dense, lottery ticket), the retrain's for the
 * slim one (EB re-init, Scratch-E/B), the search's until the retrain has one. Null until an epoch
 * time has been measured. Pure: no DOM.
 */
import { plannedLotteryEpochs } from '../../../src/core/lotteryEpochs.ts';
import type { RunRecord } from './runRecords.ts';

function meanEpochSeconds(record: RunRecord, phase: string): number | null {
  const logs = record.view.epochs[phase] ?? [];
  const seconds = logs.map((l) => l.seconds).filter((s) => Number.isFinite(s) && s > 0);
  return seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : null;
}

/** The phases still to run after the current one, with how many epochs of which network size. */
function remainingWork(record: RunRecord, phases: readonly string[]): { phase: string; epochs: number; size: 'dense' | 'slim' }[] {
  const { view, config } = record;
  const N = config?.training?.epochs ?? 0;
  const started = new Set(view.phases.map((p) => p.phase));
  const searchDone = view.epochs.search?.length ?? 0;
  const ebEpoch = view.earlyBird?.epoch ?? null;
  const lt = config?.comparisons?.lotteryTicket;
  const work: { phase: string; epochs: number; size: 'dense' | 'slim' }[] = [];
  for (const phase of phases) {
    if (started.has(phase)) continue;
    if (phase === 'search') work.push({ phase, epochs: N, size: 'dense' });
    // The retrain finishes the epoch budget from the ticket's epoch on (or from where the search is).
    else if (phase === 'retrain') work.push({ phase, epochs: Math.max(0, N - (ebEpoch !== null ? ebEpoch + 1 : searchDone)), size: 'slim' });
    else if (phase === 'dense') work.push({ phase, epochs: N, size: 'dense' });
    else if (phase === 'lotteryTicket' && lt) work.push({ phase, epochs: plannedLotteryEpochs(lt, N, Boolean(config?.comparisons?.dense)), size: 'dense' });
    else if (phase === 'ebReinit' || phase === 'scratchE' || phase === 'scratchB') work.push({ phase, epochs: N, size: 'slim' });
  }
  return work;
}

export function experimentEtaSeconds(record: RunRecord, phases: readonly string[]): number | null {
  const { view } = record;
  if (view.status !== 'running') return null;
  const dense = meanEpochSeconds(record, 'search');
  const slim = meanEpochSeconds(record, 'retrain') ?? dense;
  if (dense === null) return null;
  let seconds = view.progress?.etaSeconds ?? 0;
  // A running phase without a progress ETA yet: its remaining epochs at the measured rate.
  const current = view.phases.find((p) => p.phase === view.currentPhase && p.status === 'running');
  if (current && view.progress?.etaSeconds == null) {
    const done = view.epochs[current.phase]?.length ?? 0;
    const size = current.phase === 'retrain' || current.phase === 'ebReinit' || current.phase.startsWith('scratch') ? slim! : dense;
    seconds += Math.max(0, current.endEpoch - current.startEpoch - done) * size;
  }
  for (const w of remainingWork(record, phases)) seconds += w.epochs * (w.size === 'dense' ? dense : slim!);
  return seconds;
}
