import { mulberry32 } from '../random.ts';

/**
 * Initialiser seed of one layer, derived from the model seed and the layer's name.
 *
 * Deriving from the name (not from a running counter) keeps a layer's seed independent of how
 * many layers were built before it, so changing depth or the channel plan leaves the other
 * layers' seeds alone. The result is in [1, 2^31 - 1]: TF.js treats a seed of 0 as "no seed" and
 * would fall back to Math.random().
 */
export function layerSeed(modelSeed: number, layerName: string): number {
  // FNV-1a over the UTF-16 code units of the name.
  let hash = 0x811c9dc5;
  for (let i = 0; i < layerName.length; i++) {
    hash ^= layerName.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Fold in both 32-bit halves of the model seed, then let mulberry32 scramble the result.
  const low = modelSeed >>> 0;
  const high = Math.floor(modelSeed / 0x100000000) >>> 0;
  const mixed = (hash ^ Math.imul(low, 0x9e3779b1) ^ Math.imul(high, 0x85ebca6b)) >>> 0;
  return 1 + Math.floor(mulberry32(mixed)() * 0x7ffffffe);
}
