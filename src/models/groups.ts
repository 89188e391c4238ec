import * as tf from '@tensorflow/tfjs';
import { buildModel } from './registry.ts';
import type { ModelSpec, PrunableGroup } from './types.ts';

type Layer = tf.layers.Layer;

/** Layers whose output width Early-Bird can shrink. */
const PRODUCER_TYPES = new Set(['Conv2D', 'Dense']);
/** Layers that read channels and can drop input channels along with the producer. */
const CONSUMER_TYPES = new Set(['Conv2D', 'Dense', 'BatchNormalization']);
/** Layers that pass channel c through to channel c without mixing channels. */
const CHANNEL_PRESERVING_TYPES = new Set([
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
]);

function isChannelPreserving(layer: Layer): boolean {
  const type = layer.getClassName();
  if (type === 'Activation') {
    // Elementwise activations preserve channels; softmax normalises across them.
    return (layer.getConfig() as { activation?: unknown }).activation !== 'softmax';
  }
  return CHANNEL_PRESERVING_TYPES.has(type);
}

/** Layers of `model` that take `layer`'s output as an input. */
function readersOf(layer: Layer, members: Set<Layer>): Layer[] {
  return layer.outboundNodes.map((node) => node.outboundLayer).filter((reader) => members.has(reader));
}

/**
 * Follows the channels leaving `bn` through channel-preserving layers to the layers that must drop
 * input channels. Returns null when the channels reach anything else (a residual Add, a Concatenate,
 * a reshape, the model output): then they can't be pruned on their own.
 */
function consumersAfter(bn: Layer, members: Set<Layer>, outputs: Set<Layer>): string[] | null {
  const consumers: string[] = [];
  const pending = [bn];
  const seen = new Set<Layer>(pending);
  while (pending.length > 0) {
    const layer = pending.pop()!;
    if (outputs.has(layer)) return null;
    for (const reader of readersOf(layer, members)) {
      if (seen.has(reader)) continue;
      seen.add(reader);
      if (CONSUMER_TYPES.has(reader.getClassName())) consumers.push(reader.name);
      else if (isChannelPreserving(reader)) pending.push(reader);
      else return null;
    }
  }
  return consumers.length > 0 ? consumers : null;
}

/**
 * The BatchNorm layers Early-Bird may prune, each with the layer producing its channels and the
 * layers reading them, in model order.
 *
 * Read from the graph, so it works for any model (built here or loaded from disk): a group is a
 * Conv2D/Dense whose only reader is a BatchNormalization, whose channels then reach only
 * Conv2D/Dense/BatchNormalization layers through channel-preserving ones.
 *
 * For resnet-s this keeps only the channels inside each residual block (conv1's output, gated by
 * the block's bn2) and leaves out the channels of the residual sum: the stem, every conv2 and the
 * projections feed an Add, and pruning there would need one mask shared by all tensors of the sum.
 *
 * Given a spec, builds the model, reads it and disposes it.
 */
export function prunableGroups(source: tf.LayersModel | ModelSpec): PrunableGroup[] {
  if (!(source instanceof tf.LayersModel)) {
    const model = buildModel(source);
    try {
      return prunableGroups(model);
    } finally {
      model.dispose();
    }
  }
  const members = new Set<Layer>(source.layers);
  const outputs = new Set<Layer>(source.outputLayers);
  const groups: PrunableGroup[] = [];
  for (const producer of source.layers) {
    if (!PRODUCER_TYPES.has(producer.getClassName())) continue;
    if (outputs.has(producer)) continue;
    const readers = readersOf(producer, members);
    const bn = readers[0];
    if (readers.length !== 1 || bn === undefined || bn.getClassName() !== 'BatchNormalization') continue;
    const consumers = consumersAfter(bn, members, outputs);
    if (consumers !== null) groups.push({ bn: bn.name, conv: producer.name, consumers });
  }
  return groups;
}
