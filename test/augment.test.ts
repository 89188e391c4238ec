/**
 * CIFAR augmentation (pad 4 + random 32x32 crop + horizontal flip) as `batches()` applies it: each
 * augmented image equals a crop-and-flip computed here from an explicitly padded copy; the draws
 * depend only on the seed, the epoch and the image (the same for every batch size, so every method
 * trained with one seed sees the same images); evaluation batches are never augmented; every offset
 * and both flips occur; and `loadData` puts it on the training split only, padding with the value
 * a black pixel normalises to. CIFAR-format files are written by the test; nothing is downloaded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { augmentImage, CIFAR_PAD, cropFlipAugmentation, imageRandom, type Augmentation } from '../src/data/augment.ts';
import { batches, epochOrder } from '../src/data/batches.ts';
import { CIFAR10_RECORD_BYTES } from '../src/data/cifar10.ts';
import { loadData } from '../src/data/load.ts';
import type { ImageSet } from '../src/data/types.ts';

/** A set whose every value is distinct, so a wrong source pixel cannot go unnoticed. */
function distinctSet(count: number, side: number, channels: number, augmentation?: Augmentation): ImageSet {
  const images = Float32Array.from({ length: count * side * side * channels }, (_, i) => i + 1);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels, count, height: side, width: side, channels, ...(augmentation ? { augmentation } : {}) };
}

/**
 * The reference: pad image `index` explicitly by `pad` with `fill`, cut the window at (top, left),
 * then mirror it. Draw order as documented in augment.ts: top, left, then the flip.
 */
function reference(set: ImageSet, index: number, aug: Augmentation, seed: number, epoch: number): Float32Array {
  const { height: h, width: w, channels: c } = set;
  const random = imageRandom(seed, epoch, index);
  const top = Math.floor(random() * (2 * aug.pad + 1));
  const left = Math.floor(random() * (2 * aug.pad + 1));
  const flip = aug.flip && random() < 0.5;
  const ph = h + 2 * aug.pad;
  const pw = w + 2 * aug.pad;
  const padded = new Float32Array(ph * pw * c);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      for (let k = 0; k < c; k++) {
        const inside = y >= aug.pad && y < aug.pad + h && x >= aug.pad && x < aug.pad + w;
        padded[(y * pw + x) * c + k] = inside ? set.images[((index * h + y - aug.pad) * w + x - aug.pad) * c + k]! : aug.fill[k]!;
      }
    }
  }
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const wx = flip ? w - 1 - x : x;
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = padded[((top + y) * pw + left + wx) * c + k]!;
    }
  }
  return out;
}

/** Every image of one epoch, in visiting order, copied out of the shared batch buffer. */
function epochImages(set: ImageSet, batchSize: number, seed: number, epoch: number, shuffle = true): Float32Array[] {
  const per = set.height * set.width * set.channels;
  const out: Float32Array[] = [];
  for (const batch of batches(set, batchSize, { shuffle, seed, epoch })) {
    for (let r = 0; r < batch.size; r++) out.push(batch.images.slice(r * per, (r + 1) * per));
  }
  return out;
}

const AUG: Augmentation = { pad: CIFAR_PAD, flip: true, fill: [-7, -8, -9] };

describe('pad-4 crop + flip in batches()', () => {
  test('each training image is the crop-and-flip of its explicitly padded copy', () => {
    const set = distinctSet(24, 8, 3, AUG);
    for (const epoch of [0, 1]) {
      const order = epochOrder(set.count, { shuffle: true, seed: 5, epoch });
      const images = epochImages(set, 5, 5, epoch);
      images.forEach((image, i) => assert.deepEqual(image, reference(set, order[i]!, AUG, 5, epoch), `epoch ${epoch}, image ${order[i]}`));
    }
  });

  test('the same seed gives the same augmented epoch whatever the batch size; another epoch or seed does not', () => {
    const set = distinctSet(30, 8, 3, AUG);
    const a = epochImages(set, 4, 9, 2);
    assert.deepEqual(epochImages(set, 4, 9, 2), a);
    assert.deepEqual(epochImages(set, 7, 9, 2), a);
    assert.deepEqual(epochImages(set, 30, 9, 2), a);
    assert.notDeepEqual(epochImages(set, 4, 9, 3), a);
    assert.notDeepEqual(epochImages(set, 4, 10, 2), a);
  });

  test('evaluation batches (stored order) are the images as stored; augment: false turns it off', () => {
    const set = distinctSet(6, 8, 3, AUG);
    const per = 8 * 8 * 3;
    const stored = epochImages(set, 4, 1, 0, false);
    stored.forEach((image, i) => assert.deepEqual(image, set.images.slice(i * per, (i + 1) * per)));
    const order = epochOrder(set.count, { shuffle: true, seed: 1, epoch: 0 });
    const plain = [...batches(set, 6, { shuffle: true, seed: 1, epoch: 0, augment: false })][0]!;
    order.forEach((index, r) => assert.deepEqual(plain.images.slice(r * per, (r + 1) * per), set.images.slice(index * per, (index + 1) * per)));
  });

  test('every crop offset of 0..8 in both axes and both flips occur, each about as often', () => {
    const set = distinctSet(1, 32, 1, { pad: 4, flip: true, fill: [0] });
    const rows = new Array(9).fill(0);
    const cols = new Array(9).fill(0);
    let flips = 0;
    const draws = 9000;
    for (let epoch = 0; epoch < draws; epoch++) {
      const random = imageRandom(3, epoch, 0);
      rows[Math.floor(random() * 9)]++;
      cols[Math.floor(random() * 9)]++;
      if (random() < 0.5) flips++;
    }
    for (const counts of [rows, cols]) for (const n of counts) assert.ok(n > 850 && n < 1150, `offset counts ${counts}`);
    assert.ok(flips > 4300 && flips < 4700, `${flips} flips in ${draws}`);
    // And the written image follows those draws: a flip reverses a row of the uncropped centre.
    const out = new Float32Array(32 * 32);
    augmentImage(set, 0, set.augmentation!, imageRandom(3, 0, 0), out, 0);
    assert.deepEqual(out, reference(set, 0, set.augmentation!, 3, 0));
  });
});

describe('loadData with augment', () => {
  test('only the training split is augmented; the padding is a black pixel after normalisation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eb-augment-'));
    const file = (n: number, salt: number) => {
      const bytes = Buffer.alloc(n * CIFAR10_RECORD_BYTES);
      for (let i = 0; i < n; i++) {
        bytes[i * CIFAR10_RECORD_BYTES] = i % 10;
        for (let j = 1; j < CIFAR10_RECORD_BYTES; j++) bytes[i * CIFAR10_RECORD_BYTES + j] = (i * 31 + j * 7 + salt) & 255;
      }
      return bytes;
    };
    for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), file(4, b));
    writeFileSync(join(dir, 'test_batch.bin'), file(3, 9));
    const data = await loadData(`cifar10:${dir}`, { seed: 1, augment: true, validationFraction: 0.2 });
    assert.deepEqual(data.train.augmentation, cropFlipAugmentation({ mean: data.mean, std: data.std }));
    assert.equal(data.train.augmentation!.pad, 4);
    data.train.augmentation!.fill.forEach((v, c) => assert.ok(Math.abs(v - (0 - data.mean[c]!) / data.std[c]!) < 1e-12));
    assert.equal(data.validation.augmentation, undefined);
    assert.equal(data.test.augmentation, undefined);
    const plain = await loadData(`cifar10:${dir}`, { seed: 1, validationFraction: 0.2 });
    assert.equal(plain.train.augmentation, undefined);
    assert.deepEqual(plain.train.images, data.train.images, 'the stored images are the same; augmentation happens per batch');
  });
});
