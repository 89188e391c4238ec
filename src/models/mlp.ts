import * as tf from '@tensorflow/tfjs';
import { planned, scaleWidth, type ModelDefinition, type ResolvedSpec } from './definition.ts';
import { SeededLayers } from './layers.ts';

/** Hidden layer i (from 0) has FIRST_HIDDEN_UNITS / 2^i units before the width multiplier. */
const FIRST_HIDDEN_UNITS = 256;
const DEFAULT_HIDDEN_LAYERS = 2;

const hiddenName = (i: number) => `dense${i}`;

function hiddenLayers(spec: ResolvedSpec): number {
  return spec.depth ?? DEFAULT_HIDDEN_LAYERS;
}

/**
 * Multi-layer perceptron: flatten → `depth` × (dense → BN → ReLU) → dense classes.
 * With `batchNorm: false` the hidden layers are dense+bias with ReLU and nothing is prunable.
 */
export const mlp: ModelDefinition = {
  name: 'mlp',
  summary: 'mlp: flatten, depth hidden dense layers (256, 128, ... units, default 2) with BN + ReLU, dense',
  defaultDepth: DEFAULT_HIDDEN_LAYERS,
  minInputSize: { size: 1, reason: 'mlp needs a non-empty input' },

  defaultPlan(spec) {
    const plan: Record<string, number> = {};
    for (let i = 1; i <= hiddenLayers(spec); i++) {
      plan[hiddenName(i)] = scaleWidth(FIRST_HIDDEN_UNITS / 2 ** (i - 1), spec.width);
    }
    return plan;
  },

  build(spec, plan) {
    const layers = new SeededLayers(spec.seed);
    const input = tf.input({ shape: spec.inputShape, name: 'input' });
    let x = layers.flatten(input);
    for (let i = 1; i <= hiddenLayers(spec); i++) {
      const units = planned(plan, hiddenName(i));
      if (spec.batchNorm) {
        // No bias: the BN's β plays that role.
        x = layers.dense(x, hiddenName(i), units, { useBias: false });
        x = layers.relu(layers.batchNorm(x, `bn${i}`), `relu${i}`);
      } else {
        x = layers.dense(x, hiddenName(i), units, { activation: 'relu' });
      }
    }
    return tf.model({ inputs: input, outputs: layers.classifier(x, spec.numClasses), name: spec.name });
  },
};
