/**
 * Optional download of MNIST, Fashion-MNIST and CIFAR-10 into a cache folder (default
 * `~/.cache/earlybird/datasets/<name>`), verified against published checksums. Nothing else in the
 * data layer touches the network: `loadData` only reads folders.
 *
 * Checksums. Each file carries the MD5 its publishers list for the archive as served. MNIST and
 * Fashion-MNIST files are also accepted when the MD5 of their *decompressed* content matches the
 * published content MD5: redistributors recompress these files (Debian's dataset-fashion-mnist ships
 * gzip files with a 2020 timestamp, so their archive MD5 differs, while the IDX bytes inside are
 * the originals), and it is the content we train on.
 * Sources of the digests: archive MD5s from the Fashion-MNIST README (also in Debian's copy at
 * /usr/share/doc/dataset-fashion-mnist/README.md.gz), torchvision's MNIST resource list, and the
 * CIFAR-10 page (https://www.cs.toronto.edu/~kriz/cifar.html); content MD5s as listed by several
 * public projects that check the uncompressed IDX files (e.g. torchvision-style `raw_data` lists), and
 * for Fashion-MNIST confirmed here against the Debian files.
 *
 * Mirrors. `options.mirror`, else the environment variable EARLYBIRD_DATA_MIRROR, replaces the
 * public sources with one root URL holding a folder per dataset: `<mirror>/<dataset>/<file>`.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDatasetDir, defaultDatasetsRoot } from './cache-dir.ts';
import { fileDigest, gunzippedDigest } from './checksum.ts';
import { DataError } from './errors.ts';
import { pathExists } from './pathExists.ts';
import { downloadToPart, type DownloadProgress, type HttpDownloadOptions } from './http-download.ts';
import { extractTarGzMembers } from './tar.ts';

export type { DownloadProgress } from './http-download.ts';

export interface DatasetFile {
  name: string;
  /** Published MD5 of the file as served. */
  md5: string;
  /** Published MD5 of the gunzipped content, for files that redistributors recompress. */
  contentMd5?: string;
}

export interface DatasetManifest {
  /** Folder name in the cache and in a mirror; also the `loadData` spec kind. */
  name: string;
  /** Where the publishers serve the files; file names are appended. */
  defaultBaseUrl: string;
  files: DatasetFile[];
  /** For archives: the members to extract (archive path -> file name in the dataset folder); the archive is deleted afterwards. */
  extract?: { archive: string; members: Record<string, string> };
}

export const DATASET_MANIFESTS = {
  mnist: {
    name: 'mnist',
    // yann.lecun.com now often refuses downloads; this is the mirror torchvision uses.
    defaultBaseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873', contentMd5: '6bbc9ace898e44ae57da46a324031adb' },
      { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432', contentMd5: 'a25bea736e30d166cdddb491f175f624' },
      { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3', contentMd5: '2646ac647ad5339dbf082846283269ea' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c', contentMd5: '27ae3e4e09519cfbb04c329615203637' },
    ],
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    defaultBaseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', contentMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a' },
      { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe', contentMd5: '9018921c3c673c538a1fc5bad174d6f9' },
      { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79', contentMd5: '8181f5470baa50b63fa0f6fddb340f0a' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310', contentMd5: '15d484375f8d13e6eb1aabb0c3f46965' },
    ],
  },
  cifar10: {
    name: 'cifar10',
    defaultBaseUrl: 'https://www.cs.toronto.edu/~kriz/',
    files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
    extract: {
      archive: 'cifar-10-binary.tar.gz',
      members: Object.fromEntries(
        ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin', 'batches.meta.txt'].map(
          (name) => [`cifar-10-batches-bin/${name}`, name],
        ),
      ),
    },
  },
} as const satisfies Record<string, DatasetManifest>;

export type DatasetName = keyof typeof DATASET_MANIFESTS;
export const DATASET_NAMES = Object.keys(DATASET_MANIFESTS) as DatasetName[];

export const MIRROR_ENV = 'EARLYBIRD_DATA_MIRROR';

export interface DownloadOptions extends Omit<HttpDownloadOptions, 'label'> {
  /** Exact destination folder; default `<cacheRoot>/<name>`. */
  dir?: string;
  /** Root of the cache; default `~/.cache/earlybird/datasets`. */
  cacheRoot?: string;
  /** Root URL holding `<name>/<file>`; default `$EARLYBIRD_DATA_MIRROR`, else the publishers' URLs. */
  mirror?: string;
}

export type Verification = 'md5' | 'content-md5' | 'already-present';

export interface DownloadResult {
  dir: string;
  /** A `loadData` spec for the downloaded folder. */
  spec: string;
  files: { name: string; path: string; verifiedBy: Verification }[];
}

/** The URL folder a dataset's files are fetched from. */
export function datasetBaseUrl(manifest: DatasetManifest, mirror: string | undefined = process.env[MIRROR_ENV]): string {
  if (mirror === undefined || mirror.trim() === '') return manifest.defaultBaseUrl.replace(/\/*$/, '/');
  return `${mirror.trim().replace(/\/+$/, '')}/${manifest.name}/`;
}


/** Checks a finished part file; on a mismatch deletes it and throws, naming both digests. */
export async function verifyDownloadedFile(path: string, file: DatasetFile, url: string): Promise<Exclude<Verification, 'already-present'>> {
  const md5 = await fileDigest(path, 'md5');
  if (md5 === file.md5) return 'md5';
  let contentPart = '';
  if (file.contentMd5 !== undefined) {
    const content = await gunzippedDigest(path, 'md5');
    if (content === file.contentMd5) return 'content-md5';
    contentPart = content === undefined ? '; it does not even decompress as gzip' : `; its decompressed content has MD5 ${content}, expected ${file.contentMd5}`;
  }
  await rm(path, { force: true });
  throw new DataError(
    `checksum mismatch for ${file.name} downloaded from ${url}: MD5 ${md5}, expected ${file.md5} (published)${contentPart}. ` +
      `The corrupt download ${path} was deleted; run the download again, or check the mirror.`,
    { path: url },
  );
}

async function fetchVerified(manifest: DatasetManifest, file: DatasetFile, dir: string, baseUrl: string, options: DownloadOptions): Promise<{ path: string; verifiedBy: Verification }> {
  const path = join(dir, file.name);
  // A final name only ever appears after verification, so its presence means it was verified.
  if (await pathExists(path)) return { path, verifiedBy: 'already-present' };
  const url = new URL(file.name, baseUrl).toString();
  const part = `${path}.part`;
  await downloadToPart(url, part, { ...options, label: `${manifest.name}/${file.name}` });
  const verifiedBy = await verifyDownloadedFile(part, file, url);
  await rename(part, path);
  return { path, verifiedBy };
}

/**
 * Downloads (or finds already downloaded) a dataset and returns its folder and `loadData` spec.
 * Safe to call again after an interruption: finished files are kept, a `.part` file is resumed.
 */
export async function downloadDataset(dataset: DatasetName | DatasetManifest, options: DownloadOptions = {}): Promise<DownloadResult> {
  const manifest: DatasetManifest = typeof dataset === 'string' ? DATASET_MANIFESTS[dataset] : dataset;
  if (manifest === undefined) {
    throw new DataError(`unknown dataset "${String(dataset)}"; downloadable: ${DATASET_NAMES.join(', ')}`);
  }
  const dir = options.dir ?? defaultDatasetDir(manifest.name, options.cacheRoot ?? defaultDatasetsRoot());
  await mkdir(dir, { recursive: true });
  const baseUrl = datasetBaseUrl(manifest, options.mirror);
  const spec = `${manifest.name}:${dir}`;

  if (manifest.extract) {
    const targets = Object.values(manifest.extract.members).map((name) => join(dir, name));
    const present = await Promise.all(targets.map(pathExists));
    if (present.every(Boolean)) {
      return { dir, spec, files: targets.map((path, i) => ({ name: Object.values(manifest.extract!.members)[i]!, path, verifiedBy: 'already-present' })) };
    }
  }

  const files: DownloadResult['files'] = [];
  for (const file of manifest.files) {
    const { path, verifiedBy } = await fetchVerified(manifest, file, dir, baseUrl, options);
    files.push({ name: file.name, path, verifiedBy });
  }

  if (!manifest.extract) return { dir, spec, files };
  const archive = join(dir, manifest.extract.archive);
  const verifiedBy = files.find((f) => f.name === manifest.extract!.archive)?.verifiedBy ?? 'already-present';
  const wanted = new Map(Object.entries(manifest.extract.members).map(([member, name]) => [member, join(dir, name)]));
  await extractTarGzMembers(archive, wanted);
  // The extracted files are what loaders read; keeping the archive would double the disk use.
  await rm(archive, { force: true });
  return { dir, spec, files: [...wanted.values()].map((path, i) => ({ name: Object.values(manifest.extract!.members)[i]!, path, verifiedBy })) };
}
