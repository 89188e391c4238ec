import * as tf from '@tensorflow/tfjs';
import { planned, scaleWidth, type ModelDefinition } from './definition.ts';
import { SeededLayers } from './layers.ts';

/**
 * The throughput benchmark's model (bench/reference_torch.py builds the same in PyTorch):
 * conv3x3x16-BN-ReLU-maxpool2, conv3x3x32-BN-ReLU-maxpool2, flatten, dense 10.
 */
export const tiny: ModelDefinition = {
  name: 'tiny',
  summary: 'tiny: 2 x (conv3x3-BN-ReLU-maxpool2) with 16/32 channels, flatten, dense; the benchmark model',
  defaultDepth: null,
  minInputSize: { size: 4, reason: 'tiny halves the input twice' },

  defaultPlan: (spec) => ({ conv1: scaleWidth(16, spec.width), conv2: scaleWidth(32, spec.width) }),

  build(spec, plan) {
    const layers = new SeededLayers(spec.seed);
    const input = tf.input({ shape: spec.inputShape, name: 'input' });
    let x = input;
    for (const i of [1, 2]) {
      x = layers.conv(x, `conv${i}`, planned(plan, `conv${i}`), 3);
      x = layers.batchNorm(x, `bn${i}`);
      x = layers.relu(x, `relu${i}`);
      x = layers.maxPool(x, `pool${i}`);
    }
    const output = layers.classifier(layers.flatten(x), spec.numClasses);
    return tf.model({ inputs: input, outputs: output, name: spec.name });
  },
};
