/**
 * Seeded choice of which images go to train / validation / test. Works on index arrays only; the
 * pixels are gathered once, afterwards, by `normaliseSubset`.
 */
import { mulberry32, permutation } from '../random.ts';

/** 0..n-1. */
export function allIndices(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** `indices` in a seeded random order (a new array). */
export function shuffled(indices: Uint32Array, seed: number): Uint32Array {
  const order = permutation(indices.length, mulberry32(seed));
  const out = new Uint32Array(indices.length);
  for (let i = 0; i < order.length; i++) out[i] = indices[order[i]!]!;
  return out;
}

/** Sorted copy: keeps the chosen images in file order, which makes gathering cache-friendly. */
function sortedCopy(indices: Uint32Array): Uint32Array {
  return Uint32Array.from(indices).sort();
}

/** A seeded random subset of at most `limit` of `indices`, in file order. */
export function seededSubset(indices: Uint32Array, limit: number | undefined, seed: number): Uint32Array {
  if (limit === undefined || limit >= indices.length) return indices;
  return sortedCopy(shuffled(indices, seed).subarray(0, limit));
}

/** Splits a pool in two at a seeded random point: the first `headCount` and the rest. */
export function seededSplit(indices: Uint32Array, headCount: number, seed: number): { head: Uint32Array; rest: Uint32Array } {
  const order = shuffled(indices, seed);
  return { head: sortedCopy(order.subarray(0, headCount)), rest: sortedCopy(order.subarray(headCount)) };
}

/**
 * Carves the validation set out of the training pool. `trainLimit` caps the training set; the
 * validation set then shrinks in proportion (`fraction` of train + validation), so a quick run on a
 * few thousand images does not evaluate on a much larger validation set.
 */
export function carveValidation(
  pool: Uint32Array,
  fraction: number,
  trainLimit: number | undefined,
  seed: number,
): { train: Uint32Array; validation: Uint32Array } {
  const order = shuffled(pool, seed);
  let validationCount = Math.round(fraction * pool.length);
  let trainCount = pool.length - validationCount;
  if (trainLimit !== undefined && trainLimit < trainCount) {
    trainCount = trainLimit;
    validationCount = Math.min(validationCount, Math.round((trainLimit * fraction) / (1 - fraction)));
  }
  return {
    validation: sortedCopy(order.subarray(0, validationCount)),
    train: sortedCopy(order.subarray(validationCount, validationCount + trainCount)),
  };
}
