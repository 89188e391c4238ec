/**
 * What a run writes to `events.jsonl`, one JSON object per line, appended and flushed as it
 * happens. The same objects travel to the UI (IPC / server-sent events) and feed the report, so
 * this file is the single description of a run's history.
 */
import type { EnergyEvent } from '../energy/meterEvents.ts';
import type { EpochLogs } from '../train/callbacks.ts';
import type { SlimSummary } from './summary.ts';
import type { FinalStatus } from './status.ts';

/** The WebGPU adapter that trained, when the backend is webgpu (src/backend/webgpu/adapter.ts). */
export interface GpuAdapterFacts {
  vendor: string;
  architecture: string;
  description: string;
  software: boolean;
}

/**
 * An experiment's phases and the methods compared in the summary (a method may span phases: ebTrain =
 * search + surgery + retrain; prunePipeline = dense, trained with the L1 term, + prunePipeline, prune and
 * fine-tune). Their order, labels, colours and plans are the methods table's (src/core/methods.ts).
 */
export type Phase = 'search' | 'surgery' | 'retrain' | 'ebReinit' | 'dense' | 'prunePipeline' | 'lotteryTicket' | 'scratchE' | 'scratchB';
export type Method = 'ebTrain' | 'ebReinit' | 'dense' | 'prunePipeline' | 'lotteryTicket' | 'scratchE' | 'scratchB';

export type EnergyKind = 'measured' | 'estimated' | 'projected';

interface Base {
  /** Milliseconds since the epoch (Date.now()). */
  time: number;
}

export type RunEvent =
  /** configHash: SHA-256 (16 hex) of the canonical config this attempt ran with; the first one is the run's. */
  | (Base & { type: 'run-start'; runId: string; resumed: boolean; configHash?: string; backend: string; backendDescription: string; skippedBackends: { choice: string; reason: string }[]; /** Data-parallel replicas asked for (training.workers); what the run used is on the dense network's model event. */ workers?: number; adapter?: GpuAdapterFacts })
  | (Base & { type: 'data'; name: string; source: string; train: number; validation: number; test: number; shape: [number, number, number]; numClasses: number })
  | (Base & { type: 'model'; method: Method; params: number; flops: number; channels?: Record<string, number>; /** Data-parallel replicas every phase trains with (on the dense network's event; absent in runs from before it was decided by network size). */ workers?: number })
  | (Base & { type: 'phase-start'; phase: Phase; plannedEpochs: number; startEpoch: number; endEpoch: number })
  | (Base & { type: 'progress'; phase: Phase; epoch: number; batch: number; batches: number; loss: number; accuracy: number; etaSeconds: number | null })
  | (Base & { type: 'epoch'; phase: Phase; logs: EpochLogs })
  | (Base & {
      type: 'mask-distance';
      epoch: number;
      /** Per tracked ratio: distances newest-vs-older (oldest first) and their maximum. */
      ratios: { ratio: number; distances: number[]; maxDistance: number | null; found: boolean; foundEpoch?: number }[];
      /** Per ratio: pairwise distances among the queued masks (oldest first) and their epochs. */
      matrices?: { ratio: number; epochs: number[]; distances: number[][] }[];
      /** Detector cost this epoch (reading γ, masks, distances), seconds and % of the epoch. */
      seconds: number;
      percentOfEpoch: number;
    })
  | (Base & { type: 'eb-found'; epoch: number; ratio: number; plannedEpochs: number; checkpoint: string; warnings: string[] })
  | (Base & { type: 'layer-mask'; ratio: number; layers: { layer: string; kept: number; total: number }[] })
  /** The energy meter's own events (`src/energy/meterEvents.ts`): phase changes, and per sampling
   *  interval the joules added per phase and source plus the power readings, for live charts. */
  | (Base & EnergyEvent)
  | (Base & { type: 'energy-sources'; sources: { name: string; kind: 'measured' | 'estimated'; description: string; formula?: string; label?: string; view?: 'activity' }[]; skipped: { name: string; reason: string }[] })
  | (Base & {
      type: 'phase-end';
      phase: Phase;
      status: 'completed' | 'stopped' | 'cancelled';
      seconds: number;
      /** Epochs trained in this phase (all attempts together). */
      epochs: number;
      stopReason?: string;
      result?: MethodResult;
      /** Surgery only: the slim network against the dense one. */
      slim?: SlimSummary;
    })
  | (Base & { type: 'quantization'; method: Method; modelDir: string; bytesBefore: number; bytesAfter: number; accuracyBefore: number; accuracyAfter: number })
  | (Base & { type: 'warning'; message: string })
  /** failure: what failed, when a resume would fail the same way (see FailureKind); absent for any other failure. */
  | (Base & { type: 'run-end'; status: FinalStatus; error?: string; failure?: FailureKind; summary?: string });

/**
 * A failure that resuming the run would repeat, since it lies in what the run was given: `data`, the
 * data set (missing, unreadable, or not the shape the model takes); `config`, a setting this machine
 * or the engine refuses. The remedy is new settings (Run again), not Resume.
 */
export type FailureKind = 'data' | 'config';

export type RunEventType = RunEvent['type'];

/** What each compared method achieved. */
export interface MethodResult {
  method: Method;
  testAccuracy: number;
  /** Parameters of the network as trained (non-zero ones for unstructured pruning). */
  params: number;
  /** Forward FLOPs per image (dense-equivalent for unstructured pruning, which saves none on this hardware). */
  flops: number;
  epochs: number;
  seconds: number;
  /** Where the exported model lives, relative to the run folder. */
  modelDir?: string;
  /** Extra facts of this method (e.g. sparsity for the lottery ticket). */
  notes?: Record<string, number | string | boolean>;
}
