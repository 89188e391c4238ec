/**
 * Channel surgery: turns a BatchNorm channel mask into a physically smaller network.
 *
 * The slim network is built by the model registry from the same spec with the kept widths as the
 * channel plan (`buildModel({...spec, channels})`), so it has the same layer names in the same
 * order; then every weight is copied over, cut along the axes that carry pruned channels. Built
 * this way, the slim model is an ordinary registry model: it trains, saves and reports stats like
 * any other, and it costs what its widths say (no masks multiplied in at run time).
 *
 * What one prunable group (see `prunableGroups`) loses when channel c goes:
 *   - the producer (Conv2D, or a hidden Dense in the mlp): output c of its kernel, and bias c;
 *   - its BatchNorm: entry c of γ, β, moving mean and moving variance;
 *   - every consumer: input c. A Conv2D's kernel [kh,kw,in,out] loses in-slice c; a BatchNorm loses
 *     entry c; a Dense reading the channels through a Flatten (channels last) sees channel c at flat
 *     indices p·C + c for every spatial position p, so it loses all of those kernel rows.
 * Every other weight is copied unchanged.
 *
 * resnet-s: the registry only makes the channels inside each residual block prunable (block conv1,
 * gated by the block's bn2, read by the block's conv2). The channels of the residual sum (stem,
 * conv2, shortcut projections) are added across a whole stage, so they would need one mask shared
 * by every tensor in the sum; `prunableGroups` leaves them out and so does this surgery.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel, channelPlan, prunableGroups, type ModelSpec, type PrunableGroup } from '../models/index.ts';
import { countOnes, type ChannelMask, type LayerGammas } from './channelMask.ts';

/** A mask as `channelMask` returns it, or plain keep-bits (non-zero = keep) by BatchNorm layer name. */
export type SlimMask = ChannelMask | Record<string, Uint8Array>;

export interface SlimResult {
  /** The physically smaller model, weights copied from the dense one. */
  model: tf.LayersModel;
  /** The spec that builds `model`'s architecture: the input spec with `channels` set. */
  spec: ModelSpec;
  /** Kept and original channel count, by BatchNorm layer name, for every prunable group. */
  kept: Record<string, { kept: number; total: number }>;
}

/** A mask that can't be applied to the model; the message names the layer and what is wrong. */
export class SurgeryError extends Error {
  override name = 'SurgeryError';
}

type Layer = tf.layers.Layer;

/** The weight of `layer` whose name ends in `suffix` (`kernel`, `gamma`, ...), or undefined. */
function weightIndex(layer: Layer, suffix: string): number {
  return layer.weights.findIndex((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
}

/**
 * The |γ| source for `channelMask`: the γ of every prunable group's BatchNorm, in model order.
 * Copies the values out, so the result stays valid after the model trains on or is disposed.
 * One read for all layers: on webgpu each read waits for the queue to drain.
 */
export async function gammaLayers(model: tf.LayersModel, groups: readonly PrunableGroup[] = prunableGroups(model)): Promise<LayerGammas[]> {
  const gammas = groups.map(({ bn }) => {
    const layer = model.getLayer(bn);
    const index = weightIndex(layer, 'gamma');
    if (index < 0) throw new SurgeryError(`layer "${bn}" has no γ (BatchNormalization built with scale: false); nothing to rank`);
    return { layer: bn, variable: layer.weights[index]!.read() };
  });
  if (gammas.length === 0) return [];
  const joined = tf.tidy(() => tf.concat(gammas.map((g) => g.variable.reshape([-1]))));
  // An asynchronous read: webgpu in Node has no synchronous one.
  const values = (await joined.data()) as Float32Array;
  joined.dispose();
  let offset = 0;
  return gammas.map(({ layer, variable }) => {
    const gamma = values.slice(offset, offset + variable.size);
    offset += variable.size;
    return { layer, gamma };
  });
}

/** The mask as keep-bits by BatchNorm name, whichever form it came in. */
function keepBitsByLayer(mask: SlimMask): Map<string, Uint8Array> {
  if (isChannelMask(mask)) return new Map(mask.layers.map((l) => [l.layer, l.keep]));
  return new Map(Object.entries(mask));
}

function isChannelMask(mask: SlimMask): mask is ChannelMask {
  return Array.isArray((mask as ChannelMask).layers) && (mask as ChannelMask).bits instanceof Uint8Array;
}

/** Channel count a BatchNorm layer normalises (length of its moving mean, always present). */
function channelsOf(bn: Layer): number {
  const index = weightIndex(bn, 'moving_mean');
  if (index < 0) throw new SurgeryError(`layer "${bn.name}" is not a BatchNormalization (no moving mean)`);
  return bn.weights[index]!.shape[0]!;
}

/**
 * The keep-bits of each group, checked against the model: every name in the mask must be a
 * prunable group's BatchNorm, every bit array must have one entry per channel, and no group may
 * lose all its channels (that would disconnect the network). A group the mask doesn't name keeps
 * every channel.
 */
function resolveGroupMasks(model: tf.LayersModel, groups: readonly PrunableGroup[], mask: SlimMask): Map<PrunableGroup, Uint8Array> {
  const bits = keepBitsByLayer(mask);
  const byBn = new Map(groups.map((g) => [g.bn, g]));
  for (const name of bits.keys()) {
    if (!byBn.has(name)) {
      throw new SurgeryError(
        `mask names "${name}", which is not a prunable BatchNorm of ${model.name}; prunable: ${[...byBn.keys()].join(', ') || '(none)'}`,
      );
    }
  }
  const result = new Map<PrunableGroup, Uint8Array>();
  for (const group of groups) {
    const total = channelsOf(model.getLayer(group.bn));
    const keep = bits.get(group.bn) ?? new Uint8Array(total).fill(1);
    if (!(keep instanceof Uint8Array)) throw new SurgeryError(`mask for "${group.bn}" must be a Uint8Array`);
    if (keep.length !== total) {
      throw new SurgeryError(`mask for "${group.bn}" has ${keep.length} entries but the layer has ${total} channels`);
    }
    if (countOnes(keep) === 0) {
      throw new SurgeryError(
        `mask keeps 0 of ${total} channels of "${group.bn}"; every layer needs at least one channel ` +
          `(channelMask keeps the largest-|γ| one), or the network is cut in two`,
      );
    }
    result.set(group, keep);
  }
  return result;
}

/**
 * How one layer's weights are cut: `out` selects the channels the layer produces (kernel's last
 * axis, bias; a BatchNorm's only axis), `in` the channels it reads (kernel's input axis; for a
 * BatchNorm consumer, again its only axis).
 */
interface LayerCut {
  out?: Uint8Array;
  in?: Uint8Array;
}

function cutsByLayer(groupMasks: Map<PrunableGroup, Uint8Array>): Map<string, LayerCut> {
  const cuts = new Map<string, LayerCut>();
  const cutOf = (name: string) => {
    let cut = cuts.get(name);
    if (!cut) cuts.set(name, (cut = {}));
    return cut;
  };
  const set = (name: string, role: keyof LayerCut, keep: Uint8Array) => {
    const cut = cutOf(name);
    // A layer reading two groups on one axis would need a concatenation, which prunableGroups excludes.
    if (cut[role] !== undefined) throw new SurgeryError(`internal: layer "${name}" is cut twice on its ${role} channels`);
    cut[role] = keep;
  };
  for (const [group, keep] of groupMasks) {
    set(group.conv, 'out', keep);
    set(group.bn, 'out', keep);
    for (const consumer of group.consumers) set(consumer, 'in', keep);
  }
  return cuts;
}

/** Indices kept along an axis of `length` entries that repeats `keep` (flat index i is channel i mod C). */
function keptIndices(keep: Uint8Array, length: number, what: string): number[] {
  if (length % keep.length !== 0) {
    throw new SurgeryError(`${what}: axis of ${length} entries is not a whole number of ${keep.length}-channel positions`);
  }
  const indices: number[] = [];
  for (let i = 0; i < length; i++) if (keep[i % keep.length] !== 0) indices.push(i);
  return indices;
}

/** Axis of `weight` that holds the layer's input channels, or null when it has none. */
function inputAxis(layerType: string, weightName: string, rank: number): number | null {
  if (layerType === 'BatchNormalization') return 0;
  if (!weightName.endsWith('kernel')) return null; // a bias follows the output channels only
  if (layerType === 'Conv2D' && rank === 4) return 2;
  if (layerType === 'Dense' && rank === 2) return 0;
  throw new SurgeryError(`can't cut the input channels of ${layerType} weight "${weightName}"`);
}

/** Axis of `weight` that holds the layer's output channels. */
function outputAxis(layerType: string, rank: number): number {
  if (layerType === 'Conv2D' || layerType === 'Dense' || layerType === 'BatchNormalization') return rank - 1;
  throw new SurgeryError(`can't cut the output channels of a ${layerType} layer`);
}

/** `weight` with only the kept channels of `cut` (a new tensor; `weight` itself is untouched). */
function cutWeight(layer: Layer, weightName: string, weight: tf.Tensor, cut: LayerCut): tf.Tensor {
  const type = layer.getClassName();
  // A BatchNorm has one channel axis: it is a group's own BN (out) or reads one (in), never both.
  if (type === 'BatchNormalization' && cut.out && cut.in) {
    throw new SurgeryError(`internal: BatchNorm "${layer.name}" is cut both as a group's BN and as a consumer`);
  }
  return tf.tidy(() => {
    let result = weight;
    if (cut.out) {
      const axis = outputAxis(type, weight.rank);
      result = tf.gather(result, keptIndices(cut.out, result.shape[axis]!, `${layer.name} ${weightName}`), axis);
    }
    if (cut.in) {
      const axis = inputAxis(type, weightName, weight.rank);
      if (axis !== null) result = tf.gather(result, keptIndices(cut.in, result.shape[axis]!, `${layer.name} ${weightName}`), axis);
    }
    return result === weight ? weight.clone() : result;
  });
}

/**
 * Builds the physically slimmed copy of `model` (which `spec` built, possibly already slimmed):
 * each prunable group keeps exactly the channels whose mask bit is set, weights copied over.
 * `model` is left as it was; the caller owns and disposes both models.
 */
export function slimModel(model: tf.LayersModel, spec: ModelSpec, mask: SlimMask): SlimResult {
  const groups = prunableGroups(model);
  const groupMasks = resolveGroupMasks(model, groups, mask);

  const plan = channelPlan(spec);
  const channels: Record<string, number> = { ...spec.channels };
  const kept: SlimResult['kept'] = {};
  for (const [group, keep] of groupMasks) {
    if (!Object.hasOwn(plan, group.conv)) {
      throw new SurgeryError(`"${group.conv}" is prunable in the model but not in the channel plan of ${spec.name}; was the model built from this spec?`);
    }
    const count = countOnes(keep);
    channels[group.conv] = count;
    kept[group.bn] = { kept: count, total: keep.length };
  }
  const slimSpec: ModelSpec = { ...spec, channels };

  const slim = buildModel(slimSpec);
  try {
    copyCutWeights(model, slim, cutsByLayer(groupMasks));
  } catch (error) {
    slim.dispose();
    throw error;
  }
  return { model: slim, spec: slimSpec, kept };
}

/** Sets every weight of `slim` from the same-named layer of `dense`, cut where `cuts` says. */
function copyCutWeights(dense: tf.LayersModel, slim: tf.LayersModel, cuts: Map<string, LayerCut>): void {
  if (slim.layers.length !== dense.layers.length) {
    throw new SurgeryError(`the slim model has ${slim.layers.length} layers, the dense one ${dense.layers.length}; was the model built from this spec?`);
  }
  for (const slimLayer of slim.layers) {
    const denseLayer = dense.getLayer(slimLayer.name);
    if (denseLayer.weights.length !== slimLayer.weights.length) {
      throw new SurgeryError(`layer "${slimLayer.name}" has ${denseLayer.weights.length} weights in the dense model, ${slimLayer.weights.length} in the slim one`);
    }
    if (slimLayer.weights.length === 0) continue;
    const cut = cuts.get(slimLayer.name) ?? {};
    // getWeights() hands out the variables' own tensors: read them, never dispose them.
    const values = denseLayer.getWeights().map((w, i) => cutWeight(denseLayer, denseLayer.weights[i]!.originalName, w, cut));
    try {
      values.forEach((value, i) => {
        const expected = slimLayer.weights[i]!.shape;
        if (!tf.util.arraysEqual(value.shape, expected as number[])) {
          throw new SurgeryError(
            `layer "${slimLayer.name}" weight ${slimLayer.weights[i]!.originalName}: cut to [${value.shape}] but the slim model wants [${expected}]`,
          );
        }
      });
      slimLayer.setWeights(values);
    } finally {
      tf.dispose(values);
    }
  }
}

/**
 * Sets γ and β of every pruned channel to 0, in place, and returns how many channels it zeroed.
 *
 * A BatchNorm channel with γ = β = 0 outputs exactly 0 whatever its input and moving statistics;
 * the ReLU after it keeps the 0, so every consumer sees zeros there, which is what removing the
 * channel does. The zeroed dense model therefore computes what the slim model computes; that is
 * the check the surgery test makes (and the "soft-pruned" model of the paper).
 */
export function zeroPrunedChannels(model: tf.LayersModel, mask: SlimMask): number {
  const groupMasks = resolveGroupMasks(model, prunableGroups(model), mask);
  let zeroed = 0;
  for (const [group, keep] of groupMasks) {
    const bn = model.getLayer(group.bn);
    const keepFloat = tf.tensor1d(Float32Array.from(keep, (bit) => (bit !== 0 ? 1 : 0)));
    try {
      const values = bn.getWeights().map((w, i) => {
        const name = bn.weights[i]!.originalName;
        const scaled = name.endsWith('gamma') || name.endsWith('beta');
        return scaled ? tf.mul(w, keepFloat) : w.clone();
      });
      bn.setWeights(values);
      tf.dispose(values);
    } finally {
      keepFloat.dispose();
    }
    zeroed += keep.length - countOnes(keep);
  }
  return zeroed;
}
