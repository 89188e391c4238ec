/**
 * Measured speed of a slim network against its dense parent: the same training step the loop
 * takes, and inference, timed alternately (so drift in machine load hits both) as medians.
 */
import * as tf from '@tensorflow/tfjs';
import { forTraining } from '../train/evaluate.ts';
import { trainableParams } from '../train/loop.ts';
import { DEFAULT_OPTIMIZER, Optimizer, type OptimizerSettings } from '../train/optimizer.ts';

/**
 * One training step, as src/train/loop.ts takes it, with the optimizer the run trains with (Adam
 * keeps two slots per weight, SGD one: they cost differently); returns when the update is computed.
 */
export function makeTrainStep(
  model: tf.LayersModel, xs: tf.Tensor4D, labels: tf.Tensor1D, numClasses: number, learningRate: number, settings: OptimizerSettings = DEFAULT_OPTIMIZER,
): { step: () => Promise<void>; dispose: () => void } {
  const net = forTraining(model);
  const params = trainableParams(model);
  const variables = params.map((p) => p.variable);
  const optimizer = new Optimizer(settings);
  const targets = tf.oneHot(labels, numClasses);
  const step = async () => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = net.apply(xs, { training: true }) as tf.Tensor2D;
        return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
      }, variables);
      optimizer.apply(params, grads, learningRate);
      return value;
    });
    // Reading the loss waits for the step to finish (and is what the loop does each batch).
    await loss.data();
    loss.dispose();
  };
  return { step, dispose: () => (optimizer.dispose(), targets.dispose()) };
}

export function makeInference(model: tf.LayersModel, xs: tf.Tensor4D): () => Promise<void> {
  const net = forTraining(model);
  return async () => {
    const logits = tf.tidy(() => net.apply(xs, { training: false }) as tf.Tensor);
    await logits.data();
    logits.dispose();
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function millisecondsOf(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Median wall time of `dense` and of `slim`, alternating between them. */
export async function timeAlternating(
  dense: () => Promise<void>, slim: () => Promise<void>, warmup: number, repeats: number,
): Promise<{ denseMs: number; slimMs: number }> {
  for (let i = 0; i < warmup; i++) {
    await dense();
    await slim();
  }
  const denseTimes: number[] = [];
  const slimTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    denseTimes.push(await millisecondsOf(dense));
    slimTimes.push(await millisecondsOf(slim));
  }
  return { denseMs: median(denseTimes), slimMs: median(slimTimes) };
}


export interface SpeedupMeasurement {
  train: { denseMs: number; slimMs: number; speedup: number };
  inference: { denseMs: number; slimMs: number; speedup: number };
}

/**
 * Times dense and slim on one batch: `warmup` untimed rounds, then medians of `repeats`, training
 * with the run's optimizer and learning rate (the caller's: prune/ does not know the config).
 */
export async function measureSpeedup(
  dense: tf.LayersModel, slim: tf.LayersModel, xs: tf.Tensor4D, labels: tf.Tensor1D, numClasses: number,
  options: { warmup: number; repeats: number; optimizer: OptimizerSettings; learningRate: number },
): Promise<SpeedupMeasurement> {
  const { warmup, repeats } = options;
  const denseStep = makeTrainStep(dense, xs, labels, numClasses, options.learningRate, options.optimizer);
  const slimStep = makeTrainStep(slim, xs, labels, numClasses, options.learningRate, options.optimizer);
  try {
    const train = await timeAlternating(denseStep.step, slimStep.step, warmup, repeats);
    const inference = await timeAlternating(makeInference(dense, xs), makeInference(slim, xs), warmup, repeats);
    return {
      train: { ...train, speedup: train.denseMs / train.slimMs },
      inference: { ...inference, speedup: inference.denseMs / inference.slimMs },
    };
  } finally {
    denseStep.dispose();
    slimStep.dispose();
  }
}
