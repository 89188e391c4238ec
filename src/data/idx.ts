/**
 * Reader for the IDX format used by MNIST, Fashion-MNIST and EMNIST: a big-endian header
 * (magic, then one uint32 per dimension) followed by raw uint8 values. Files may be gzipped
 * (detected by the gzip magic bytes, not the file name) or raw.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors.ts';
import type { RawImages } from './raw.ts';

/** 0x00000803: unsigned bytes, 3 dimensions [count, rows, cols]. */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** 0x00000801: unsigned bytes, 1 dimension [count]. */
export const IDX_LABELS_MAGIC = 0x00000801;

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a file and gunzips it when it starts with the gzip magic. */
export async function readMaybeGzipped(file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new DataError(`cannot read ${file}: ${(cause as Error).message}`, { path: file, cause });
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (cause) {
    throw new DataError(
      `cannot decompress ${file}: ${(cause as Error).message} (the .gz file is corrupt or incomplete; delete it and fetch it again)`,
      { path: file, cause },
    );
  }
}

function readHeader(bytes: Uint8Array, file: string, expectedMagic: number, headerBytes: number): DataView {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) {
    throw new DataError(`${file} is truncated: ${bytes.length} bytes, too short for an IDX header`, { path: file });
  }
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    const kind = expectedMagic === IDX_IMAGES_MAGIC ? 'IDX images' : 'IDX labels';
    throw new DataError(`${file} is not an ${kind} file: magic number is ${hex(magic)}, expected ${hex(expectedMagic)}`, {
      path: file,
    });
  }
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${file} is truncated: expected at least ${headerBytes} header bytes, found ${bytes.length}`,
      { path: file },
    );
  }
  return view;
}

function checkLength(bytes: Uint8Array, file: string, expected: number, what: string): void {
  if (bytes.length === expected) return;
  const problem = bytes.length < expected ? 'is truncated' : 'has trailing data';
  throw new DataError(`${file} ${problem}: header says ${what}, so expected ${expected} bytes, found ${bytes.length}`, {
    path: file,
  });
}

export interface IdxImages {
  /** `count * rows * cols` bytes (a view into the decoded file, not a copy). */
  pixels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Parses an (already decompressed) IDX images file. `file` is only used in error messages. */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const view = readHeader(bytes, file, IDX_IMAGES_MAGIC, 16);
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  checkLength(bytes, file, 16 + count * rows * cols, `${count} images of ${rows}x${cols}`);
  return { pixels: bytes.subarray(16), count, rows, cols };
}

/** Parses an (already decompressed) IDX labels file. */
export function parseIdxLabels(bytes: Uint8Array, file: string): Uint8Array {
  const view = readHeader(bytes, file, IDX_LABELS_MAGIC, 8);
  const count = view.getUint32(4);
  checkLength(bytes, file, 8 + count, `${count} labels`);
  return bytes.subarray(8);
}

/** Reads an images file and its labels file into one set, checking that the counts agree. */
export async function readIdxPair(imagesFile: string, labelsFile: string, transpose = false): Promise<RawImages> {
  const images = parseIdxImages(await readMaybeGzipped(imagesFile), imagesFile);
  const labels = parseIdxLabels(await readMaybeGzipped(labelsFile), labelsFile);
  if (images.count !== labels.length) {
    throw new DataError(
      `image/label count mismatch: ${imagesFile} has ${images.count} images but ${labelsFile} has ${labels.length} labels`,
      { path: imagesFile },
    );
  }
  const pixels = transpose ? transposeImages(images) : images.pixels;
  const [height, width] = transpose ? [images.cols, images.rows] : [images.rows, images.cols];
  return { pixels, labels, count: images.count, height, width, channels: 1 };
}

/** EMNIST stores each image transposed (column-major) relative to MNIST; this turns them upright. */
function transposeImages({ pixels, count, rows, cols }: IdxImages): Uint8Array {
  const out = new Uint8Array(count * rows * cols);
  const per = rows * cols;
  for (let n = 0; n < count; n++) {
    const base = n * per;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[base + c * rows + r] = pixels[base + r * cols + c]!;
    }
  }
  return out;
}

export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

const ROLE_STEMS: Record<IdxRole, [string, string]> = {
  trainImages: ['train-images', 'idx3-ubyte'],
  trainLabels: ['train-labels', 'idx1-ubyte'],
  testImages: ['t10k-images', 'idx3-ubyte'],
  testLabels: ['t10k-labels', 'idx1-ubyte'],
};

const ROLE_WORDS: Record<IdxRole, string> = {
  trainImages: 'training images',
  trainLabels: 'training labels',
  testImages: 'test images',
  testLabels: 'test labels',
};

/** Names looked for, in order: the official dash form, the dot form some mirrors use, each raw or `.gz`. */
export function idxCandidateNames(role: IdxRole): string[] {
  const [stem, kind] = ROLE_STEMS[role];
  return [`${stem}-${kind}`, `${stem}-${kind}.gz`, `${stem}.${kind}`, `${stem}.${kind}.gz`];
}

function emnistNames(split: string, role: IdxRole): string[] {
  const [stem, kind] = ROLE_STEMS[role];
  const name = `emnist-${split}-${stem.replace('t10k', 'test')}-${kind}`;
  return [name, `${name}.gz`];
}

export interface IdxFolderFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
  /** Set when the folder uses EMNIST naming (`emnist-<split>-train-images-idx3-ubyte`). */
  emnistSplit?: string;
}

async function listFolder(dir: string): Promise<Set<string>> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new DataError(`data folder not found: ${dir}`, { path: dir });
  }
  if (!info.isDirectory()) throw new DataError(`not a folder: ${dir} (expected a folder of IDX files)`, { path: dir });
  return new Set(await readdir(dir));
}

const ROLES: IdxRole[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/**
 * Finds the four IDX files of a dataset folder. Official MNIST-style names win; otherwise EMNIST
 * names are used, and when the folder holds several EMNIST splits `emnistSplit` picks one.
 */
export async function findIdxFiles(dir: string, options: { emnistSplit?: string } = {}): Promise<IdxFolderFiles> {
  const entries = await listFolder(dir);
  const pick = (names: string[]) => names.find((n) => entries.has(n));

  if (options.emnistSplit === undefined) {
    const found = ROLES.map((role) => pick(idxCandidateNames(role)));
    if (found.every((f) => f !== undefined)) {
      const [trainImages, trainLabels, testImages, testLabels] = found.map((f) => join(dir, f!)) as [string, string, string, string];
      return { trainImages, trainLabels, testImages, testLabels };
    }
    const splits = [...entries]
      .map((e) => /^emnist-(.+)-train-images-idx3-ubyte(\.gz)?$/.exec(e)?.[1])
      .filter((s): s is string => s !== undefined);
    const unique = [...new Set(splits)].sort();
    if (unique.length > 1) {
      throw new DataError(
        `${dir} holds several EMNIST splits (${unique.join(', ')}); choose one, e.g. emnist:${unique[0]}:${dir}`,
        { path: dir },
      );
    }
    if (unique.length === 0 || found.some((f) => f !== undefined)) {
      const missing = ROLES.filter((_, i) => found[i] === undefined);
      const lines = missing.map((role) => `  ${ROLE_WORDS[role]}: ${idxCandidateNames(role).join(', ')}`);
      throw new DataError(
        `IDX folder ${dir} is missing files. Looked for:\n${lines.join('\n')}\n` +
          `(EMNIST folders may instead use emnist-<split>-train-images-idx3-ubyte[.gz] etc.)`,
        { path: dir },
      );
    }
    return findEmnist(dir, entries, unique[0]!);
  }
  return findEmnist(dir, entries, options.emnistSplit);
}

function findEmnist(dir: string, entries: Set<string>, split: string): IdxFolderFiles {
  const files: Partial<Record<IdxRole, string>> = {};
  const missing: string[] = [];
  for (const role of ROLES) {
    const names = emnistNames(split, role);
    const name = names.find((n) => entries.has(n));
    if (name === undefined) missing.push(`  ${ROLE_WORDS[role]}: ${names.join(', ')}`);
    else files[role] = join(dir, name);
  }
  if (missing.length > 0) {
    throw new DataError(`EMNIST folder ${dir} is missing files for split "${split}". Looked for:\n${missing.join('\n')}`, {
      path: dir,
    });
  }
  return { ...(files as Record<IdxRole, string>), emnistSplit: split };
}

export interface IdxDataset {
  train: RawImages;
  test: RawImages;
  files: IdxFolderFiles;
}

/** Loads the training and test sets of an IDX folder (MNIST, Fashion-MNIST, EMNIST, or any IDX set). */
export async function loadIdxFolder(dir: string, options: { emnistSplit?: string } = {}): Promise<IdxDataset> {
  const files = await findIdxFiles(dir, options);
  const transpose = files.emnistSplit !== undefined;
  const train = await readIdxPair(files.trainImages, files.trainLabels, transpose);
  const test = await readIdxPair(files.testImages, files.testLabels, transpose);
  if (train.height !== test.height || train.width !== test.width) {
    throw new DataError(
      `training images are ${train.height}x${train.width} but test images are ${test.height}x${test.width} (${files.trainImages}, ${files.testImages})`,
      { path: dir },
    );
  }
  return { train, test, files };
}
