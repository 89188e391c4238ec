/**
 * Runs experiments in worker processes and relays their events. One supervisor per app (Electron
 * main or `earlybird serve`); it never trains itself, so the window or the server stays
 * responsive. Closing the app cancels every worker cleanly (after its current batch); a worker
 * that has not stopped within the grace period is killed with everything it started (its own
 * process group), so a cancel always ends within a bounded time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../core/events.ts';
import { project } from '../core/project.ts';
import type { ActiveRun } from './contract.ts';
import type { FromWorker, ToWorker } from './workerProtocol.ts';

export const WORKER_ENTRY = fileURLToPath(new URL('../../bin/earlybird-worker.mjs', import.meta.url));

interface Worker {
  child: ChildProcess;
  run: ActiveRun;
  done: Promise<void>;
}

export interface SupervisorOptions {
  onEvent(runId: string, event: RunEvent): void;
  /** How to start a worker; default: fork bin/earlybird-worker.mjs with this Node (or Electron as Node). */
  spawnWorker?: () => ChildProcess;
  /** Most experiments running at once (each trains with every core it is given); default 2. */
  maxWorkers?: number;
  /** How long a cancelled worker may take to stop after its batch before its process tree is killed; default 30 s. */
  cancelGraceMs?: number;
}

/** Refused because the cap on concurrent experiments is reached. */
export class TooManyRunsError extends Error {
  override readonly name = 'TooManyRunsError';
}

export const DEFAULT_MAX_WORKERS = 2;
export const DEFAULT_CANCEL_GRACE_MS = 30_000;

/**
 * SIGKILL to the worker and every process it started: the worker leads its own process group
 * (it is forked detached), so the group's id is its pid. Falls back to the worker alone.
 */
function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform !== 'win32') {
      process.kill(-child.pid, 'SIGKILL');
      return;
    }
  } catch {
    // No such group (already gone, or the worker was started another way).
  }
  child.kill('SIGKILL');
}

/** Whether the run's relayed events include its run-end, as the one projection reads them. */
function hasEnded(run: ActiveRun): boolean {
  return project(run.events, run.runId).lastRunEnd !== null;
}

export class ExperimentSupervisor {
  private readonly workers = new Map<string, Worker>();

  constructor(private readonly options: SupervisorOptions) {}

  get maxWorkers(): number {
    return this.options.maxWorkers ?? DEFAULT_MAX_WORKERS;
  }

  /** Throws TooManyRunsError when another experiment would pass the cap. */
  checkCapacity(): void {
    if (this.workers.size >= this.maxWorkers) {
      throw new TooManyRunsError(`${this.workers.size} experiments are running, the most this app runs at once is ${this.maxWorkers}: wait for one to end or cancel one`);
    }
  }

  /** Starts (or resumes) the run in `runDir` in a new worker process. */
  start(runId: string, runDir: string): void {
    if (this.workers.has(runId)) throw new Error(`run ${runId} is already running`);
    this.checkCapacity();
    // Its own process group: a Ctrl+C in the terminal reaches only the app, which then cancels the
    // worker cleanly instead of the signal killing it mid-batch.
    const child = this.options.spawnWorker?.()
      ?? fork(WORKER_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [], detached: process.platform !== 'win32' });
    const run: ActiveRun = { runId, runDir, startedAt: Date.now(), events: [] };
    const done = new Promise<void>((resolve) => {
      child.on('message', (message: FromWorker) => {
        if (message.type === 'event') {
          // Progress events are frequent and only the latest matters to a page opened later.
          if (message.event.type !== 'progress') run.events.push(message.event);
          this.options.onEvent(runId, message.event);
        } else if (message.type === 'error') {
          // The runner logs its own run-end before it fails; only a failure before that gets one here.
          if (!hasEnded(run)) {
            const end: RunEvent = { type: 'run-end', time: Date.now(), status: 'failed', error: message.message };
            run.events.push(end);
            this.options.onEvent(runId, end);
          }
        }
      });
      child.once('exit', (code, signal) => {
        this.workers.delete(runId);
        // Anything the worker started and left running (a meter, a probe) goes with it.
        if (child.pid !== undefined && process.platform !== 'win32') {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // The group is already empty.
          }
        }
        if (!hasEnded(run)) {
          this.options.onEvent(runId, { type: 'run-end', time: Date.now(), status: 'failed', error: `worker exited (${signal ?? `code ${code}`})` });
        }
        resolve();
      });
    });
    this.workers.set(runId, { child, run, done });
    child.send({ type: 'run', runDir } satisfies ToWorker);
  }

  /** Resolves when the run's worker has exited (at once when none runs it). */
  async stopped(runId: string): Promise<void> {
    await this.workers.get(runId)?.done;
  }

  isActive(runId: string): boolean {
    return this.workers.has(runId);
  }

  active(): ActiveRun[] {
    return [...this.workers.values()].map((w) => w.run);
  }

  /**
   * Asks the worker to stop after its current batch; resolves when it has exited. A worker that has
   * not exited after the grace period (stuck in a batch, or ignoring the message) is killed.
   */
  async cancel(runId: string): Promise<boolean> {
    const worker = this.workers.get(runId);
    if (!worker) return false;
    if (worker.child.connected) worker.child.send({ type: 'cancel' } satisfies ToWorker);
    const timer = setTimeout(() => killTree(worker.child), this.options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS);
    await worker.done;
    clearTimeout(timer);
    return true;
  }

  /** Cancels every run and waits for the workers (bounded: a stuck worker is killed). */
  async shutdown(timeoutMs = 15_000): Promise<void> {
    const all = [...this.workers.values()];
    for (const w of all) if (w.child.connected) w.child.send({ type: 'cancel' } satisfies ToWorker);
    const timer = setTimeout(() => all.forEach((w) => killTree(w.child)), timeoutMs);
    await Promise.all(all.map((w) => w.done));
    clearTimeout(timer);
  }
}
