/**
 * The energy side of a run: finds the power sources, samples them on their own thread, integrates
 * per phase and writes the meter's events to the run log. It never stops training: a source that
 * fails is dropped; when the last one goes, the run says so at once and the summary carries the
 * interval that has no measurement.
 */
import { BackgroundSampler, type SourceInfo } from '../energy/backgroundSampler.ts';
import { detectPowerSources, EnergyMeter, PowerSampler, type EnergyEvent, type MeterTotals, type MeterViews, type PowerReading, type PowerSourceSettings } from '../energy/index.ts';
import type { SourceFailure } from '../energy/sampler.ts';
import type { GpuAdapterIdentity } from '../energy/adapterPower.ts';
import type { EnergySettings } from '../core/config.ts';
import type { RunEvent } from '../core/events.ts';
import type { EnergyRecording, EnergySourceInfo, UnmeasuredInterval } from '../energy/recording.ts';

// What a recording is lives beside the meter (src/energy/recording.ts), so the run folder's summary
// builder can read it without importing the experiment.
export type { EnergyRecording, EnergySourceInfo, UnmeasuredInterval } from '../energy/recording.ts';

/** How long a phase boundary waits for its reading (a sampling tick or a slow source can be in the way). */
const BOUNDARY_READING_WAIT_MS = 2000;

interface SamplerHandle {
  /** Resolves once a reading taken after the call has reached the meter. */
  sampleNow(): Promise<unknown>;
  stop(): Promise<number>;
}

export class EnergyRecorder {
  private lostAt: { timeMs: number; reason: string } | null = null;
  private readonly unmeasured: UnmeasuredInterval[] = [];

  private constructor(
    private readonly meter: EnergyMeter | null,
    private sampler: SamplerHandle | null,
    readonly sources: EnergySourceInfo[],
    readonly skipped: { name: string; reason: string }[],
    private readonly emit: (e: RunEvent) => void,
  ) {}

  /**
   * Starts sampling; `previous` are the events of an earlier attempt of this run (resume). With an
   * injected `detect` (tests, fake sensors) the sources live on this thread, as they cannot be
   * handed to another; otherwise they are opened and read on the sampling thread.
   */
  static async start(
    settings: EnergySettings,
    emit: (e: RunEvent) => void,
    previous: readonly RunEvent[] = [],
    detect?: typeof detectPowerSources,
    /** The WebGPU adapter that trains, if any: GPU power follows it. */
    gpuAdapter?: GpuAdapterIdentity,
  ): Promise<EnergyRecorder> {
    const write = (e: EnergyEvent) => emit({ ...e, time: e.timeMs });
    const detectSettings: PowerSourceSettings = {
      intervalMs: settings.intervalMs,
      ...(settings.tdpWatts !== undefined ? { tdpWatts: settings.tdpWatts } : {}),
      // A plain object: it crosses to the sampling thread.
      ...(gpuAdapter ? { gpuAdapter: { vendor: gpuAdapter.vendor, architecture: gpuAdapter.architecture, description: gpuAdapter.description, ...(gpuAdapter.device ? { device: gpuAdapter.device } : {}), software: gpuAdapter.software } } : {}),
    };
    try {
      let info: EnergySourceInfo[] = [];
      let skipped: { name: string; reason: string }[] = [];
      let attach: (ingest: (r: PowerReading[]) => void, fail: (f: SourceFailure, remaining: string[]) => void) => SamplerHandle =
        () => ({ sampleNow: async () => undefined, stop: async () => 0 });
      const onThisThread = async (detectHere: typeof detectPowerSources) => {
        const detected = await detectHere(detectSettings);
        info = detected.sources.map((s) => ({ name: s.name, kind: s.kind, description: s.describe(), ...(s.formula ? { formula: s.formula } : {}), ...(s.label ? { label: s.label } : {}), ...(s.view ? { view: s.view } : {}) }));
        skipped = detected.skipped;
        attach = (ingest, fail) => {
          const sampler = new PowerSampler(detected.sources, { intervalMs: settings.intervalMs });
          sampler.onReadings(ingest);
          sampler.onSourceFailure((f) => fail(f, sampler.activeSources.filter((s) => s.view !== 'activity').map((s) => s.name)));
          sampler.start();
          return { sampleNow: () => sampler.sampleNow(), stop: async () => (await sampler.stop(), sampler.overheadPercent) };
        };
      };
      if (detect) await onThisThread(detect);
      else {
        let background: BackgroundSampler | null = null;
        try {
          background = await BackgroundSampler.start(detectSettings, { intervalMs: settings.intervalMs });
        } catch (error) {
          // No thread (an unusual runtime): sample here rather than not at all, and say so.
          emit({ type: 'warning', time: Date.now(), message: `power sampling thread unavailable (${(error as Error).message}); sampling on the training thread, where long steps delay it` });
          await onThisThread(detectPowerSources);
        }
        if (background) {
          const b = background;
          info = b.sources.map((s: SourceInfo) => ({ ...s }));
          skipped = b.skipped;
          attach = (ingest, fail) => {
            b.onReadings(ingest);
            b.onSourceFailure(fail);
            return { sampleNow: () => b.sampleNow(), stop: () => b.stop() };
          };
        }
      }
      emit({ type: 'energy-sources', time: Date.now(), sources: info, skipped });
      const meter = previous.length ? EnergyMeter.fromEvents(previous, { onEvent: write }) : new EnergyMeter({ onEvent: write });
      const recorder = new EnergyRecorder(meter, null, info, skipped, emit);
      recorder.sampler = attach((readings) => meter.ingest(readings), (f, remaining) => recorder.sourceFailed(f, remaining));
      // The meter's first reading before anything is metered: a sampling thread kept waiting by a
      // loaded machine would otherwise take it late, and a short first phase would get no energy.
      await recorder.sampler.sampleNow();
      if (!info.some((s) => s.view !== 'activity')) recorder.lose(Date.now(), 'no power source could be opened');
      return recorder;
    } catch (error) {
      const reason = `energy measurement unavailable: ${(error as Error).message}`;
      emit({ type: 'warning', time: Date.now(), message: reason });
      const recorder = new EnergyRecorder(null, null, [], [{ name: 'all', reason }], emit);
      recorder.lose(Date.now(), reason);
      return recorder;
    }
  }

  private sourceFailed(failure: SourceFailure, remaining: string[]): void {
    this.emit({ type: 'warning', time: Date.now(), message: `power source ${failure.source} stopped: ${failure.reason}` });
    if (remaining.length > 0 || this.lostAt) return;
    this.emit({
      type: 'warning', time: Date.now(),
      message: `no power source left: energy is not measured from ${new Date(failure.timeMs).toISOString()} on (${failure.source}: ${failure.reason}); no saving will be claimed`,
    });
    this.lose(failure.timeMs, `${failure.source} stopped: ${failure.reason}`);
  }

  private lose(timeMs: number, reason: string): void {
    this.lostAt ??= { timeMs, reason };
  }

  /**
   * Ends the current phase with a reading and starts `phase` right after it; resolves once the meter
   * is in `phase`. Awaited before the phase's work, the interval the meter splits at the boundary (in
   * proportion to time) holds only the wait for that reading, so each side is charged its own CPU
   * time however late a loaded machine lets the sampling thread read — a short phase is not given a
   * share of its neighbour's (a warm-up's compiler threads). Boundaries apply in the order they were set.
   */
  setPhase(phase: string): Promise<void> {
    const boundary = this.boundary.then(async () => {
      await this.readingBeforeBoundary();
      try {
        this.meter?.setPhase(phase);
      } catch (error) {
        // The meter is bookkeeping: its failure must not stop training.
        process.emitWarning(`energy meter: ${(error as Error).message}`);
      }
    });
    this.boundary = boundary;
    return boundary;
  }

  private boundary: Promise<void> = Promise.resolve();

  /** A reading now, or after BOUNDARY_READING_WAIT_MS without one: a slow sensor must not hold training up. */
  private async readingBeforeBoundary(): Promise<void> {
    if (!this.sampler) return;
    let timer: NodeJS.Timeout | undefined;
    const reading = this.sampler.sampleNow().catch(() => undefined);
    const waited = new Promise<void>((resolve) => { timer = setTimeout(resolve, BOUNDARY_READING_WAIT_MS); });
    await Promise.race([reading, waited]);
    clearTimeout(timer);
  }

  async stop(): Promise<EnergyRecording> {
    await this.boundary;
    let overheadPercent = 0;
    if (this.sampler) {
      try {
        overheadPercent = await this.sampler.stop();
      } catch (error) {
        process.emitWarning(`power sampler: ${(error as Error).message}`);
      }
      this.sampler = null;
    }
    if (this.lostAt) {
      const toMs = Date.now();
      this.unmeasured.push({ fromMs: this.lostAt.timeMs, toMs, seconds: (toMs - this.lostAt.timeMs) / 1000, reason: this.lostAt.reason });
      this.lostAt = null;
    }
    return {
      totals: this.meter?.totals() ?? {},
      views: this.meter?.allTotals() ?? { run: {}, machine: {}, activity: {} },
      overheadPercent, sources: this.sources, skipped: this.skipped, unmeasured: [...this.unmeasured],
    };
  }
}
