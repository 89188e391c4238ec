/**
 * Derives independent seeds for the different random choices made from one user seed (test split,
 * validation split, limits, per-epoch shuffles), so that changing how one is drawn never shifts
 * another, and seed 1 / epoch 2 is unrelated to seed 2 / epoch 1.
 */
export function deriveSeed(seed: number, stream: number): number {
  // murmur3's 32-bit finaliser over a golden-ratio combination of the two inputs.
  let h = ((seed >>> 0) + Math.imul((stream >>> 0) + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Named streams, so each use of the seed is visible in one place. */
export const SeedStream = {
  testSplit: 1,
  validationSplit: 2,
  testLimit: 3,
  shuffle: 4,
  augment: 5,
} as const;
