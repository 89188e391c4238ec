/**
 * Terminal progress as a training callback: a redrawn bar with ETA on a TTY, one plain line per
 * epoch otherwise (logs, CI, pipes).
 */
import type { BatchLogs, EpochLogs, TrainCallback, TrainContext } from './callbacks.ts';

export interface ProgressOptions {
  stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Label before each line, e.g. the phase. */
  label?: string;
  /** Last epoch (exclusive) of this training call, for the ETA; default the planned epochs. */
  endEpoch?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

const pct = (x: number | null) => (x === null ? '  -  ' : `${(100 * x).toFixed(2)}%`);

export class ProgressReporter implements TrainCallback {
  private readonly tty: boolean;
  private readonly started = performance.now();
  private batchesDone = 0;
  private lastDraw = 0;
  private firstEpoch: number | null = null;

  constructor(private readonly options: ProgressOptions) {
    this.tty = Boolean((options.stream as NodeJS.WriteStream).isTTY);
  }

  private get prefix(): string {
    return this.options.label ? `[${this.options.label}] ` : '';
  }

  onBatchEnd(logs: BatchLogs, ctx: TrainContext): void {
    this.batchesDone++;
    this.firstEpoch ??= logs.epoch;
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && logs.batch + 1 < logs.batches) return;
    this.lastDraw = now;
    const endEpoch = this.options.endEpoch ?? ctx.plannedEpochs;
    const totalBatches = (endEpoch - this.firstEpoch) * logs.batches;
    const elapsed = (now - this.started) / 1000;
    const eta = (elapsed / this.batchesDone) * (totalBatches - this.batchesDone);
    const fraction = (logs.batch + 1) / logs.batches;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    this.options.stream.write(
      `\r${this.prefix}epoch ${logs.epoch + 1}/${endEpoch} [${bar}] ${logs.batch + 1}/${logs.batches} ` +
        `loss ${logs.loss.toFixed(4)} acc ${pct(logs.accuracy)} ETA ${formatDuration(eta)}\x1b[K`,
    );
  }

  onEpochEnd(logs: EpochLogs, ctx: TrainContext): void {
    const line =
      `${this.prefix}epoch ${logs.epoch + 1}/${this.options.endEpoch ?? ctx.plannedEpochs}  loss ${logs.loss.toFixed(4)}  ` +
      `acc ${pct(logs.accuracy)}  val ${pct(logs.valAccuracy)}  lr ${logs.learningRate.toPrecision(2)}  ` +
      `${logs.seconds.toFixed(1)} s  ${Math.round(logs.imagesPerSecond)} img/s`;
    this.options.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
