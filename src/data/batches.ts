/**
 * Mini-batches for one epoch. Images are gathered row by row into ONE preallocated buffer following
 * a per-epoch seeded permutation of indices: an epoch never copies the whole set, and memory stays
 * at one batch however large the dataset is. A set with an `augmentation` (the training split of a
 * config with `data.augment`) is cropped and flipped while it is gathered, in training epochs only.
 */
import { mulberry32, permutation } from '../random.ts';
import { augmentImage, imageRandom } from './augment.ts';
import { DataError } from './errors.ts';
import { deriveSeed, SeedStream } from './seed.ts';
import type { Batch, ImageSet } from './types.ts';

export interface BatchOptions {
  /** Visit images in a seeded random order (training) or in stored order (evaluation). */
  shuffle: boolean;
  seed: number;
  /** The same seed and epoch always give the same order; another epoch gives another order. */
  epoch: number;
  /** Skip the last batch when it would be smaller than `batchSize`. Default false. */
  dropLast?: boolean;
  /**
   * Apply the set's `augmentation`, drawn from `seed`, `epoch` and each image's index. Default:
   * when shuffling (training); evaluation (stored order) sees the images as they are.
   */
  augment?: boolean;
}

/** Number of batches `batches()` yields for one epoch. */
export function batchCount(set: Pick<ImageSet, 'count'>, batchSize: number, dropLast = false): number {
  checkBatchSize(batchSize);
  return dropLast ? Math.floor(set.count / batchSize) : Math.ceil(set.count / batchSize);
}

function checkBatchSize(batchSize: number): void {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new DataError(`batch size must be a positive integer, got ${batchSize}`);
}

/** The order in which one epoch visits the images. */
export function epochOrder(count: number, options: Pick<BatchOptions, 'shuffle' | 'seed' | 'epoch'>): Uint32Array {
  if (!options.shuffle) {
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    return order;
  }
  const seed = deriveSeed(deriveSeed(options.seed, SeedStream.shuffle), options.epoch);
  return permutation(count, mulberry32(seed));
}

/**
 * Yields the batches of one epoch. Every yielded `Batch` shares the same two buffers: `images` and
 * `labels` are overwritten by the next batch, so turn a batch into tensors (or copy it) before
 * asking for the next one. A smaller last batch is a `subarray` view of the same buffers.
 */
export function* batches(set: ImageSet, batchSize: number, options: BatchOptions): Generator<Batch, void, undefined> {
  checkBatchSize(batchSize);
  const per = set.height * set.width * set.channels;
  const order = epochOrder(set.count, options);
  const capacity = Math.min(batchSize, set.count);
  const images = new Float32Array(capacity * per);
  const labels = new Int32Array(capacity);
  const total = batchCount(set, batchSize, options.dropLast ?? false);
  const augmentation = (options.augment ?? options.shuffle) ? set.augmentation : undefined;

  for (let b = 0; b < total; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, set.count - start);
    for (let row = 0; row < size; row++) {
      const index = order[start + row]!;
      if (augmentation) augmentImage(set, index, augmentation, imageRandom(options.seed, options.epoch, index), images, row * per);
      else images.set(set.images.subarray(index * per, (index + 1) * per), row * per);
      labels[row] = set.labels[index]!;
    }
    yield size === capacity
      ? { images, labels, size }
      : { images: images.subarray(0, size * per), labels: labels.subarray(0, size), size };
  }
}
