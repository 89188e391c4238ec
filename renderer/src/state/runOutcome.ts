/** How a run that is over ended, in the terms its actions and its Live view depend on. */
import type { RunRecord } from './runRecords.ts';

/** Epochs the run finished, over every phase. */
export function epochsFinished(record: RunRecord): number {
  return Object.values(record.view.epochsLogged).reduce((sum, e) => sum + e.count, 0);
}

/** The run failed or was cancelled before a single epoch finished: nothing to chart or report. */
export function endedBeforeFirstEpoch(record: RunRecord): boolean {
  const { status } = record.view;
  return !record.active && (status === 'failed' || status === 'cancelled') && epochsFinished(record) === 0;
}

/** The run failed in a way a resume would repeat: its data or its settings (the run-end's failure kind). */
export function resumeWouldRepeat(record: RunRecord): boolean {
  return record.view.status === 'failed' && Boolean(record.view.lastRunEnd?.failure);
}
