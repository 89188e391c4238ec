import * as tf from '@tensorflow/tfjs';
import { planned, scaleWidth, type ModelDefinition, type ResolvedSpec } from './definition.ts';
import { SeededLayers, type Initialisation } from './layers.ts';
import type { ChannelPlan } from './types.ts';

/** Widths of the three stages (ResNet-20/32/56/110 for CIFAR, He et al. 2016). */
const STAGE_WIDTHS = [16, 32, 64] as const;
/** Blocks per stage: 3 gives 6·3 + 2 = 20 weighted layers. */
const DEFAULT_BLOCKS_PER_STAGE = 3;

const blockName = (stage: number, block: number) => `stage${stage}_block${block}`;

/** The channel plan of a pre-activation ResNet: each block's conv1, the only prunable producers. */
export function preActivationPlan(spec: ResolvedSpec, blocksPerStage: number): ChannelPlan {
  const plan: Record<string, number> = {};
  STAGE_WIDTHS.forEach((base, s) => {
    for (let b = 1; b <= blocksPerStage; b++) plan[`${blockName(s + 1, b)}_conv1`] = scaleWidth(base, spec.width);
  });
  return plan;
}

/**
 * Pre-activation ResNet for CIFAR (He et al., "Identity Mappings in Deep Residual Networks"):
 * stem conv3x3 16, then 3 stages of basic blocks
 *   x → bn1 → relu1 → conv1 (3x3, stride s) → bn2 → relu2 → conv2 (3x3) → add(shortcut)
 * with a 1x1 stride-s projection of relu1's output as shortcut where the shape changes (first
 * block of stages 2 and 3), identity otherwise; final BN → ReLU → global average pool → dense.
 * 6·blocksPerStage + 2 weighted layers.
 *
 * Every conv's output is normalised by the next BN applied to it: conv1 by its block's bn2; the
 * stem, conv2 and projections (through the residual sum) by the next block's bn1 or `final_bn`.
 *
 * Only conv1 of each block is in the channel plan (and prunable): its channels live entirely
 * inside the block. The residual-path channels (stem, conv2, projections) are summed across the
 * whole stage, so pruning them would need one mask shared by every tensor in the sum; `width`
 * scales them instead.
 */
export function buildPreActivationResNet(spec: ResolvedSpec, plan: ChannelPlan, blocksPerStage: number, init: Initialisation = {}): tf.LayersModel {
  const layers = new SeededLayers(spec.seed, init);
  const input = tf.input({ shape: spec.inputShape, name: 'input' });
  let x = layers.conv(input, 'stem_conv', scaleWidth(STAGE_WIDTHS[0], spec.width), 3);
  let channels = scaleWidth(STAGE_WIDTHS[0], spec.width);

  STAGE_WIDTHS.forEach((base, s) => {
    const stage = s + 1;
    const stageWidth = scaleWidth(base, spec.width);
    for (let b = 1; b <= blocksPerStage; b++) {
      const name = blockName(stage, b);
      const strides = stage > 1 && b === 1 ? 2 : 1;
      const preact = layers.relu(layers.batchNorm(x, `${name}_bn1`), `${name}_relu1`);
      let y = layers.conv(preact, `${name}_conv1`, planned(plan, `${name}_conv1`), 3, { strides });
      y = layers.relu(layers.batchNorm(y, `${name}_bn2`), `${name}_relu2`);
      y = layers.conv(y, `${name}_conv2`, stageWidth, 3);
      // The projection reads the pre-activated input, as in the pre-activation paper.
      const needsProjection = strides !== 1 || channels !== stageWidth;
      const shortcut = needsProjection
        ? layers.conv(preact, `${name}_shortcut`, stageWidth, 1, { strides })
        : x;
      x = layers.add([shortcut, y], `${name}_add`);
      channels = stageWidth;
    }
  });

  x = layers.relu(layers.batchNorm(x, 'final_bn'), 'final_relu');
  x = layers.globalAveragePool(x, 'global_pool');
  return tf.model({ inputs: input, outputs: layers.classifier(x, spec.numClasses), name: spec.name });
}

function blocksPerStage(spec: ResolvedSpec): number {
  return spec.depth ?? DEFAULT_BLOCKS_PER_STAGE;
}

/** The pre-activation ResNet with a depth knob (blocks per stage) and TF.js's usual initialisation. */
export const resnetS: ModelDefinition = {
  name: 'resnet-s',
  summary: 'resnet-s: pre-activation ResNet-20 style for CIFAR, 3 stages (16/32/64 ch) of depth basic blocks (default 3)',
  defaultDepth: DEFAULT_BLOCKS_PER_STAGE,
  // Strided 'same' convs round up, so any input size survives; global pooling takes the rest.
  minInputSize: { size: 1, reason: 'resnet-s needs a non-empty input' },
  defaultPlan: (spec) => preActivationPlan(spec, blocksPerStage(spec)),
  build: (spec, plan) => buildPreActivationResNet(spec, plan, blocksPerStage(spec)),
};
