/**
 * Normalised Hamming distance between two channel masks: the fraction of channels kept in one
 * and pruned in the other. This is the official Early-Bird `1 - sum(mask_i == mask_j) / size`.
 */
import type { ChannelMask } from './channelMask.ts';

/** A mask as its concatenated bits, or a whole ChannelMask. Any non-zero bit means "kept". */
export type MaskLike = Uint8Array | Pick<ChannelMask, 'bits'>;

export function maskDistance(a: MaskLike, b: MaskLike): number {
  const bitsA = a instanceof Uint8Array ? a : a.bits;
  const bitsB = b instanceof Uint8Array ? b : b.bits;
  if (bitsA.length !== bitsB.length) {
    throw new RangeError(
      `maskDistance: masks cover different channel counts (${bitsA.length} vs ${bitsB.length}); ` +
        'they must come from the same network',
    );
  }
  // 0/0 has no meaning; the official code would return NaN here.
  if (bitsA.length === 0) throw new RangeError('maskDistance: masks are empty (0 channels)');
  let differing = 0;
  for (let i = 0; i < bitsA.length; i++) if ((bitsA[i] !== 0) !== (bitsB[i] !== 0)) differing++;
  return differing / bitsA.length;
}
