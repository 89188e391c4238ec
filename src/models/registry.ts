import * as tf from '@tensorflow/tfjs';
import type { ModelDefinition, ResolvedSpec } from './definition.ts';
import { LOGITS_LAYER } from './layers.ts';
import { lenet5Bn } from './lenet5.ts';
import { mlp } from './mlp.ts';
import { preresnet110, preresnet20, preresnet56 } from './preresnet.ts';
import { resnetS } from './resnet.ts';
import { tiny } from './tiny.ts';
import type { ChannelPlan, ModelName, ModelSpec } from './types.ts';
import { vggS } from './vgg.ts';
import { vgg16 } from './vgg16.ts';
import type { ModelName as SchemaModelName } from '../core/config.ts';

const DEFINITIONS: Record<ModelName, ModelDefinition> = {
  mlp,
  'lenet5-bn': lenet5Bn,
  'vgg-s': vggS,
  'resnet-s': resnetS,
  tiny,
  vgg16,
  preresnet20,
  preresnet56,
  preresnet110,
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The config schema lists the model names as literals (src/core/config.ts): they must be this registry's, no more, no less. */
export const SCHEMA_LISTS_EVERY_MODEL: Same<ModelName, SchemaModelName> = true;

export const MODEL_NAMES: readonly ModelName[] = Object.freeze(Object.keys(DEFINITIONS) as ModelName[]);

/** A spec the registry cannot build; the message says what to change. */
export class ModelSpecError extends Error {
  override name = 'ModelSpecError';
}

export function isModelName(name: unknown): name is ModelName {
  return typeof name === 'string' && Object.hasOwn(DEFINITIONS, name);
}

function definitionOf(name: unknown): ModelDefinition {
  if (!isModelName(name)) {
    throw new ModelSpecError(`unknown model ${JSON.stringify(name)}; known models: ${MODEL_NAMES.join(', ')}`);
  }
  return DEFINITIONS[name];
}

/** One line for CLI help, e.g. `tiny: 2 x (conv3x3-BN-ReLU-maxpool2) ...`. */
export function describeModel(name: ModelName): string {
  return definitionOf(name).summary;
}

const isPositiveInteger = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;

/** Checks a spec (it may come from JSON or the command line) and fills in the defaults. */
function resolveSpec(spec: ModelSpec): { definition: ModelDefinition; resolved: ResolvedSpec } {
  if (spec === null || typeof spec !== 'object') throw new ModelSpecError('model spec must be an object');
  const definition = definitionOf(spec.name);
  const name = definition.name;

  const shape = spec.inputShape as unknown;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every(isPositiveInteger)) {
    throw new ModelSpecError(
      `${name}: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(shape)}`,
    );
  }
  const [height, width] = shape as number[];
  const { size, reason } = definition.minInputSize;
  if (height! < size || width! < size) {
    throw new ModelSpecError(`${name}: input ${height}x${width} is too small; ${reason}, so it needs at least ${size}x${size}`);
  }
  if (!isPositiveInteger(spec.numClasses) || spec.numClasses < 2) {
    throw new ModelSpecError(`${name}: numClasses must be an integer of at least 2, got ${spec.numClasses}`);
  }
  if (!Number.isSafeInteger(spec.seed)) {
    throw new ModelSpecError(`${name}: seed must be an integer, got ${spec.seed}`);
  }
  const widthMultiplier = spec.width ?? 1;
  if (typeof widthMultiplier !== 'number' || !Number.isFinite(widthMultiplier) || widthMultiplier <= 0) {
    throw new ModelSpecError(`${name}: width multiplier must be a positive number, got ${spec.width}`);
  }
  if (spec.depth !== undefined) {
    if (definition.defaultDepth === null) {
      const withDepth = MODEL_NAMES.filter((n) => DEFINITIONS[n].defaultDepth !== null).join(', ');
      throw new ModelSpecError(`${name} has a fixed depth; depth applies to ${withDepth}`);
    }
    if (!isPositiveInteger(spec.depth)) {
      throw new ModelSpecError(`${name}: depth must be a positive integer, got ${spec.depth}`);
    }
  }
  if (spec.batchNorm !== undefined && name !== 'mlp') {
    throw new ModelSpecError(`${name}: batchNorm is an mlp option; conv models always use BatchNorm`);
  }
  if (spec.batchNorm !== undefined && typeof spec.batchNorm !== 'boolean') {
    throw new ModelSpecError(`${name}: batchNorm must be true or false, got ${JSON.stringify(spec.batchNorm)}`);
  }

  const resolved: ResolvedSpec = {
    name,
    inputShape: [shape[0], shape[1], shape[2]] as [number, number, number],
    numClasses: spec.numClasses,
    seed: spec.seed,
    width: widthMultiplier,
    depth: spec.depth ?? definition.defaultDepth,
    batchNorm: spec.batchNorm ?? true,
  };
  return { definition, resolved };
}

function applyOverrides(name: ModelName, plan: ChannelPlan, overrides: ModelSpec['channels']): ChannelPlan {
  if (overrides === undefined) return plan;
  if (overrides === null || typeof overrides !== 'object') {
    throw new ModelSpecError(`${name}: channels must be an object mapping layer names to channel counts`);
  }
  const result = { ...plan };
  for (const [layer, channels] of Object.entries(overrides)) {
    if (!Object.hasOwn(plan, layer)) {
      throw new ModelSpecError(
        `${name}: channels names unknown layer ${JSON.stringify(layer)}; its prunable layers are ${Object.keys(plan).join(', ') || '(none)'}`,
      );
    }
    if (!isPositiveInteger(channels)) {
      throw new ModelSpecError(`${name}: channels.${layer} must be a positive integer, got ${channels}`);
    }
    result[layer] = channels;
  }
  return result;
}

/**
 * Output width of every prunable producer (conv; hidden dense in the mlp) the spec would build,
 * by layer name, overrides applied. The keys are what `spec.channels` accepts.
 */
export function channelPlan(spec: ModelSpec): ChannelPlan {
  const { definition, resolved } = resolveSpec(spec);
  return applyOverrides(resolved.name, definition.defaultPlan(resolved), spec.channels);
}

/** Builds the model of `spec` with seeded weights; throws ModelSpecError for a bad spec. */
export function buildModel(spec: ModelSpec): tf.LayersModel {
  const { definition, resolved } = resolveSpec(spec);
  const plan = applyOverrides(resolved.name, definition.defaultPlan(resolved), spec.channels);
  return definition.build(resolved, plan);
}

/**
 * The same network cut before the softmax: outputs logits and shares every weight with `model`
 * (nothing is copied), for training loops that use tf.losses.softmaxCrossEntropy. Dispose only
 * the original model: TF.js counts one reference per layer, so disposing this view would free the
 * shared weights.
 */
export function logitsModel(model: tf.LayersModel): tf.LayersModel {
  const logits = model.getLayer(LOGITS_LAYER);
  return tf.model({ inputs: model.inputs, outputs: logits.output as tf.SymbolicTensor, name: `${model.name}_logits` });
}
