/**
 * NVIDIA GPUs through `nvidia-smi`, for machines where NVML cannot be loaded from Node (no koffi
 * build, odd library path) but the tool runs. ONE child process runs for the whole measurement in
 * loop mode (`-lms`), and its output stream is parsed as it arrives: starting nvidia-smi per sample
 * would cost ~100 ms of CPU each time and block on the driver.
 *
 * Malformed lines (`[N/A]`, garbage) are counted and skipped. If the child dies, the readings it
 * already produced are still handed out, then `read()` rejects with the reason, and the sampler
 * drops the source; training is never interrupted.
 */
import { parseVisibleDevices } from '../nvml/nvmlSource.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import type { OpenResult, PowerReading, PowerSource } from '../types.ts';
import { parseNvidiaSmiLine, type NvidiaSmiSample } from './parseLine.ts';
import { readingTimes } from './readingTimes.ts';

export const DEFAULT_NVIDIA_SMI = 'nvidia-smi';
const QUERY = ['--query-gpu=timestamp,index,power.draw,utilization.gpu', '--format=csv,noheader,nounits'];
/** Readings kept when nobody reads (hours of samples): a memory bound a running sampler never reaches. */
const MAX_BUFFERED = 10_000;
const STDERR_TAIL_CHARS = 2000;

/** `--id` limits nvidia-smi to the GPUs the training uses (CUDA_VISIBLE_DEVICES: indices or UUIDs). */
export function nvidiaSmiArguments(intervalMs: number, visibleDevices: string | undefined = process.env.CUDA_VISIBLE_DEVICES): string[] {
  const visible = parseVisibleDevices(visibleDevices);
  return [...QUERY, ...(visible && visible.length ? [`--id=${visible.join(',')}`] : []), '-lms', String(Math.max(1, Math.round(intervalMs)))];
}

export class NvidiaSmiPowerSource implements PowerSource {
  readonly name = 'nvidia-smi';
  readonly kind = 'measured' as const;
  private readonly child: ChildProcess;
  private buffered: PowerReading[] = [];
  private partialLine = '';
  private stderrTail = '';
  private failure: string | null = null;
  private closing = false;
  private readOnce = false;
  private readonly lastTimeByGpu = new Map<number, number>();
  private readonly waiters = new Set<() => void>();
  private readonly killOnExit = () => this.child.kill('SIGKILL');
  samples = 0;
  malformedLines = 0;
  lastMalformed: string | null = null;

  constructor(readonly command: string, readonly intervalMs: number) {
    this.child = spawn(command, nvidiaSmiArguments(intervalMs), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.onChunk(chunk, Date.now()));
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    this.child.on('error', (error) => this.fail(`${command} could not run: ${error.message}`));
    // 'close' rather than 'exit': it fires after the pipes drained, so no sample is lost.
    this.child.on('close', (code, signal) => {
      if (this.partialLine) this.onChunk('\n', Date.now()); // a last line printed without newline
      if (this.closing) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const stderr = this.stderrTail.trim();
      this.fail(`${command} ${how} after ${this.samples} samples${stderr ? `: ${stderr}` : ''}`);
    });
    // A forgotten close() must neither keep the process alive nor leave nvidia-smi running after it.
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    process.once('exit', this.killOnExit);
  }

  describe(): string {
    const malformed = this.malformedLines ? `; ${this.malformedLines} malformed lines skipped (last: "${this.lastMalformed}")` : '';
    const state = this.failure ? `; stopped: ${this.failure}` : '';
    return `nvidia-smi (${this.command} ${nvidiaSmiArguments(this.intervalMs).join(' ')}): board power draw, integrated by trapezoid${malformed}${state}`;
  }

  /** Why the child stopped, or null while it runs. */
  get failureReason(): string | null {
    return this.failure;
  }

  async read(): Promise<PowerReading[]> {
    if (!this.readOnce) {
      // Samples printed before measuring started (during detection) only seed the integration.
      this.readOnce = true;
      this.buffered = latestPerDevice(this.buffered);
    }
    if (this.buffered.length > 0) {
      const readings = this.buffered;
      this.buffered = [];
      return readings;
    }
    if (this.failure) throw new Error(this.failure);
    return [];
  }

  /** Resolves once a valid sample arrived, or with the reason the child could not produce one. */
  waitForFirstSample(timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
    return new Promise((resolve) => {
      const settle = () => {
        if (this.samples > 0) finish({ ok: true });
        else if (this.failure) finish({ ok: false, reason: this.failure });
      };
      const timer = setTimeout(() => {
        const malformed = this.malformedLines ? ` (${this.malformedLines} malformed lines, last: "${this.lastMalformed}")` : '';
        finish({ ok: false, reason: `${this.command} printed no valid sample within ${timeoutMs} ms${malformed}` });
      }, timeoutMs);
      const finish = (result: { ok: true } | { ok: false; reason: string }) => {
        clearTimeout(timer);
        this.waiters.delete(settle);
        resolve(result);
      };
      this.waiters.add(settle);
      settle();
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    process.removeListener('exit', this.killOnExit);
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(timer);
  }

  private onChunk(chunk: string, arrivalMs: number): void {
    const lines = (this.partialLine + chunk).split(/\r?\n/);
    this.partialLine = lines.pop() ?? '';
    const samples: NvidiaSmiSample[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      const parsed = parseNvidiaSmiLine(line);
      if (parsed.ok) samples.push(parsed.sample);
      else {
        this.malformedLines++;
        this.lastMalformed = line.slice(0, 120);
      }
    }
    if (samples.length === 0) return;

    const times = readingTimes(samples, arrivalMs, this.lastTimeByGpu);
    samples.forEach((sample, i) => {
      const reading: PowerReading = { source: this.name, device: `gpu${sample.index}`, timeMs: times[i]!, watts: sample.watts, kind: this.kind };
      if (sample.utilisation !== undefined) reading.utilisation = sample.utilisation;
      this.buffered.push(reading);
      this.samples++;
    });
    if (this.buffered.length > MAX_BUFFERED) this.buffered.splice(0, this.buffered.length - MAX_BUFFERED);
    for (const waiter of [...this.waiters]) waiter();
  }

  private fail(reason: string): void {
    if (this.failure) return;
    this.failure = reason;
    process.removeListener('exit', this.killOnExit);
    for (const waiter of [...this.waiters]) waiter();
  }
}

function latestPerDevice(readings: PowerReading[]): PowerReading[] {
  const latest = new Map<string, PowerReading>();
  for (const reading of readings) latest.set(reading.device, reading);
  return [...latest.values()];
}

/**
 * Starts the long-running nvidia-smi and waits for its first valid sample. Never throws: a missing
 * binary, a driver error or a silent child become the reason it was skipped.
 */
export async function openNvidiaSmiSource(options: {
  command?: string;
  intervalMs: number;
  startTimeoutMs?: number;
}): Promise<OpenResult<NvidiaSmiPowerSource>> {
  const command = options.command ?? DEFAULT_NVIDIA_SMI;
  const visible = parseVisibleDevices(process.env.CUDA_VISIBLE_DEVICES);
  if (visible !== null && visible.length === 0) {
    return { ok: false, reason: `nvidia-smi: CUDA_VISIBLE_DEVICES="${process.env.CUDA_VISIBLE_DEVICES}" hides every GPU from the training, so none is metered` };
  }
  const source = new NvidiaSmiPowerSource(command, options.intervalMs);
  const first = await source.waitForFirstSample(options.startTimeoutMs ?? Math.max(3000, 3 * options.intervalMs));
  if (first.ok) return { ok: true, source };
  await source.close();
  const notFound = command.includes('/') ? `${command} does not exist` : `${command} is not on the PATH`;
  const reason = /ENOENT/.test(first.reason) ? notFound : first.reason;
  return { ok: false, reason: `nvidia-smi: ${reason}` };
}
