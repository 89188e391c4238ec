/**
 * Turns power readings into joules per phase per source.
 *
 * - Watts are integrated by trapezoid between consecutive readings of the same device.
 * - Readings that carry a cumulative counter (NVML energy, RAPL) are integrated by difference, which
 *   has no sampling error; wrap-around is already undone by the source.
 * - `setPhase()` marks a boundary in time. An interval that straddles boundaries is split at them:
 *   by the linear power profile for watts, in proportion to time for counters.
 * - Every ingested interval is also emitted as one event (`onEvent`), so the run store can append it
 *   to events.jsonl and a crash loses at most one interval; `EnergyMeter.fromEvents()` rebuilds the
 *   totals and the current phase from those events. Integration restarts at the first reading after
 *   a resume: the gap while the process was down is not counted.
 */
import type { PowerReading, SourceKind } from './types.ts';
import { energyEventsIn, type EnergyDelta, type EnergyEvent, type EnergyIntervalEvent } from './meterEvents.ts';

export const INITIAL_PHASE = 'unassigned';

export interface SourceTotal {
  joules: number;
  source: string;
  kind: SourceKind;
  /** The same joules by device (gpu0, package-0, dram...). */
  devices: Record<string, number>;
}

/** phase → source name → total. */
export type MeterTotals = Record<string, Record<string, SourceTotal>>;

/** Accounts kept apart: the run's energy (what savings use), the machine view, CPU activity. */
export interface MeterViews {
  run: MeterTotals;
  /** Whole-machine estimate (what a wall meter would see); never the basis of a saving. */
  machine: MeterTotals;
  /** CPU seconds per phase: source `cpu-activity`, devices `run` and `others`. */
  activity: MeterTotals;
}

export interface EnergyMeterOptions {
  onEvent?: (event: EnergyEvent) => void;
  initialPhase?: string;
  now?: () => number;
}

interface PhaseStart {
  phase: string;
  startMs: number;
}

interface Segment {
  phase: string;
  fromMs: number;
  toMs: number;
}

export class EnergyMeter {
  private onEvent: ((event: EnergyEvent) => void) | undefined;
  private readonly now: () => number;
  private readonly timeline: PhaseStart[];
  private readonly lastReading = new Map<string, PowerReading>();
  private readonly views: MeterViews = { run: {}, machine: {}, activity: {} };
  private get totalsByPhase(): MeterTotals {
    return this.views.run;
  }
  /** Whether the events already say which phase is current (so a resume starts in the right one). */
  private phaseRecorded = false;

  constructor(options: EnergyMeterOptions = {}) {
    this.onEvent = options.onEvent;
    this.now = options.now ?? Date.now;
    this.timeline = [{ phase: options.initialPhase ?? INITIAL_PHASE, startMs: -Infinity }];
  }

  /** Rebuilds a meter from the events a previous one emitted (other events are ignored). */
  static fromEvents(events: Iterable<unknown>, options: EnergyMeterOptions = {}): EnergyMeter {
    const meter = new EnergyMeter({ ...options, onEvent: undefined });
    for (const event of energyEventsIn(events)) {
      if (event.type === 'energy.phase') {
        meter.markPhase(event.phase, event.timeMs);
        meter.phaseRecorded = true;
      }
      else for (const delta of event.deltas) meter.add(delta);
    }
    meter.onEvent = options.onEvent; // only now: replaying must not write the old events again
    return meter;
  }

  get phase(): string {
    return this.timeline[this.timeline.length - 1]!.phase;
  }

  /** Energy from `atMs` on belongs to `phase`. Times before the current phase's start are clamped to it. */
  setPhase(phase: string, atMs: number = this.now()): void {
    if (!phase) throw new RangeError('phase name must not be empty');
    const timeMs = this.markPhase(phase, atMs);
    this.phaseRecorded = true;
    this.onEvent?.({ type: 'energy.phase', timeMs, phase });
  }

  /** Integrates one sampling tick's readings; emits and returns the interval event (null if none). */
  ingest(readings: readonly PowerReading[]): EnergyIntervalEvent | null {
    if (readings.length === 0) return null;
    const deltas: EnergyDelta[] = [];
    const ordered = [...readings].sort((a, b) => a.timeMs - b.timeMs);
    for (const reading of ordered) {
      const key = `${reading.source}\u0000${reading.device}\u0000${reading.view ?? 'run'}`;
      const previous = this.lastReading.get(key);
      if (previous && reading.timeMs >= previous.timeMs) {
        for (const delta of this.integrate(previous, reading)) {
          this.add(delta);
          deltas.push(delta);
        }
      }
      if (!previous || reading.timeMs >= previous.timeMs) this.lastReading.set(key, reading);
    }
    if (!this.phaseRecorded) {
      // The initial phase never went through setPhase: record it once, or a resume would not know it.
      this.phaseRecorded = true;
      this.onEvent?.({ type: 'energy.phase', timeMs: ordered[0]!.timeMs, phase: this.phase });
    }
    const event: EnergyIntervalEvent = {
      type: 'energy.interval',
      timeMs: ordered[ordered.length - 1]!.timeMs,
      deltas: mergeDeltas(deltas),
      power: latestPower(ordered),
    };
    this.onEvent?.(event);
    return event;
  }

  /** The run's energy per phase and source (the machine view and activity are not in it). */
  totals(): MeterTotals {
    return structuredClone(this.totalsByPhase);
  }

  /** Every account: the run's energy, the machine view, CPU activity. */
  allTotals(): MeterViews {
    return structuredClone(this.views);
  }

  phaseJoules(phase: string): number {
    return Object.values(this.totalsByPhase[phase] ?? {}).reduce((sum, total) => sum + total.joules, 0);
  }

  totalJoules(): number {
    return Object.keys(this.totalsByPhase).reduce((sum, phase) => sum + this.phaseJoules(phase), 0);
  }

  /** Latest power per device, for live display. */
  currentPower(): { source: string; device: string; kind: SourceKind; watts: number }[] {
    return [...this.lastReading.values()].filter((r) => !r.view || r.view === 'run').map(({ source, device, kind, watts }) => ({ source, device, kind, watts }));
  }

  private markPhase(phase: string, atMs: number): number {
    const current = this.timeline[this.timeline.length - 1]!;
    const startMs = Math.max(atMs, current.startMs);
    this.timeline.push({ phase, startMs });
    return startMs;
  }

  private integrate(from: PowerReading, to: PowerReading): EnergyDelta[] {
    const base = { source: to.source, device: to.device, kind: to.kind, ...(to.view && to.view !== 'run' ? { view: to.view } : {}) };
    const spanMs = to.timeMs - from.timeMs;
    const segments = this.segments(from.timeMs, to.timeMs);

    if (from.counterJoules !== undefined && to.counterJoules !== undefined) {
      const joules = Math.max(0, to.counterJoules - from.counterJoules);
      if (spanMs <= 0) return [{ ...base, phase: this.phaseAt(to.timeMs), joules }];
      return segments.map((s) => ({ ...base, phase: s.phase, joules: (joules * (s.toMs - s.fromMs)) / spanMs }));
    }
    if (spanMs <= 0) return [];
    const wattsAt = (t: number) => from.watts + ((to.watts - from.watts) * (t - from.timeMs)) / spanMs;
    return segments.map((s) => ({
      ...base,
      phase: s.phase,
      joules: ((wattsAt(s.fromMs) + wattsAt(s.toMs)) / 2) * ((s.toMs - s.fromMs) / 1000),
    }));
  }

  private phaseAt(timeMs: number): string {
    let phase = this.timeline[0]!.phase;
    for (const entry of this.timeline) if (entry.startMs <= timeMs) phase = entry.phase;
    return phase;
  }

  /** [fromMs, toMs] cut at every phase start strictly inside it; zero-length pieces dropped. */
  private segments(fromMs: number, toMs: number): Segment[] {
    const segments: Segment[] = [];
    let phase = this.phaseAt(fromMs);
    let cursor = fromMs;
    for (const entry of this.timeline) {
      if (entry.startMs > fromMs && entry.startMs < toMs) {
        if (entry.startMs > cursor) segments.push({ phase, fromMs: cursor, toMs: entry.startMs });
        cursor = entry.startMs;
        phase = entry.phase;
      }
    }
    segments.push({ phase, fromMs: cursor, toMs });
    return segments;
  }

  private add(delta: EnergyDelta): void {
    const phase = (this.views[delta.view ?? 'run'][delta.phase] ??= {});
    const total = (phase[delta.source] ??= { joules: 0, source: delta.source, kind: delta.kind, devices: {} });
    total.joules += delta.joules;
    total.devices[delta.device] = (total.devices[delta.device] ?? 0) + delta.joules;
    // A source is as good as its weakest reading.
    if (delta.kind === 'estimated') total.kind = 'estimated';
  }
}

/** One delta per (phase, source, device) in an interval event. */
function mergeDeltas(deltas: EnergyDelta[]): EnergyDelta[] {
  const merged = new Map<string, EnergyDelta>();
  for (const delta of deltas) {
    const key = `${delta.phase}\u0000${delta.source}\u0000${delta.device}\u0000${delta.view ?? 'run'}`;
    const existing = merged.get(key);
    if (existing) existing.joules += delta.joules;
    else merged.set(key, { ...delta });
  }
  return [...merged.values()];
}

function latestPower(readings: PowerReading[]): EnergyIntervalEvent['power'] {
  const latest = new Map<string, EnergyIntervalEvent['power'][number]>();
  for (const { source, device, kind, watts, view } of readings) if (!view || view === 'run') latest.set(`${source}\u0000${device}`, { source, device, kind, watts });
  return [...latest.values()];
}
