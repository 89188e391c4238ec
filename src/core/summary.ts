/**
 * `summary.json`: the machine-readable result of a finished run, written once at the end (and
 * rebuilt on resume). Reports, the run list and other tools read this; its shape only grows, and
 * `schemaVersion` changes when a field changes meaning.
 */
import type { ExperimentConfig } from './config.ts';
import type { FinalStatus } from './status.ts';
import type { EnergySummary } from '../energy/savings.ts';
import type { ComputeSummary } from '../energy/computeLedger.ts';
import type { UnmeasuredInterval } from '../energy/recording.ts';
import type { EnergyChecks } from '../run/energyChecks.ts';
import type { EnergyKind, Method, MethodResult } from './events.ts';

export const SUMMARY_SCHEMA_VERSION = 1;

export interface EarlyBirdSummary {
  found: boolean;
  /** Zero-based epoch whose mask completed the stable window; null when not found. */
  epoch: number | null;
  plannedEpochs: number;
  /** The pruning ratio whose ticket was cut and retrained. */
  p: number;
  epsilon: number;
  queueLength: number;
  /** Per tracked ratio, whether and when its ticket appeared. */
  ratios: { ratio: number; found: boolean; epoch: number | null }[];
  /** Max mask distance per epoch per ratio (null before two masks existed). */
  distances: { epoch: number; ratio: number; maxDistance: number | null }[];
  /** Channels kept per pruned layer at ratio p. */
  layers: { layer: string; kept: number; total: number }[];
  /** Detector cost as a share of the epoch time (mean over the search). */
  overheadPercent: number;
  /**
   * Epochs the ticket was fine-tuned (retrained) after the surgery; 0 when it was cut at the last
   * epoch ("no fine-tuning epochs left"); null when the retrain did not run. Absent in older summaries.
   */
  fineTuneEpochs?: number | null;
}

export interface SlimSummary {
  params: { dense: number; slim: number };
  flops: { dense: number; slim: number };
  /** dense FLOPs / slim FLOPs. */
  flopReduction: number;
  /** Measured dense time / slim time for a training step and for inference on one batch. */
  speedup: { train: number; inference: number };
  /** Max |slim(x) − dense-with-pruned-channels-zeroed(x)| on a validation batch. */
  maxAbsDifference: number;
}

/**
 * The energy section: the meter's per-phase totals and the savings (`src/energy/savings.ts`),
 * plus per-method totals and where every number came from.
 */
export interface RunEnergySummary extends EnergySummary, Partial<EnergyChecks> {
  /** Per method, summed over its phases (ebTrain = search + surgery + retrain). */
  methods: Partial<Record<Method, { joules: number; source: string; kind: EnergyKind }>>;
  /** The sensors (or estimate) that produced the readings. */
  sources: { name: string; kind: 'measured' | 'estimated'; description: string; formula?: string; label?: string; view?: 'activity' }[];
  /** Sources that could not be used, with the reason (e.g. RAPL root-only, no NVIDIA GPU). */
  skipped: { name: string; reason: string }[];
  /** The estimate's power model in one line (CPU, watts per core and their source, cores), or null when nothing was estimated. */
  estimateModel?: string | null;
  /** Stretches with no power source left; any makes the saving null. */
  unmeasured?: UnmeasuredInterval[];
}

export interface RunSummary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  runId: string;
  name: string | null;
  status: FinalStatus;
  createdAt: string;
  finishedAt: string;
  config: ExperimentConfig;
  /** SHA-256 of the canonical config JSON, first 16 hex digits. */
  configHash: string;
  backend: { name: string; description: string; skipped: { choice: string; reason: string }[]; adapter?: { vendor: string; architecture: string; description: string; software: boolean } };
  hardware: Record<string, unknown> | null;
  software: Record<string, string>;
  data: { name: string; source: string; train: number; validation: number; test: number; shape: [number, number, number]; numClasses: number };
  model: { name: string; params: number; flops: number };
  earlyBird: EarlyBirdSummary;
  methods: Partial<Record<Method, MethodResult>>;
  slim: SlimSummary | null;
  /** The ticket exported with 8-bit weights (config export.quantize): size and accuracy before/after. */
  quantization: { modelDir: string; bytesBefore: number; bytesAfter: number; accuracyBefore: number; accuracyAfter: number } | null;
  energy: RunEnergySummary | null;
  /** FLOPs each phase did and the compute saving (src/energy/computeLedger.ts); null before data and model were known. */
  compute?: ComputeSummary | null;
  /** Wall time of the whole run, seconds. */
  seconds: number;
}
