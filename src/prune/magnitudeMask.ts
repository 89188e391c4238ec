/**
 * Unstructured magnitude pruning, the lottery-ticket baseline (Frankle & Carbin, 2019). Pure:
 * works on plain typed arrays, no TF.js.
 *
 * What is pruned: the kernels of convolution and dense layers only. Biases, BatchNorm γ/β and
 * moving statistics are never pruned (the caller does not pass them): they are few, and pruning
 * a BN scale would remove a whole channel, which is the structured method this baseline is
 * compared against.
 *
 * Exact rule, per round (a "pool" is a set of kernels that shares one ranking):
 *   1. Pools. `global`: every kernel except the output layer's shares one pool (one threshold
 *      across layers). `layerwise`: every kernel is its own pool (the same rate in every layer).
 *      The output (logits) layer is always its own pool, pruned at `outputRateFactor` × the rate
 *      (default ½): Frankle & Carbin prune the output layer at half the rate of the other layers
 *      in their conv and LeNet experiments, since it is small and every class depends on it.
 *   2. Only survivors (mask 1) compete; pruned weights stay pruned. With R survivors in a pool,
 *      exactly round(rate · R) of them are pruned (Math.round, halves up): `rate` is the share
 *      of the REMAINING weights, so n rounds leave (1 − rate)^n of the pool.
 *   3. The smallest |w| go first. Ties at the cut are broken by position: the earliest (kernel
 *      order, then flat index) is pruned first, so the result does not depend on sort stability.
 *   4. Layer guard: a kernel left with no survivor would disconnect the network, so its
 *      largest-|w| survivor (earliest on ties) is kept again and a warning names it. Each such
 *      rescue prunes one weight fewer than step 2 says.
 * `rounds` > 1 prunes in one step what that many rounds would reach, 1 − (1 − rate)^rounds of the
 * pool (one-shot pruning to the iterative schedule's final sparsity).
 */

export type PruneScope = 'global' | 'layerwise';

/** Frankle & Carbin prune the output layer at half the rate of the rest. */
export const OUTPUT_LAYER_RATE_FACTOR = 0.5;

/** The current values of one prunable kernel (conv or dense), flattened. */
export interface KernelValues {
  /** For reports and warnings, e.g. `conv1/kernel`. */
  name: string;
  values: Float32Array;
  /** The classifier's output layer: pruned in its own pool at `outputRateFactor` × the rate. */
  isOutput?: boolean;
}

export interface MagnitudePruneOptions {
  /** Share of the remaining weights pruned per round, in (0, 1). */
  rate: number;
  scope: PruneScope;
  /** Rounds of `rate` applied at once (one-shot pruning to an iterative schedule's sparsity). Default 1. */
  rounds?: number;
  /** Multiplies the rate of output kernels; default OUTPUT_LAYER_RATE_FACTOR (½), 0 leaves them dense. */
  outputRateFactor?: number;
}

export interface KernelSparsity {
  name: string;
  kept: number;
  total: number;
  sparsity: number;
}

export interface MagnitudeMask {
  /** 1 = weight kept, 0 = pruned; one array per kernel, in input order. */
  masks: Uint8Array[];
  kernels: KernelSparsity[];
  kept: number;
  total: number;
  /** Pruned share of all kernel weights passed in: 1 − kept / total. */
  sparsity: number;
  warnings: string[];
}

/** Share of a pool pruned after `rounds` rounds that each prune `rate` of the remaining weights. */
export function compoundSparsity(rate: number, rounds: number): number {
  return 1 - (1 - rate) ** rounds;
}

function validate(kernels: readonly KernelValues[], previous: readonly Uint8Array[] | null, options: MagnitudePruneOptions): void {
  const { rate, rounds = 1, outputRateFactor = OUTPUT_LAYER_RATE_FACTOR } = options;
  if (!(rate > 0 && rate < 1)) throw new RangeError(`rate must be in (0, 1), got ${rate}`);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`rounds must be a positive integer, got ${rounds}`);
  if (!(outputRateFactor >= 0 && outputRateFactor <= 1)) {
    throw new RangeError(`outputRateFactor must be in [0, 1], got ${outputRateFactor}`);
  }
  if (options.scope !== 'global' && options.scope !== 'layerwise') {
    throw new RangeError(`scope must be global or layerwise, got ${String(options.scope)}`);
  }
  if (previous !== null && previous.length !== kernels.length) {
    throw new RangeError(`got ${previous.length} masks for ${kernels.length} kernels`);
  }
  kernels.forEach((kernel, i) => {
    if (previous !== null && previous[i]!.length !== kernel.values.length) {
      throw new RangeError(`mask of ${kernel.name} has ${previous[i]!.length} entries, the kernel ${kernel.values.length}`);
    }
    // A NaN would silently never be ranked; it means training diverged, which must not pass as a ticket.
    if (kernel.values.some((v) => !Number.isFinite(v))) throw new RangeError(`${kernel.name} has non-finite weights (training diverged?)`);
  });
}

/** Kernel indices per pool (see rule 1). */
function poolsOf(kernels: readonly KernelValues[], scope: PruneScope): number[][] {
  const indices = kernels.map((_, i) => i);
  const outputs = indices.filter((i) => kernels[i]!.isOutput).map((i) => [i]);
  const others = indices.filter((i) => !kernels[i]!.isOutput);
  const shared = scope === 'global' ? (others.length > 0 ? [others] : []) : others.map((i) => [i]);
  return [...shared, ...outputs];
}

/** Prunes `share` of the survivors of one pool in place in `masks` (rules 2–4). */
function prunePool(pool: number[], kernels: readonly KernelValues[], masks: Uint8Array[], share: number, warnings: string[]): void {
  let survivors = 0;
  for (const k of pool) for (const bit of masks[k]!) survivors += bit;
  const count = Math.round(share * survivors);
  if (count === 0) return;

  const magnitudes = new Float32Array(survivors);
  let n = 0;
  for (const k of pool) {
    const values = kernels[k]!.values;
    const mask = masks[k]!;
    for (let i = 0; i < values.length; i++) if (mask[i]) magnitudes[n++] = Math.abs(values[i]!);
  }
  const threshold = Float32Array.from(magnitudes).sort()[count - 1]!;
  let below = 0;
  for (const m of magnitudes) if (m < threshold) below++;
  let tiesToPrune = count - below;

  for (const k of pool) {
    const values = kernels[k]!.values;
    const mask = masks[k]!;
    const before = Uint8Array.from(mask);
    let kept = 0;
    for (let i = 0; i < values.length; i++) {
      if (!mask[i]) continue;
      const m = Math.abs(values[i]!);
      if (m < threshold || (m === threshold && tiesToPrune-- > 0)) mask[i] = 0;
      else kept++;
    }
    if (kept === 0 && before.some((bit) => bit === 1)) {
      let best = -1;
      for (let i = 0; i < values.length; i++) {
        if (before[i] && (best < 0 || Math.abs(values[i]!) > Math.abs(values[best]!))) best = i;
      }
      mask[best] = 1;
      warnings.push(`${kernels[k]!.name} would lose every weight; its largest-magnitude weight is kept`);
    }
  }
}

/**
 * Prunes the kernels' remaining weights by magnitude (rule in the module comment). `previous`
 * holds the current masks (null: all weights alive); it is not modified.
 */
export function pruneByMagnitude(
  kernels: readonly KernelValues[],
  previous: readonly Uint8Array[] | null,
  options: MagnitudePruneOptions,
): MagnitudeMask {
  validate(kernels, previous, options);
  const { rate, scope, rounds = 1, outputRateFactor = OUTPUT_LAYER_RATE_FACTOR } = options;
  const masks = kernels.map((kernel, i) => (previous === null ? new Uint8Array(kernel.values.length).fill(1) : Uint8Array.from(previous[i]!)));
  const warnings: string[] = [];
  for (const pool of poolsOf(kernels, scope)) {
    const poolRate = kernels[pool[0]!]!.isOutput ? rate * outputRateFactor : rate;
    prunePool(pool, kernels, masks, compoundSparsity(poolRate, rounds), warnings);
  }
  return { masks, ...sparsityOf(kernels.map((k) => k.name), masks), warnings };
}

/** Kept and total weights per kernel and overall. */
export function sparsityOf(names: readonly string[], masks: readonly Uint8Array[]): Pick<MagnitudeMask, 'kernels' | 'kept' | 'total' | 'sparsity'> {
  const kernels = masks.map((mask, i) => {
    let kept = 0;
    for (const bit of mask) kept += bit;
    return { name: names[i]!, kept, total: mask.length, sparsity: mask.length === 0 ? 0 : 1 - kept / mask.length };
  });
  const kept = kernels.reduce((sum, k) => sum + k.kept, 0);
  const total = kernels.reduce((sum, k) => sum + k.total, 0);
  return { kernels, kept, total, sparsity: total === 0 ? 0 : 1 - kept / total };
}
