/**
 * Turns uint8 pixels into the float `ImageSet`s the model sees: scale to [0,1], then per channel
 * (x - mean) / std with mean and std measured on the training split only (so validation and test
 * data do not leak into preprocessing).
 */
import type { ImageSet } from './types.ts';
import { imageSize, type RawImages } from './raw.ts';

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/**
 * Mean and std per channel of the images `indices` of `raw`, on the [0,1] scale. Counted through a
 * 256-bin histogram per channel: exact, and one pass over bytes without float accumulation drift.
 */
export function channelStats(raw: RawImages, indices: Uint32Array): ChannelStats {
  const { channels } = raw;
  const per = imageSize(raw);
  const histograms = Array.from({ length: channels }, () => new Float64Array(256));
  for (const image of indices) {
    const base = image * per;
    for (let i = 0; i < per; i++) histograms[i % channels]![raw.pixels[base + i]!]! += 1;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (const histogram of histograms) {
    let n = 0;
    let sum = 0;
    let sumSquares = 0;
    for (let v = 0; v < 256; v++) {
      const k = histogram[v]!;
      const x = v / 255;
      n += k;
      sum += k * x;
      sumSquares += k * x * x;
    }
    const m = n > 0 ? sum / n : 0;
    const variance = n > 0 ? Math.max(0, sumSquares / n - m * m) : 0;
    mean.push(m);
    // A constant channel would divide by zero; leave it centred but unscaled.
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
  }
  return { mean, std };
}

/** Gathers images `indices` of `raw` into a new normalised float set. */
export function normaliseSubset(raw: RawImages, indices: Uint32Array, stats: ChannelStats): ImageSet {
  const { channels, height, width } = raw;
  const per = imageSize(raw);
  // One lookup table per channel: 256 possible bytes -> normalised float.
  const tables = stats.mean.map((m, c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - m) / stats.std[c]!;
    return table;
  });
  const count = indices.length;
  const images = new Float32Array(count * per);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const image = indices[n]!;
    const from = image * per;
    const to = n * per;
    if (channels === 1) {
      const table = tables[0]!;
      for (let i = 0; i < per; i++) images[to + i] = table[raw.pixels[from + i]!]!;
    } else {
      for (let i = 0; i < per; i++) images[to + i] = tables[i % channels]![raw.pixels[from + i]!]!;
    }
    labels[n] = raw.labels[image]!;
  }
  return { images, labels, count, height, width, channels };
}

/**
 * The [0,1] pixels (bytes / 255) a normalised set was made from, recovered exactly: each value maps
 * back to the nearest byte. What a user feeds a model exported with its normalisation inside.
 */
export function unitPixels(set: ImageSet, stats: ChannelStats): ImageSet {
  const { channels } = set;
  const images = new Float32Array(set.images.length);
  for (let i = 0; i < images.length; i++) {
    const c = i % channels;
    images[i] = Math.round((set.images[i]! * stats.std[c]! + stats.mean[c]!) * 255) / 255;
  }
  return { ...set, images };
}
