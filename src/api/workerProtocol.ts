/**
 * Messages between the app (Electron main or the browser server) and an experiment worker
 * process. The app creates the run folder (so it knows the run id at once) and the worker runs
 * it — a fresh folder starts, a folder with history resumes.
 */
import type { RunEvent } from '../core/events.ts';

export type ToWorker = { type: 'run'; runDir: string } | { type: 'cancel' };

export type FromWorker =
  | { type: 'event'; event: RunEvent }
  | { type: 'done'; status: string }
  | { type: 'error'; message: string };
