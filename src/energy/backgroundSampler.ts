/**
 * The main thread's handle on the sampling thread (samplerThread.ts): the same listeners as
 * PowerSampler, fed by messages. Starting resolves once the thread has opened its sources; stopping
 * takes the final sample there and resolves with the sampler's own cost.
 */
import { Worker } from 'node:worker_threads';
import type { PowerSourceSettings, SkippedSource } from './detect.ts';
import type { SamplerOptions, SourceFailure } from './sampler.ts';
import type { PowerReading, SourceKind } from './types.ts';

export const SAMPLER_WORKER_ENTRY = new URL('./samplerWorker.mjs', import.meta.url);

export interface SourceInfo {
  name: string;
  kind: SourceKind;
  description: string;
  formula?: string;
  label?: string;
  /** `activity`: reads CPU time, not power. */
  view?: 'activity';
}

export type SamplerThreadMessage =
  | { type: 'sources'; sources: SourceInfo[]; skipped: SkippedSource[] }
  | { type: 'readings'; readings: PowerReading[] }
  | { type: 'failure'; failure: SourceFailure; remaining: string[] }
  | { type: 'sampled'; id: number }
  | { type: 'stopped'; overheadPercent: number }
  | { type: 'fatal'; reason: string };

export type SamplerThreadCommand = { type: 'sample'; id: number } | { type: 'stop' };

export class BackgroundSampler {
  private readonly readingsListeners = new Set<(readings: PowerReading[]) => void>();
  private readonly failureListeners = new Set<(failure: SourceFailure, remaining: string[]) => void>();
  private readonly pendingSamples = new Map<number, () => void>();
  private nextId = 0;
  private stopped: Promise<number> | null = null;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    readonly sources: SourceInfo[],
    readonly skipped: SkippedSource[],
  ) {}

  /** Starts the thread, which detects the sources and starts sampling at once. */
  static start(settings: PowerSourceSettings, options: SamplerOptions = {}): Promise<BackgroundSampler> {
    const worker = new Worker(SAMPLER_WORKER_ENTRY, { workerData: { settings, options } });
    // A forgotten stop() must not keep the process alive; stop() holds it while it waits.
    worker.unref();
    return new Promise((resolve, reject) => {
      let sampler: BackgroundSampler | null = null;
      worker.on('message', (message: SamplerThreadMessage) => {
        if (message.type === 'sources') {
          sampler = new BackgroundSampler(worker, message.sources, message.skipped);
          resolve(sampler);
        } else if (message.type === 'fatal') reject(new Error(message.reason));
        else sampler?.receive(message);
      });
      worker.on('error', (error) => {
        if (!sampler) reject(error);
        else sampler.threadEnded(`sampling thread failed: ${error.message}`);
      });
      worker.on('exit', (code) => {
        if (!sampler) reject(new Error(`sampling thread exited (code ${code}) before opening its sources`));
        else sampler.threadEnded(`sampling thread exited (code ${code})`);
      });
    });
  }

  onReadings(listener: (readings: PowerReading[]) => void): void {
    this.readingsListeners.add(listener);
  }

  /** `remaining`: the power sources still read after this failure (empty: nothing is measured now). */
  onSourceFailure(listener: (failure: SourceFailure, remaining: string[]) => void): void {
    this.failureListeners.add(listener);
  }

  /** One extra sample now; resolves once its readings have reached the listeners. */
  sampleNow(): Promise<void> {
    if (this.exited || this.stopped) return Promise.resolve();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pendingSamples.set(id, resolve);
      this.worker.postMessage({ type: 'sample', id } satisfies SamplerThreadCommand);
    });
  }

  /** Final sample, sources closed, thread ended; resolves with the sampler's overhead (% of one core). */
  stop(): Promise<number> {
    this.stopped ??= this.exited
      ? Promise.resolve(0)
      : new Promise<number>((resolve) => {
          this.onStopped = resolve;
          this.worker.ref();
          this.worker.postMessage({ type: 'stop' } satisfies SamplerThreadCommand);
        });
    return this.stopped;
  }

  private onStopped: ((overheadPercent: number) => void) | null = null;

  private receive(message: SamplerThreadMessage): void {
    if (message.type === 'readings') for (const l of this.readingsListeners) l(message.readings);
    else if (message.type === 'failure') for (const l of this.failureListeners) l(message.failure, message.remaining);
    else if (message.type === 'sampled') {
      this.pendingSamples.get(message.id)?.();
      this.pendingSamples.delete(message.id);
    } else if (message.type === 'stopped') {
      this.exited = true;
      this.onStopped?.(message.overheadPercent);
    }
  }

  /** The thread is gone without being asked to stop: every source it read is lost. */
  private threadEnded(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    for (const resolve of this.pendingSamples.values()) resolve();
    this.pendingSamples.clear();
    this.onStopped?.(0);
    const failure: SourceFailure = { source: this.sources.map((s) => s.name).join(' + ') || 'sampler', reason, timeMs: Date.now() };
    for (const l of this.failureListeners) l(failure, []);
  }
}
