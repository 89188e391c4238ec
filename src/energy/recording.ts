/**
 * What the energy recorder hands back when a run ends: the meter's per-phase totals, its other
 * accounts, the sources used and skipped, and the stretches nobody measured. Types only, so the
 * summary builder (src/run/) and the summary types (src/core/) read it without the recorder.
 */
import type { MeterTotals, MeterViews } from './meter.ts';

export interface EnergySourceInfo {
  name: string;
  kind: 'measured' | 'estimated';
  description: string;
  formula?: string;
  /** Estimates: the model in one line, for labels. */
  label?: string;
  view?: 'activity';
}

/** A stretch of the run with no power source left: its energy is unknown, not zero. */
export interface UnmeasuredInterval {
  fromMs: number;
  toMs: number;
  seconds: number;
  reason: string;
}

export interface EnergyRecording {
  totals: MeterTotals;
  /** Every account of the meter: run, machine view, CPU activity. */
  views?: MeterViews;
  overheadPercent: number;
  sources: EnergySourceInfo[];
  skipped: { name: string; reason: string }[];
  /** Where no power source was left (empty when every moment was measured). */
  unmeasured?: UnmeasuredInterval[];
}
