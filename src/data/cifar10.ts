/**
 * Reader for the CIFAR-10 binary version (cifar-10-binary.tar.gz, extracted): each record is one
 * label byte followed by 3072 pixel bytes stored channel-planar (1024 R, 1024 G, 1024 B, each 32x32
 * row-major). Converted here to NHWC, the layout TF.js convolutions take.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from './errors.ts';
import { pathExists } from './pathExists.ts';
import { concatRaw, type RawImages } from './raw.ts';

export const CIFAR10_SIDE = 32;
export const CIFAR10_CHANNELS = 3;
const PIXELS_PER_PLANE = CIFAR10_SIDE * CIFAR10_SIDE;
/** 1 label byte + 3 planes of 32x32. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_CHANNELS * PIXELS_PER_PLANE;

export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_META_FILE = 'batches.meta.txt';
/** The folder name inside the official archive; accepted as a subfolder of the given one. */
export const CIFAR10_ARCHIVE_FOLDER = 'cifar-10-batches-bin';

export const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Decodes one batch file's bytes. `file` is only used in error messages. */
export function parseCifar10Batch(bytes: Uint8Array, file: string): RawImages {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new DataError(
      `${file} is not a CIFAR-10 binary batch: size ${bytes.length} bytes is not a positive multiple of ${CIFAR10_RECORD_BYTES} (1 label byte + 3072 pixel bytes per record)` +
        (bytes.length > 0 ? `; ${bytes.length % CIFAR10_RECORD_BYTES} bytes left over, so it is probably truncated` : ''),
      { path: file },
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const per = CIFAR10_CHANNELS * PIXELS_PER_PLANE;
  const pixels = new Uint8Array(count * per);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const record = n * CIFAR10_RECORD_BYTES;
    const label = bytes[record]!;
    if (label >= CIFAR10_CLASS_NAMES.length) {
      throw new DataError(`${file}: record ${n} has label ${label}, expected 0..9 (not a CIFAR-10 batch?)`, { path: file });
    }
    labels[n] = label;
    const out = n * per;
    // Planar (c, y, x) -> interleaved (y, x, c).
    for (let c = 0; c < CIFAR10_CHANNELS; c++) {
      const plane = record + 1 + c * PIXELS_PER_PLANE;
      for (let p = 0; p < PIXELS_PER_PLANE; p++) pixels[out + p * CIFAR10_CHANNELS + c] = bytes[plane + p]!;
    }
  }
  return { pixels, labels, count, height: CIFAR10_SIDE, width: CIFAR10_SIDE, channels: CIFAR10_CHANNELS };
}


/** The folder that actually holds the batches: `dir` itself or its `cifar-10-batches-bin` subfolder. */
async function resolveBatchFolder(dir: string): Promise<string> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new DataError(`data folder not found: ${dir}`, { path: dir });
  }
  if (!info.isDirectory()) throw new DataError(`not a folder: ${dir} (expected the CIFAR-10 binary batches)`, { path: dir });
  if (!(await pathExists(join(dir, CIFAR10_TEST_FILE))) && (await pathExists(join(dir, CIFAR10_ARCHIVE_FOLDER, CIFAR10_TEST_FILE)))) {
    return join(dir, CIFAR10_ARCHIVE_FOLDER);
  }
  return dir;
}

/** Class names from batches.meta.txt when present (one per line), else the standard ten. */
export async function readCifar10ClassNames(dir: string): Promise<string[]> {
  const metaFile = join(dir, CIFAR10_META_FILE);
  if (!(await pathExists(metaFile))) return [...CIFAR10_CLASS_NAMES];
  const names = (await readFile(metaFile, 'utf8'))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length !== CIFAR10_CLASS_NAMES.length) {
    throw new DataError(`${metaFile} lists ${names.length} class names, expected ${CIFAR10_CLASS_NAMES.length}`, { path: metaFile });
  }
  return names;
}

export interface Cifar10Dataset {
  train: RawImages;
  test: RawImages;
  classNames: string[];
  /** The folder the batches were read from. */
  folder: string;
}

/** The folder holding every CIFAR-10 batch (`dir` or its archive subfolder); throws naming what is missing. Reads no batch. */
export async function findCifar10Folder(dir: string): Promise<string> {
  const folder = await resolveBatchFolder(dir);
  const wanted = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const missing: string[] = [];
  for (const name of wanted) if (!(await pathExists(join(folder, name)))) missing.push(name);
  if (missing.length > 0) {
    throw new DataError(
      `CIFAR-10 folder ${folder} is missing ${missing.join(', ')} (looked for ${wanted.join(', ')}, ` +
        `also inside ${CIFAR10_ARCHIVE_FOLDER}/); extract cifar-10-binary.tar.gz there`,
      { path: folder },
    );
  }
  return folder;
}

/** Loads the five training batches and the test batch from a CIFAR-10 binary folder. */
export async function loadCifar10Folder(dir: string): Promise<Cifar10Dataset> {
  const folder = await findCifar10Folder(dir);
  const readBatch = async (name: string) => {
    const file = join(folder, name);
    return parseCifar10Batch(await readFile(file), file);
  };
  const trainParts: RawImages[] = [];
  for (const name of CIFAR10_TRAIN_FILES) trainParts.push(await readBatch(name));
  const test = await readBatch(CIFAR10_TEST_FILE);
  return { train: concatRaw(trainParts), test, classNames: await readCifar10ClassNames(folder), folder };
}
