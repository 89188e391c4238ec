/**
 * The energy side of a run: finds the power sources, samples them in the background, integrates
 * per phase and writes the meter's events to the run log. It never stops training: a source that
 * fails is dropped, and a run whose every sensor fails still completes, without energy figures.
 */
import { detectPowerSources, EnergyMeter, PowerSampler, type EnergyEvent, type MeterTotals } from '../energy/index.ts';
import type { GpuAdapterIdentity } from '../energy/adapterPower.ts';
import type { EnergySettings } from './config.ts';
import type { RunEvent } from '../run/events.ts';

export interface EnergySourceInfo {
  name: string;
  kind: 'measured' | 'estimated';
  description: string;
  formula?: string;
}

export interface EnergyRecording {
  totals: MeterTotals;
  overheadPercent: number;
  sources: EnergySourceInfo[];
  skipped: { name: string; reason: string }[];
}

export class EnergyRecorder {
  private constructor(
    private readonly meter: EnergyMeter | null,
    private readonly sampler: PowerSampler | null,
    readonly sources: EnergySourceInfo[],
    readonly skipped: { name: string; reason: string }[],
  ) {}

  /** Starts sampling; `previous` are the events of an earlier attempt of this run (resume). */
  static async start(
    settings: EnergySettings,
    emit: (e: RunEvent) => void,
    previous: readonly RunEvent[] = [],
    detect: typeof detectPowerSources = detectPowerSources,
    /** The WebGPU adapter that trains, if any: GPU power follows it. */
    gpuAdapter?: GpuAdapterIdentity,
  ): Promise<EnergyRecorder> {
    const write = (e: EnergyEvent) => emit({ ...e, time: e.timeMs });
    try {
      const { sources, skipped } = await detect({ intervalMs: settings.intervalMs, tdpWatts: settings.tdpWatts, ...(gpuAdapter ? { gpuAdapter } : {}) });
      const info = sources.map((s) => ({ name: s.name, kind: s.kind, description: s.describe(), ...(s.formula ? { formula: s.formula } : {}) }));
      emit({ type: 'energy-sources', time: Date.now(), sources: info, skipped });
      const meter = previous.length ? EnergyMeter.fromEvents(previous, { onEvent: write }) : new EnergyMeter({ onEvent: write });
      const sampler = new PowerSampler(sources, { intervalMs: settings.intervalMs });
      sampler.onReadings((readings) => meter.ingest(readings));
      sampler.onSourceFailure((f) => emit({ type: 'warning', time: Date.now(), message: `power source ${f.source} stopped: ${f.reason}` }));
      sampler.start();
      return new EnergyRecorder(meter, sampler, info, skipped);
    } catch (error) {
      const reason = `energy measurement unavailable: ${(error as Error).message}`;
      emit({ type: 'warning', time: Date.now(), message: reason });
      return new EnergyRecorder(null, null, [], [{ name: 'all', reason }]);
    }
  }

  setPhase(phase: string): void {
    try {
      this.meter?.setPhase(phase);
    } catch (error) {
      // The meter is bookkeeping: its failure must not stop training.
      process.emitWarning(`energy meter: ${(error as Error).message}`);
    }
  }

  async stop(): Promise<EnergyRecording> {
    let overheadPercent = 0;
    if (this.sampler) {
      try {
        await this.sampler.stop();
        overheadPercent = this.sampler.overheadPercent;
      } catch (error) {
        process.emitWarning(`power sampler: ${(error as Error).message}`);
      }
    }
    return { totals: this.meter?.totals() ?? {}, overheadPercent, sources: this.sources, skipped: this.skipped };
  }
}
