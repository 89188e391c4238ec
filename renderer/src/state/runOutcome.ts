/** How a run that is over ended, in the terms its actions and its Live view depend on. */
import type { RunRecord } from './runRecords.ts';
import { overBeforeFirstEpoch, resumeRepeatsFailure } from '../../../src/core/status.ts';
import { epochsFinished } from '../../../src/core/project.ts';

/** The run failed or was cancelled before a single epoch finished: nothing to chart or report. */
export function endedBeforeFirstEpoch(record: RunRecord): boolean {
  return !record.active && overBeforeFirstEpoch(record.view.status, epochsFinished(record.view));
}

/** The run failed in a way a resume would repeat: its data or its settings (the run-end's failure kind). */
export function resumeWouldRepeat(record: RunRecord): boolean {
  return resumeRepeatsFailure(record.view.status, record.view.lastRunEnd?.failure);
}
