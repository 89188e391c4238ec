/** Inference-mode loss and accuracy of a model on a whole set, batch by batch. */
import * as tf from '@tensorflow/tfjs';
import { batches } from '../data/batches.ts';
import { batchTensors } from './batchTensors.ts';
import type { ImageSet } from '../data/types.ts';
import { LOGITS_LAYER, PROBS_LAYER, logitsModel } from '../models/index.ts';

/**
 * The network to train or score: registry models end in a softmax layer, and the loss wants the
 * logits before it (numerically stable cross-entropy), so use the weight-sharing logits view.
 */
export function forTraining(model: tf.LayersModel): tf.LayersModel {
  const last = model.layers[model.layers.length - 1];
  return last?.name === PROBS_LAYER && model.layers.some((l) => l.name === LOGITS_LAYER) ? logitsModel(model) : model;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

/** Reads each batch's results asynchronously (a GPU backend in Node has no synchronous read). */
export async function evaluate(model: tf.LayersModel, set: ImageSet, numClasses: number, batchSize = 256): Promise<Evaluation> {
  const net = forTraining(model);
  let lossSum = 0;
  let correctSum = 0;
  for (const batch of batches(set, batchSize, { shuffle: false, seed: 0, epoch: 0 })) {
    const [l, c] = tf.tidy(() => {
      const { xs, labels } = batchTensors(set, batch);
      const logits = net.apply(xs, { training: false }) as tf.Tensor2D;
      return [tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits), tf.equal(tf.argMax(logits, 1), labels).sum()];
    });
    const [loss, correct] = [(await l.data())[0]!, (await c.data())[0]!];
    tf.dispose([l, c]);
    lossSum += loss * batch.size;
    correctSum += correct;
  }
  return { loss: lossSum / set.count, accuracy: correctSum / set.count, count: set.count };
}
