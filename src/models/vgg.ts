import * as tf from '@tensorflow/tfjs';
import { planned, scaleWidth, type ModelDefinition, type ResolvedSpec } from './definition.ts';
import { SeededLayers } from './layers.ts';

/** Base channels of the three stages; `width` scales them, `depth` sets convs per stage. */
const STAGE_WIDTHS = [32, 64, 128] as const;
const DEFAULT_CONVS_PER_STAGE = 2;

const convName = (stage: number, conv: number) => `stage${stage}_conv${conv}`;

function convsPerStage(spec: ResolvedSpec): number {
  return spec.depth ?? DEFAULT_CONVS_PER_STAGE;
}

/**
 * Small VGG: per stage, `depth` × (conv3x3 `same` → BN → ReLU), then maxpool2; flatten → dense.
 * Default stages [[32,32],[64,64],[128,128]]: 77.3 MFLOP per 32x32x3 image.
 */
export const vggS: ModelDefinition = {
  name: 'vgg-s',
  summary: 'vgg-s: VGG-style, 3 stages of 3x3 conv-BN-ReLU (32/64/128 ch, depth convs per stage, default 2) + maxpool, dense',
  defaultDepth: DEFAULT_CONVS_PER_STAGE,
  minInputSize: { size: 2 ** STAGE_WIDTHS.length, reason: `vgg-s halves the input ${STAGE_WIDTHS.length} times` },

  defaultPlan(spec) {
    const plan: Record<string, number> = {};
    STAGE_WIDTHS.forEach((base, s) => {
      for (let c = 1; c <= convsPerStage(spec); c++) plan[convName(s + 1, c)] = scaleWidth(base, spec.width);
    });
    return plan;
  },

  build(spec, plan) {
    const layers = new SeededLayers(spec.seed);
    const input = tf.input({ shape: spec.inputShape, name: 'input' });
    let x = input;
    for (let stage = 1; stage <= STAGE_WIDTHS.length; stage++) {
      for (let c = 1; c <= convsPerStage(spec); c++) {
        x = layers.conv(x, convName(stage, c), planned(plan, convName(stage, c)), 3);
        x = layers.batchNorm(x, `stage${stage}_bn${c}`);
        x = layers.relu(x, `stage${stage}_relu${c}`);
      }
      x = layers.maxPool(x, `stage${stage}_pool`);
    }
    const output = layers.classifier(layers.flatten(x), spec.numClasses);
    return tf.model({ inputs: input, outputs: output, name: spec.name });
  },
};
