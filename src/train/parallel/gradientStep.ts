/**
 * How one training step gets its gradients: the loop asks a GradientStep for the mean loss, the
 * number of correct predictions and the gradients of one batch, then runs the callbacks'
 * `transformGradients` and the optimizer itself. The local step computes them on this thread;
 * the data-parallel step (dataParallelStep.ts) splits the batch across worker threads.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, ImageSet } from '../../data/types.ts';
import { batchTensors } from '../batchTensors.ts';

export interface StepGradients {
  /**
   * Mean cross-entropy over the batch, and the number of correct predictions: numbers, or scalars
   * still on the device that the caller owns (the loop sums them there, see ../stepMetrics.ts).
   */
  loss: number | tf.Scalar;
  correct: number | tf.Scalar;
  /** Gradients of the mean loss, keyed by tf variable name; the caller disposes them. */
  grads: tf.NamedTensorMap;
}

export interface GradientStep {
  compute(set: ImageSet, batch: Batch): Promise<StepGradients>;
  dispose(): Promise<void>;
}

/** Loss, correct count and gradients of `net` on one batch; call inside tf.tidy. */
export function shardGradients(net: tf.LayersModel, variables: tf.Variable[], xs: tf.Tensor4D, labels: tf.Tensor1D, numClasses: number) {
  const targets = tf.oneHot(labels, numClasses);
  let correct: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const logits = net.apply(xs, { training: true }) as tf.Tensor2D;
    correct = tf.keep(tf.equal(tf.argMax(logits, 1), labels).sum());
    return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  }, variables);
  return { value, correct: correct!, grads };
}

/** Today's path (K = 1): everything on this thread. */
export class LocalGradientStep implements GradientStep {
  constructor(private readonly net: tf.LayersModel, private readonly variables: tf.Variable[], private readonly numClasses: number) {}

  /** The loss and the correct count stay on the device: nothing is read here. */
  async compute(set: ImageSet, batch: Batch): Promise<StepGradients> {
    const { value, correct, grads } = tf.tidy(() => {
      const { xs, labels } = batchTensors(set, batch);
      return shardGradients(this.net, this.variables, xs, labels, this.numClasses);
    });
    return { loss: value, correct: correct as tf.Scalar, grads };
  }

  async dispose(): Promise<void> {}
}
