/**
 * The like-for-like check: the same network, trained on the same images, should cost the same
 * joules per image in every phase that trains it. The dense network trains in the search (EB Train's
 * first phase) and again in the dense baseline (and the standard pipeline's first stage); if its
 * joules per training image differ by more than 10 % between them, the difference between the two
 * methods is not the method's — the saving is marked unreliable and the likely reason named:
 * contention (other processes took CPU time in one of the phases), warm-up (the search's first epoch
 * cost far more than its others), background work (the process's other threads — V8 compiling the
 * code the first phase of a process runs, the garbage collector — took a larger share of its CPU
 * time in one phase, measured against its main thread's) or the machine's speed changing (thermal,
 * clock, or on a virtual machine the host's other work, which slows the same steps without showing
 * as another process here). When the two phases were trained in turns, an epoch each, the search's
 * epochs are compared with the dense phase's epochs of the same numbers, the ones trained beside them.
 */

/** Ratios outside this range make the saving unreliable. */
export const LIKE_FOR_LIKE_RANGE: readonly [number, number] = [0.9, 1.1];
/** A first epoch dearer than this × the median of the others is a warm-up cost. */
export const WARM_UP_OUTLIER = 1.25;
/** Background work is named when the difference in it accounts for at least this share of the ratio's distance from 1. */
export const BACKGROUND_EXPLAINS = 0.5;

export interface PhaseWorkEnergy {
  phase: string;
  /** Joules of each logged epoch. */
  epochJoules: readonly number[];
  /** Training images per epoch. */
  imagesPerEpoch: number;
  /** Share of the machine's CPU time other processes used in the phase (null: not read). */
  othersShare: number | null;
  contended: boolean;
  /** CPU time of the process's other threads and processes over its main thread's, in the phase (null: not read). */
  backgroundShare?: number | null;
}

export interface LikeForLikePhase {
  phase: string;
  epochs: number;
  /** Mean joules per training image over the phase's epochs. */
  joulesPerImage: number;
  /** CPU time of the process's other threads over its main thread's (null or absent: not read). */
  backgroundShare?: number | null;
}

export interface LikeForLike {
  /** The network compared: the dense one. */
  network: 'dense';
  phases: LikeForLikePhase[];
  /** joules per image in the first phase / in the second (search / dense). */
  ratio: number;
  range: readonly [number, number];
  reliable: boolean;
  /** Likely reason when not reliable, in words; null when reliable. */
  reason: string | null;
  reasonKind: 'contention' | 'warm-up' | 'background' | 'thermal' | null;
  /** What the first phase does beyond the second that is truly its method's own cost. */
  ownCost: string;
  /** The phases took turns, an epoch each, and the second's epochs compared are those trained beside the first's. */
  inTurns?: boolean;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/**
 * Whether the two phases' different background shares account for at least BACKGROUND_EXPLAINS of
 * the ratio's distance from 1: CPU time per image scales with (1 + share) when the main thread's
 * work per image is the same.
 */
function backgroundExplains(first: PhaseWorkEnergy, second: PhaseWorkEnergy, ratio: number): boolean {
  if (first.backgroundShare == null || second.backgroundShare == null) return false;
  const explained = (1 + first.backgroundShare) / (1 + second.backgroundShare) - 1;
  const gap = ratio - 1;
  return Math.sign(explained) === Math.sign(gap) && Math.abs(explained) >= BACKGROUND_EXPLAINS * Math.abs(gap);
}

export function joulesPerImage(p: PhaseWorkEnergy): number {
  return p.epochJoules.reduce((a, b) => a + b, 0) / (p.epochJoules.length * p.imagesPerEpoch);
}

/** Null unless both phases logged an epoch over a positive number of images. */
export function likeForLike(first: PhaseWorkEnergy, fullSecond: PhaseWorkEnergy, ownCost: string, inTurns = false): LikeForLike | null {
  const second = inTurns ? { ...fullSecond, epochJoules: fullSecond.epochJoules.slice(0, first.epochJoules.length) } : fullSecond;
  if (!first.epochJoules.length || !second.epochJoules.length || !(first.imagesPerEpoch > 0) || !(second.imagesPerEpoch > 0)) return null;
  const a = joulesPerImage(first);
  const b = joulesPerImage(second);
  if (!(a > 0) || !(b > 0)) return null;
  const ratio = a / b;
  const reliable = ratio >= LIKE_FOR_LIKE_RANGE[0] && ratio <= LIKE_FOR_LIKE_RANGE[1];
  let reason: string | null = null;
  let reasonKind: LikeForLike['reasonKind'] = null;
  if (!reliable) {
    const contended = [first, second].filter((p) => p.contended);
    const rest = first.epochJoules.slice(1);
    const firstEpochFactor = rest.length ? first.epochJoules[0]! / median(rest) : null;
    if (contended.length) {
      reasonKind = 'contention';
      reason = `contention: other processes used ${contended.map((p) => `${Math.round((p.othersShare ?? 0) * 100)} % of the CPU time in ${p.phase}`).join(' and ')}`;
    } else if (ratio > 1 && firstEpochFactor !== null && firstEpochFactor > WARM_UP_OUTLIER) {
      reasonKind = 'warm-up';
      reason = `warm-up: the ${first.phase}'s first epoch cost ${firstEpochFactor.toFixed(2)}× the median of its others`;
    } else if (backgroundExplains(first, second, ratio)) {
      const [dearer, cheaper] = ratio > 1 ? [first, second] : [second, first];
      reasonKind = 'background';
      reason = `background work: the process's other threads (V8's compilers, the garbage collector) used ${percent(dearer.backgroundShare!)} of its main thread's CPU time in the ${dearer.phase} and ${percent(cheaper.backgroundShare!)} in the ${cheaper.phase}`;
    } else {
      reasonKind = 'thermal';
      reason = `the machine's speed changed (thermal, clock, or a virtual machine's host): the ${ratio > 1 ? first.phase : second.phase} ran dearer per image with no contention or warm-up in sight`;
    }
  }
  return {
    network: 'dense',
    phases: [first, second].map((p) => ({ phase: p.phase, epochs: p.epochJoules.length, joulesPerImage: joulesPerImage(p), backgroundShare: p.backgroundShare ?? null })),
    ratio, range: LIKE_FOR_LIKE_RANGE, reliable, reason, reasonKind, ownCost, ...(inTurns ? { inTurns } : {}),
  };
}
