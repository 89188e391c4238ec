/**
 * Ctrl+C or SIGTERM during a run: the run is asked to stop after its current batch (it records
 * itself cancelled and can be resumed). If it has not stopped within the grace period — a batch of
 * a large network on busy cores can take minutes — or a second signal comes, the process exits at
 * once; the run folder then reads as interrupted and resumes from its last finished epoch.
 */
export const CANCEL_GRACE_ENV = 'EARLYBIRD_CANCEL_GRACE_MS';
export const DEFAULT_CANCEL_GRACE_MS = 30_000;

function graceMs(): number {
  const text = process.env[CANCEL_GRACE_ENV];
  const value = text === undefined ? NaN : Number(text);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_CANCEL_GRACE_MS;
}

/** Installs the handlers; returns the function that removes them. */
export function cancelOnSignal(controller: AbortController, log: (line: string) => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  const exitNow = (why: string) => {
    log(`${why}; stopping now (resume later with earlybird run --resume <runDir>)`);
    process.exit(130);
  };
  const onSignal = () => {
    if (controller.signal.aborted) return exitNow('second signal');
    const grace = graceMs();
    log(`\ncancelling after this batch (at most ${Math.round(grace / 1000)} s; a second Ctrl+C stops at once)… resume later with earlybird run --resume <runDir>`);
    controller.abort();
    timer = setTimeout(() => exitNow(`the batch did not end within ${Math.round(grace / 1000)} s`), grace);
    timer.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
