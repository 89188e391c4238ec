/**
 * Global channel-pruning mask from BatchNorm scaling factors (network slimming, as used by
 * Early-Bird tickets). Pure: works on plain typed arrays, no TF.js.
 *
 * Exact rule (N = total channels over all layers, p = ratio, a = concatenated |γ| in layer order):
 *   1. sorted = a sorted ascending; threshold t = sorted[floor(N·p)]
 *      — the official code's `thre = y[int(total * percent)]`.
 *   2. keep channel i  ⇔  a[i] > t  — the official `weight.abs().gt(thre)`.
 *      With distinct values this prunes floor(N·p) + 1 channels (t itself is pruned), exactly as
 *      the official code does.
 *   3. Tie guard (our addition): when MORE THAN ONE channel has a[i] == t, step 2 would prune all
 *      of them and overshoot, up to pruning everything (all γ equal, as at initialisation, or many
 *      exact zeros). Instead every channel with a[i] < t is pruned and, of the channels tied at t,
 *      those with the lowest global index (layer order, then channel order) are pruned until
 *      exactly round(N·p) are pruned (Math.round, halves up). That count is always reachable:
 *      #{a < t} ≤ floor(N·p) ≤ round(N·p) ≤ floor(N·p) + 1 ≤ #{a ≤ t}.
 *   4. Layer guard (our addition): a layer left with no channel would disconnect the network, so
 *      its largest-|γ| channel (lowest index on ties) is kept again and a warning names the layer.
 *      Each such rescue prunes one channel fewer than steps 1–3 say.
 */

/** The BatchNorm scaling factors of one prunable layer. */
export interface LayerGammas {
  layer: string;
  gamma: Float32Array;
}

export interface LayerMask {
  layer: string;
  /** 1 = channel kept, 0 = pruned; one entry per channel of this layer. */
  keep: Uint8Array;
  kept: number;
  total: number;
}

export interface ChannelMask {
  ratio: number;
  /** |γ| value at sorted index floor(N·ratio); channels above it are kept (see the rule above). */
  threshold: number;
  layers: LayerMask[];
  /** All layers' `keep` concatenated in layer order (the layers' `keep` are views into it). */
  bits: Uint8Array;
  warnings: string[];
}

export function channelMask(layers: readonly LayerGammas[], ratio: number): ChannelMask {
  validateRatio(ratio);
  const total = validateLayers(layers);
  const magnitudes = concatenatedMagnitudes(layers, total);

  const sorted = Float32Array.from(magnitudes).sort();
  const threshold = sorted[Math.floor(total * ratio)]!;

  const bits = new Uint8Array(total);
  let tiedAtThreshold = 0;
  let belowThreshold = 0;
  for (let i = 0; i < total; i++) {
    const m = magnitudes[i]!;
    if (m > threshold) bits[i] = 1;
    else if (m === threshold) tiedAtThreshold++;
    else belowThreshold++;
  }
  if (tiedAtThreshold > 1) {
    // Keep the highest-index tied channels so that the lowest-index ones are the pruned ones.
    const prunedTarget = Math.round(total * ratio);
    let tiedToKeep = belowThreshold + tiedAtThreshold - prunedTarget;
    for (let i = total - 1; i >= 0 && tiedToKeep > 0; i--) {
      if (magnitudes[i] === threshold) {
        bits[i] = 1;
        tiedToKeep--;
      }
    }
  }

  const warnings: string[] = [];
  const layerMasks: LayerMask[] = [];
  let offset = 0;
  for (const { layer, gamma } of layers) {
    const keep = bits.subarray(offset, offset + gamma.length);
    let kept = countOnes(keep);
    if (kept === 0) {
      keep[indexOfLargestMagnitude(gamma)] = 1;
      kept = 1;
      warnings.push(
        `layer "${layer}": all ${gamma.length} channels fell at or below the threshold ${threshold} ` +
          `at ratio ${ratio}; kept its largest-|γ| channel so the layer stays connected`,
      );
    }
    layerMasks.push({ layer, keep, kept, total: gamma.length });
    offset += gamma.length;
  }

  return { ratio, threshold, layers: layerMasks, bits, warnings };
}

/** Number of kept channels (non-zero entries). */
export function countOnes(bits: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) n++;
  return n;
}

function validateRatio(ratio: number): void {
  // Upper bound excluded because sorted[floor(N·1)] would be past the end (as in the official code).
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio >= 1) {
    throw new RangeError(`channelMask: ratio must be a number in [0, 1), got ${String(ratio)}`);
  }
}

/** Checks the layer list and returns the total channel count. */
function validateLayers(layers: readonly LayerGammas[]): number {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new RangeError('channelMask: need at least one prunable layer, got none');
  }
  const seen = new Set<string>();
  let total = 0;
  layers.forEach((entry, position) => {
    const name = entry?.layer;
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`channelMask: layer at position ${position} has no name`);
    }
    if (seen.has(name)) throw new RangeError(`channelMask: layer "${name}" appears more than once`);
    seen.add(name);
    const gamma = entry.gamma;
    if (!(gamma instanceof Float32Array)) {
      throw new TypeError(`channelMask: layer "${name}": gamma must be a Float32Array`);
    }
    if (gamma.length === 0) throw new RangeError(`channelMask: layer "${name}" has no channels`);
    for (let c = 0; c < gamma.length; c++) {
      if (!Number.isFinite(gamma[c]!)) {
        throw new RangeError(`channelMask: layer "${name}" channel ${c}: gamma is ${gamma[c]}, must be finite`);
      }
    }
    total += gamma.length;
  });
  return total;
}

function concatenatedMagnitudes(layers: readonly LayerGammas[], total: number): Float32Array {
  const out = new Float32Array(total);
  let offset = 0;
  for (const { gamma } of layers) {
    for (let c = 0; c < gamma.length; c++) out[offset + c] = Math.abs(gamma[c]!);
    offset += gamma.length;
  }
  return out;
}

function indexOfLargestMagnitude(gamma: Float32Array): number {
  let best = 0;
  for (let c = 1; c < gamma.length; c++) if (Math.abs(gamma[c]!) > Math.abs(gamma[best]!)) best = c;
  return best;
}
