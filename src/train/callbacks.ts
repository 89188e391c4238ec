/**
 * The training loop's extension points. Behaviour (Early-Bird detection, slimming, power
 * sampling, progress, checkpoints) is added as callbacks; the loop itself is not edited for it.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Optimizer, TrainableParam } from './optimizer.ts';

export interface BatchLogs {
  epoch: number;
  /** Zero-based batch index within the epoch. */
  batch: number;
  batches: number;
  size: number;
  /**
   * Mean loss and accuracy of the steps up to the last read of them: every step on the CPU
   * backends, every few steps on a GPU, where each read waits for the device (train/stepMetrics.ts).
   */
  loss: number;
  accuracy: number;
}

export interface EpochLogs {
  epoch: number;
  learningRate: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  /** Wall time of the training pass (validation excluded). */
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainContext {
  readonly model: tf.LayersModel;
  readonly params: readonly TrainableParam[];
  readonly optimizer: Optimizer;
  readonly plannedEpochs: number;
  /** Ask the loop to stop after the current epoch (e.g. once the Early-Bird ticket is found). */
  requestStop(reason: string): void;
}

export interface TrainCallback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  /**
   * Runs inside the step's tidy scope after the gradients are computed and before the optimizer
   * applies them; may replace entries of `grads` (keyed by tf variable name) with new tensors.
   */
  transformGradients?(grads: tf.NamedTensorMap, ctx: TrainContext): void;
  onBatchEnd?(logs: BatchLogs, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(result: TrainResult, ctx: TrainContext): void | Promise<void>;
}

export type TrainStatus = 'completed' | 'stopped' | 'cancelled';

export interface TrainResult {
  status: TrainStatus;
  /** Why the loop stopped early, when it did. */
  stopReason?: string;
  /** Epochs finished (the last one counts only if it completed). */
  epochsCompleted: number;
  history: EpochLogs[];
  seconds: number;
}
