/**
 * The training loop: mini-batch SGD (or Adam) with a step schedule, per-batch and per-epoch
 * callbacks, cancellation through an AbortSignal, and no tensor left behind by a step.
 */
import * as tf from '@tensorflow/tfjs';
import { batchCount, batches } from '../data/batches.ts';
import type { ImageSet } from '../data/types.ts';
import type { EpochLogs, TrainCallback, TrainContext, TrainResult } from './callbacks.ts';
import { evaluate, forTraining } from './evaluate.ts';
import { Optimizer, type OptimizerSettings, type TrainableParam } from './optimizer.ts';
import { DataParallelGradientStep } from './parallel/dataParallelStep.ts';
import { LocalGradientStep, type GradientStep } from './parallel/gradientStep.ts';
import { learningRateAt, type StepSchedule } from './schedule.ts';
import { metricReadInterval, StepMetrics } from './stepMetrics.ts';

export interface TrainOptions {
  model: tf.LayersModel;
  train: ImageSet;
  validation?: ImageSet;
  numClasses: number;
  /** Epochs the schedule is planned for (the learning-rate milestones are fractions of it). */
  plannedEpochs: number;
  /**
   * Data-parallel replicas (worker threads, each on its own core); 1 (the default) trains on this
   * thread alone. See parallel/dataParallelStep.ts.
   */
  workers?: number;
  /** Train epochs [startEpoch, endEpoch); default [0, plannedEpochs). */
  startEpoch?: number;
  endEpoch?: number;
  batchSize: number;
  schedule: StepSchedule;
  optimizer: OptimizerSettings | Optimizer;
  seed: number;
  callbacks?: TrainCallback[];
  signal?: AbortSignal;
}

/** The model's trainable variables with keys that are stable across processes. */
export function trainableParams(model: tf.LayersModel): TrainableParam[] {
  return model.trainableWeights.map((w) => ({ key: w.originalName, variable: w.read() as tf.Variable }));
}

/** Gives timers and I/O (progress, power sampling, signals) a turn between batches. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { model, train: trainSet, numClasses, plannedEpochs, batchSize, schedule, seed, signal } = options;
  const net = forTraining(model);
  const callbacks = options.callbacks ?? [];
  const startEpoch = options.startEpoch ?? 0;
  const endEpoch = options.endEpoch ?? plannedEpochs;
  const optimizer = options.optimizer instanceof Optimizer ? options.optimizer : new Optimizer(options.optimizer);
  const params = trainableParams(model);
  const variables = params.map((p) => p.variable);

  const workers = options.workers ?? 1;
  const gradientStep: GradientStep = workers > 1
    ? await DataParallelGradientStep.start({
      model, net, workers, batchSize, numClasses,
      imageShape: [trainSet.height, trainSet.width, trainSet.channels],
    })
    : new LocalGradientStep(net, variables, numClasses);

  let stopReason: string | undefined;
  const ctx: TrainContext = {
    model, params, optimizer, plannedEpochs,
    requestStop: (reason) => {
      stopReason ??= reason;
    },
  };
  const history: EpochLogs[] = [];
  // Loss and accuracy are summed where the step computed them and read every few steps on a GPU.
  const metrics = new StepMetrics(metricReadInterval(tf.getBackend()));
  let stepsRun = 0;
  const started = performance.now();
  let status: TrainResult['status'] = 'completed';

  try {
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
    epochs: for (let epoch = startEpoch; epoch < endEpoch; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
      const learningRate = learningRateAt(schedule, epoch, plannedEpochs);
      const total = batchCount(trainSet, batchSize, false);
      let trainMs = 0;
      let index = 0;
      for (const batch of batches(trainSet, batchSize, { shuffle: true, seed, epoch })) {
        if (signal?.aborted) {
          status = 'cancelled';
          break epochs;
        }
        const stepStart = performance.now();
        const { loss, correct, grads: computed } = await gradientStep.compute(trainSet, batch);
        tf.tidy(() => {
          const grads = { ...computed };
          for (const cb of callbacks) cb.transformGradients?.(grads, ctx);
          optimizer.apply(params, grads, learningRate);
        });
        tf.dispose(Object.values(computed));
        metrics.add(loss, correct, batch.size);
        // The first step is read too, so that progress has a loss to show from the start.
        if (metrics.due() || stepsRun === 0) await metrics.read();
        stepsRun++;
        trainMs += performance.now() - stepStart;
        for (const cb of callbacks) {
          await cb.onBatchEnd?.({ epoch, batch: index, batches: total, size: batch.size, loss: metrics.lastLoss, accuracy: metrics.lastAccuracy }, ctx);
        }
        index++;
        await yieldToEventLoop();
      }
      const readStart = performance.now();
      const { loss: epochLoss, accuracy: epochAccuracy, images: seen } = await metrics.endEpoch();
      trainMs += performance.now() - readStart;
      const validation = options.validation && options.validation.count > 0
        ? await evaluate(model, options.validation, numClasses, batchSize)
        : null;
      const logs: EpochLogs = {
        epoch,
        learningRate,
        loss: epochLoss,
        accuracy: epochAccuracy,
        valLoss: validation?.loss ?? null,
        valAccuracy: validation?.accuracy ?? null,
        seconds: trainMs / 1000,
        imagesPerSecond: seen / (trainMs / 1000),
      };
      history.push(logs);
      for (const cb of callbacks) await cb.onEpochEnd?.(logs, ctx);
      if (signal?.aborted) {
        status = 'cancelled';
        break;
      }
      if (stopReason !== undefined) {
        status = 'stopped';
        break;
      }
    }
  } finally {
    metrics.dispose();
    await gradientStep.dispose();
  }
  const result: TrainResult = {
    status,
    stopReason: status === 'stopped' ? stopReason : status === 'cancelled' ? 'cancelled' : undefined,
    epochsCompleted: history.length,
    history,
    seconds: (performance.now() - started) / 1000,
  };
  for (const cb of callbacks) await cb.onTrainEnd?.(result, ctx);
  if (!(options.optimizer instanceof Optimizer)) optimizer.dispose();
  return result;
}
