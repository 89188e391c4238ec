/**
 * Datasets live in plain typed arrays, independent of TF.js: the training loop turns one batch at a
 * time into tensors, so a whole epoch is never copied.
 */
import type { Augmentation } from './augment.ts';

export interface ImageSet {
  /** Normalised pixels, NHWC, `count * height * width * channels` values. */
  images: Float32Array;
  /** Class index per image. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /**
   * Random crop and flip that `batches()` applies to every image of a training (shuffled) epoch;
   * absent: images as stored. Set on the training split only.
   */
  augmentation?: Augmentation;
}

export interface DataSplits {
  /** Short id of the source, e.g. `mnist-embedded`, `fashion-mnist`, `cifar10`. */
  name: string;
  /** Where it came from (folder, package), for the run record. */
  source: string;
  numClasses: number;
  classNames: string[];
  /** Per-channel mean and std used to normalise (computed on the training split). */
  mean: number[];
  std: number[];
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
}

export interface Batch {
  /** `size * h * w * c` values; a reused buffer, valid until the next batch is taken. */
  images: Float32Array;
  /** `size` labels as int32 (what tf.oneHot expects). */
  labels: Int32Array;
  size: number;
}
