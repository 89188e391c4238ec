/**
 * Reads every power source once per interval and hands the readings to listeners (the meter).
 *
 * - Reads are asynchronous and never overlap: the next tick is scheduled only after the previous one
 *   settled, and `sampleNow()` queues behind a running tick.
 * - A source that rejects (or hangs past the read timeout while the event loop was free to serve it)
 *   is reported once, closed and dropped; the others go on. Nothing here ever throws into the
 *   training loop.
 * - The sampler measures what it costs: CPU time of its own synchronous work (starting reads,
 *   collecting results, running listeners) against wall time, as a percentage of one core.
 */
import type { PowerReading, PowerSource } from './types.ts';
import { messageOf } from './types.ts';

export const DEFAULT_SAMPLE_INTERVAL_MS = 1000;

export interface SamplerOptions {
  intervalMs?: number;
  /** A read still pending after this long counts as a failure (default max(5 s, 5 intervals)). */
  readTimeoutMs?: number;
  /** Close the sources when the sampler stops (default true: the sampler owns them). */
  closeSourcesOnStop?: boolean;
}

export interface SourceFailure {
  source: string;
  reason: string;
  timeMs: number;
}

export type ReadingsListener = (readings: PowerReading[]) => void;
export type FailureListener = (failure: SourceFailure) => void;

export class PowerSampler {
  readonly intervalMs: number;
  private readonly readTimeoutMs: number;
  private readonly closeSourcesOnStop: boolean;
  private sources: PowerSource[];
  private readonly readingsListeners = new Set<ReadingsListener>();
  private readonly failureListeners = new Set<FailureListener>();
  private readonly failureLog: SourceFailure[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private startedAtMs = 0;
  private stoppedAtMs: number | null = null;
  private ticks = 0;
  private ownCpuMicros = 0;
  private warned = false;

  constructor(sources: readonly PowerSource[], options: SamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
    if (!(this.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${this.intervalMs}`);
    this.readTimeoutMs = options.readTimeoutMs ?? Math.max(5000, 5 * this.intervalMs);
    this.closeSourcesOnStop = options.closeSourcesOnStop ?? true;
    this.sources = [...sources];
  }

  /** Subscribe to each tick's readings; returns the unsubscribe function. */
  onReadings(listener: ReadingsListener): () => void {
    this.readingsListeners.add(listener);
    return () => this.readingsListeners.delete(listener);
  }

  /** Subscribe to sources being dropped; returns the unsubscribe function. */
  onSourceFailure(listener: FailureListener): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  get activeSources(): readonly PowerSource[] {
    return this.sources;
  }

  get failures(): readonly SourceFailure[] {
    return this.failureLog;
  }

  get tickCount(): number {
    return this.ticks;
  }

  /** CPU time of the sampler's own work as a percentage of one core over its running time. */
  get overheadPercent(): number {
    if (this.state === 'idle') return 0;
    const wallMs = (this.stoppedAtMs ?? performance.now()) - this.startedAtMs;
    return wallMs > 0 ? (this.ownCpuMicros / 1000 / wallMs) * 100 : 0;
  }

  /** Takes a first sample at once (the integration baseline), then one per interval. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.startedAtMs = performance.now();
    void this.enqueue().then(() => this.scheduleNext());
  }

  /** One extra sample now (e.g. at a phase boundary), after any read already running. */
  sampleNow(): Promise<PowerReading[]> {
    if (this.state === 'stopped') return Promise.resolve([]);
    return this.enqueue();
  }

  /** Stops the timer, takes the final sample, closes the sources; returns that final sample. */
  async stop(): Promise<PowerReading[]> {
    if (this.state === 'stopped') return [];
    const wasRunning = this.state === 'running';
    if (!wasRunning) this.startedAtMs = performance.now();
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const finalReadings = await this.enqueue();
    this.stoppedAtMs = performance.now();
    if (this.closeSourcesOnStop) await Promise.all(this.sources.map((source) => closeQuietly(source)));
    return finalReadings;
  }

  /** Queues one tick behind the previous one. Never rejects: a bug in a tick must not reach training. */
  private enqueue(): Promise<PowerReading[]> {
    const tick = this.queue.then(() => this.tick()).catch((error: unknown) => {
      this.warnOnce(`energy sampler tick failed: ${messageOf(error)}`);
      return [] as PowerReading[];
    });
    this.queue = tick;
    return tick;
  }

  private scheduleNext(): void {
    if (this.state !== 'running') return;
    // Aligned on the start time, so slow ticks do not make the period drift; missed slots are skipped.
    const elapsed = performance.now() - this.startedAtMs;
    const delay = this.intervalMs - (elapsed % this.intervalMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.enqueue().then(() => this.scheduleNext());
    }, delay);
    this.timer.unref(); // a forgotten stop() must not keep the process alive
  }

  private async tick(): Promise<PowerReading[]> {
    const reading = [...this.sources];
    const pending = this.measured(() => reading.map((source) => this.readWithTimeout(source)));
    const settled = await Promise.allSettled(pending);
    return this.measured(() => {
      this.ticks++;
      const readings: PowerReading[] = [];
      settled.forEach((result, i) => {
        if (result.status === 'fulfilled') readings.push(...result.value);
        else this.drop(reading[i]!, result.reason);
      });
      if (readings.length > 0) this.emit(readings);
      return readings;
    });
  }

  private readWithTimeout(source: PowerSource): Promise<PowerReading[]> {
    let read: Promise<PowerReading[]>;
    try {
      read = Promise.resolve(source.read());
    } catch (error) {
      return Promise.reject(error); // a read() that throws synchronously is a failure like any other
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const arm = () => {
        const due = performance.now() + this.readTimeoutMs;
        timer = setTimeout(() => {
          // A timer that fires late means the event loop was busy (a long synchronous step of the
          // training loop): the read never had its turn, so that is no sensor failure. Wait again.
          if (performance.now() - due > Math.max(50, this.readTimeoutMs / 2)) arm();
          else reject(new Error(`read took longer than ${this.readTimeoutMs} ms`));
        }, this.readTimeoutMs);
        timer.unref();
      };
      arm();
    });
    return Promise.race([read, timeout]).finally(() => clearTimeout(timer));
  }

  private drop(source: PowerSource, error: unknown): void {
    if (!this.sources.includes(source)) return;
    this.sources = this.sources.filter((s) => s !== source);
    const failure: SourceFailure = { source: source.name, reason: messageOf(error), timeMs: Date.now() };
    this.failureLog.push(failure);
    for (const listener of this.failureListeners) {
      try {
        listener(failure);
      } catch (listenerError) {
        this.reportListenerError(listenerError);
      }
    }
    void closeQuietly(source);
  }

  private emit(readings: PowerReading[]): void {
    for (const listener of this.readingsListeners) {
      try {
        listener(readings);
      } catch (error) {
        this.reportListenerError(error);
      }
    }
  }

  private reportListenerError(error: unknown): void {
    this.warnOnce(`energy sampler listener failed: ${messageOf(error)}`);
  }

  /** One process warning per sampler: enough to notice, never a flood in the training log. */
  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    process.emitWarning(`${message} (further problems of the sampler are not reported)`);
  }

  /**
   * Runs synchronous work and charges its CPU time to the sampler. process.cpuUsage() counts every
   * thread of the process, so a window is capped at its own wall time: our work is single-threaded,
   * and whatever other threads (TF.js) did meanwhile is theirs. Thread-pool time of the reads
   * themselves (file reads, NVML calls) and child processes (nvidia-smi) are not included.
   */
  private measured<T>(work: () => T): T {
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    try {
      return work();
    } finally {
      const cpu = process.cpuUsage(cpuBefore);
      const wallMicros = (performance.now() - wallBefore) * 1000;
      this.ownCpuMicros += Math.min(cpu.user + cpu.system, wallMicros);
    }
  }
}

async function closeQuietly(source: PowerSource): Promise<void> {
  try {
    await source.close();
  } catch {
    // Closing is best effort: the readings are what matter.
  }
}
