/**
 * Runs one training phase of an experiment inside the run folder: the loop with the phase's
 * callbacks plus bookkeeping ones — progress events, an epoch event and a metrics.csv row per
 * epoch, and a checkpoint after every finished epoch, from which a killed phase resumes.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/types.ts';
import type { ModelSpec } from '../models/index.ts';
import type { EpochLogs, TrainCallback, TrainResult } from '../train/callbacks.ts';
import { train, trainableParams } from '../train/loop.ts';
import { Optimizer } from '../train/optimizer.ts';
import { hasCheckpoint, readCheckpointMeta, readOptimizerState, restoreWeights, saveCheckpoint } from './checkpoint.ts';
import { optimizerOf, scheduleOf, type TrainingSettings } from './config.ts';
import type { Method, Phase, RunEvent } from '../run/events.ts';
import type { RunStore } from '../run/runStore.ts';

export interface PhaseOptions {
  store: RunStore;
  phase: Phase;
  method: Method;
  model: tf.LayersModel;
  spec: ModelSpec;
  data: DataSplits;
  training: TrainingSettings;
  /** Epochs the learning-rate schedule is planned over. */
  plannedEpochs: number;
  startEpoch: number;
  endEpoch: number;
  seed: number;
  callbacks?: TrainCallback[];
  signal?: AbortSignal;
  emit(event: RunEvent): void;
  /** Extra state to keep in every checkpoint (e.g. the detector), read when the phase resumes. */
  checkpointExtra?(): Record<string, unknown>;
  /** Resume only when the caller knows this phase's checkpoint belongs to this run's state. */
  resume: boolean;
  /** After a resume: a reason when the phase had already ended (e.g. the ticket was found), else null. */
  endedBefore?(): string | null;
}

export interface PhaseOutcome {
  result: TrainResult;
  /** Every epoch of the phase, including those before a resume. */
  history: EpochLogs[];
}

export function checkpointDir(store: RunStore, phase: Phase): string {
  return store.path('checkpoints', phase);
}

export function metricsRow(phase: Phase, method: Method, logs: EpochLogs): (string | number | null)[] {
  return [phase, method, logs.epoch, logs.learningRate, logs.loss, logs.accuracy, logs.valLoss, logs.valAccuracy, logs.seconds, logs.imagesPerSecond];
}

export async function runTrainingPhase(options: PhaseOptions): Promise<PhaseOutcome> {
  const { store, phase, method, model, data, training, emit } = options;
  const dir = checkpointDir(store, phase);
  const optimizer = new Optimizer(optimizerOf(training));
  let startEpoch = options.startEpoch;
  let previous: EpochLogs[] = [];
  if (options.resume && hasCheckpoint(dir)) {
    const meta = readCheckpointMeta(dir);
    await restoreWeights(dir, model);
    const state = readOptimizerState(dir);
    if (state) optimizer.setState(state, trainableParams(model));
    previous = meta.history;
    startEpoch = meta.epoch + 1;
  }
  const endedReason = options.endedBefore?.() ?? null;

  const started = performance.now();
  let lastProgress = 0;
  let batchesDone = 0;
  const totalBatches = (options.endEpoch - startEpoch) * Math.ceil(data.train.count / training.batchSize);
  const bookkeeping: TrainCallback = {
    onBatchEnd: (logs) => {
      batchesDone++;
      const now = performance.now();
      if (now - lastProgress < 500 && logs.batch + 1 < logs.batches) return;
      lastProgress = now;
      const eta = ((now - started) / 1000 / batchesDone) * (totalBatches - batchesDone);
      emit({ type: 'progress', time: Date.now(), phase, epoch: logs.epoch, batch: logs.batch, batches: logs.batches, loss: logs.loss, accuracy: logs.accuracy, etaSeconds: eta });
    },
    onEpochEnd: async (logs) => {
      previous = [...previous, logs];
      // Checkpoint first: an epoch event exists only for an epoch a resume will not repeat.
      await saveCheckpoint(dir, model, optimizer, {
        phase, epoch: logs.epoch, spec: options.spec, history: previous, extra: options.checkpointExtra?.(),
      });
      emit({ type: 'epoch', time: Date.now(), phase, logs });
      store.appendMetrics(metricsRow(phase, method, logs));
    },
  };

  const result: TrainResult = endedReason !== null
    ? { status: 'stopped', stopReason: endedReason, epochsCompleted: 0, history: [], seconds: 0 }
    : startEpoch >= options.endEpoch
    ? { status: 'completed', epochsCompleted: 0, history: [], seconds: 0 }
    : await train({
      model,
      train: data.train,
      validation: data.validation,
      numClasses: data.numClasses,
      plannedEpochs: options.plannedEpochs,
      startEpoch,
      endEpoch: options.endEpoch,
      batchSize: training.batchSize,
      schedule: scheduleOf(training),
      optimizer,
      seed: options.seed,
      callbacks: [...(options.callbacks ?? []), bookkeeping],
      signal: options.signal,
    });
  optimizer.dispose();
  return { result, history: previous };
}
