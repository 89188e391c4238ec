/** One batch of a set as tensors: images [n, h, w, c] and int32 labels (call inside tf.tidy). */
import * as tf from '@tensorflow/tfjs';
import type { Batch, ImageSet } from '../data/types.ts';

export function batchTensors(set: Pick<ImageSet, 'height' | 'width' | 'channels'>, batch: Batch): { xs: tf.Tensor4D; labels: tf.Tensor1D } {
  // `batches()` hands out views sized to the batch, a short last batch included.
  return {
    xs: tf.tensor4d(batch.images, [batch.size, set.height, set.width, set.channels]),
    labels: tf.tensor1d(batch.labels, 'int32'),
  };
}
