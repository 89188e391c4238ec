/**
 * Training-time augmentation for CIFAR, the recipe of the Early-Bird reference code (GATECH-EIC/
 * Early-Bird-Tickets, main.py: `Pad(4)`, `RandomCrop(32)`, `RandomHorizontalFlip()` before
 * `ToTensor` and `Normalize`): each training image is padded with 4 black pixels on every side,
 * a random 32x32 window of the padded image is kept, and it is mirrored left-right with
 * probability 1/2.
 *
 * Applied by `batches()` while it gathers a training batch, on the normalised floats: the padding
 * is the value a black pixel normalises to per channel, so the result is what augmenting the raw
 * image and then normalising gives. The draw for an image depends only on the training seed, the
 * epoch and the image's index in the set — never on the batch size, the method or the network — so
 * every method trained with the same seed sees the same augmented images in every epoch, and a
 * resumed run sees what an uninterrupted one would have.
 */
import { mulberry32, type Random } from '../random.ts';
import type { ChannelStats } from './normalise.ts';
import { deriveSeed, SeedStream } from './seed.ts';
import type { ImageSet } from './types.ts';

export interface Augmentation {
  /** Pixels of padding on every side before the random crop back to the image size; 0: no crop. */
  pad: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
  /** Per channel, the value padding takes: a black pixel (byte 0) after normalisation. */
  fill: number[];
}

/** Padding of the reference code's CIFAR transform. */
export const CIFAR_PAD = 4;

/** The pad-4 random crop + horizontal flip for a set normalised with `stats`. */
export function cropFlipAugmentation(stats: ChannelStats): Augmentation {
  return { pad: CIFAR_PAD, flip: true, fill: stats.mean.map((m, c) => (0 - m) / stats.std[c]!) };
}

/** One image's random draws: the same seed, epoch and image index always give the same ones. */
export function imageRandom(seed: number, epoch: number, image: number): Random {
  return mulberry32(deriveSeed(deriveSeed(deriveSeed(seed, SeedStream.augment), epoch), image));
}

/**
 * Writes image `index` of `set`, augmented, at `offset` of `out`. Crop offsets are drawn first
 * (row, then column, each uniform in 0..2·pad), then the flip.
 */
export function augmentImage(set: ImageSet, index: number, augmentation: Augmentation, random: Random, out: Float32Array, offset: number): void {
  const { height, width, channels } = set;
  const per = height * width * channels;
  const source = index * per;
  const { pad, fill } = augmentation;
  const dy = Math.floor(random() * (2 * pad + 1)) - pad;
  const dx = Math.floor(random() * (2 * pad + 1)) - pad;
  const flip = augmentation.flip && random() < 0.5;
  for (let y = 0; y < height; y++) {
    const sy = y + dy;
    const rowInside = sy >= 0 && sy < height;
    for (let x = 0; x < width; x++) {
      // Crop first, then mirror the cropped window: output column x shows window column w-1-x.
      const sx = (flip ? width - 1 - x : x) + dx;
      const target = offset + (y * width + x) * channels;
      if (rowInside && sx >= 0 && sx < width) {
        const from = source + (sy * width + sx) * channels;
        for (let c = 0; c < channels; c++) out[target + c] = set.images[from + c]!;
      } else {
        for (let c = 0; c < channels; c++) out[target + c] = fill[c]!;
      }
    }
  }
}
