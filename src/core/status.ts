/**
 * The one vocabulary of run statuses: how a run ended (its run-end event and summary.json), how the
 * projection of its log sees it while it goes, and how a list of run folders reads one that never
 * ended. Every status the app, the CLI and the reports show is one of these, with its words here.
 * Pure: no node or DOM imports (the page bundles it).
 */

/** How a run ended: the run-end event's and summary.json's status. */
export type FinalStatus = 'completed' | 'cancelled' | 'failed';
/** A run as the projection of its event log sees it. */
export type LiveStatus = 'pending' | 'running' | FinalStatus;
/**
 * A run folder as a list reads it: how it ended, or `incomplete` (started, never ended: killed or
 * still running elsewhere), `unreadable` (its files cannot be read), `missing` (a sweep point not started).
 */
export type FolderStatus = FinalStatus | 'incomplete' | 'unreadable' | 'missing';
export type AnyStatus = LiveStatus | FolderStatus;

export const STATUS_LABELS: Readonly<Record<AnyStatus, string>> = {
  pending: 'starting', running: 'running', completed: 'completed', cancelled: 'cancelled', failed: 'failed',
  incomplete: 'incomplete', unreadable: 'unreadable', missing: 'not started',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as AnyStatus] ?? status;
}

/** Whether resuming a run would only repeat how it ended: it failed on its data or its settings (the run-end's failure kind). */
export function resumeRepeatsFailure(status: string, failure: string | null | undefined): boolean {
  return status === 'failed' && Boolean(failure);
}

/** Whether a run failed or was cancelled before any epoch finished: it has nothing to chart or report. */
export function overBeforeFirstEpoch(status: string, epochsFinished: number | null | undefined): boolean {
  return (status === 'failed' || status === 'cancelled') && epochsFinished === 0;
}
