/**
 * VGG-16 with BatchNorm for 32x32 inputs, the network of the Early-Bird paper's CIFAR experiments.
 *
 * Layers, from the reference code (GATECH-EIC/Early-Bird-Tickets, models/vgg.py, depth 16, itself
 * network slimming's): the configuration [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512,
 * M, 512, 512, 512], each number a 3x3 conv (padding 1, no bias) → BatchNorm → ReLU and each M a
 * 2x2 max-pool; then the classifier: a 2x2 average pool over the last 512 channels and ONE linear
 * layer 512 → classes (`nn.Linear(cfg[-1], num_classes)`; no hidden fully connected layers). On a
 * 32x32 input the last conv map is 2x2, so that average pool is a global average, which is what
 * is built here: the same network at 32x32, and one that also takes other input sizes.
 * Weights start as the reference's do (see `Initialisation`).
 *
 * 313.2 M multiply-accumulates per 32x32x3 image forward (626.4 MFLOP in this project's 2 × MAC
 * convention), 14.7 M parameters for 10 classes (BatchNorm moving statistics included). Every conv is prunable: its channels reach only
 * the next conv, or (the last one) the classifier through the global pool.
 */
import * as tf from '@tensorflow/tfjs';
import { planned, scaleWidth, type ModelDefinition } from './definition.ts';
import { SeededLayers } from './layers.ts';

/** Output channels of the convs of each stage; a max-pool follows every stage but the last. */
const STAGES = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]] as const;

const convName = (stage: number, conv: number) => `stage${stage}_conv${conv}`;

export const vgg16: ModelDefinition = {
  name: 'vgg16',
  summary: 'vgg16: VGG-16 with BatchNorm for CIFAR, the Early-Bird paper\'s (13 3x3 conv-BN-ReLU, 64..512 ch, 4 max-pools, global average pool, one dense layer)',
  defaultDepth: null,
  minInputSize: { size: 2 ** (STAGES.length - 1), reason: `vgg16 halves the input ${STAGES.length - 1} times` },

  defaultPlan(spec) {
    const plan: Record<string, number> = {};
    STAGES.forEach((widths, s) => widths.forEach((base, c) => (plan[convName(s + 1, c + 1)] = scaleWidth(base, spec.width))));
    return plan;
  },

  build(spec, plan) {
    const layers = new SeededLayers(spec.seed, { convFan: 'fanOut', gamma: 0.5, logitsStddev: 0.01 });
    const input = tf.input({ shape: spec.inputShape, name: 'input' });
    let x = input;
    STAGES.forEach((widths, s) => {
      const stage = s + 1;
      widths.forEach((_, c) => {
        x = layers.conv(x, convName(stage, c + 1), planned(plan, convName(stage, c + 1)), 3);
        x = layers.batchNorm(x, `stage${stage}_bn${c + 1}`);
        x = layers.relu(x, `stage${stage}_relu${c + 1}`);
      });
      if (stage < STAGES.length) x = layers.maxPool(x, `stage${stage}_pool`);
    });
    x = layers.globalAveragePool(x, 'global_pool');
    return tf.model({ inputs: input, outputs: layers.classifier(x, spec.numClasses), name: spec.name });
  },
};
