import * as tf from '@tensorflow/tfjs';
import { planned, scaleWidth, type ModelDefinition } from './definition.ts';
import { SeededLayers } from './layers.ts';

/**
 * LeNet-5 with BatchNorm: conv5x5 6 → BN → ReLU → maxpool2, conv5x5 16 → BN → ReLU → maxpool2,
 * dense 120 → ReLU, dense 84 → ReLU, dense classes.
 * The first conv uses `same` padding so 28x28 (MNIST) keeps the classic 5x5x16 feature map; the
 * second is `valid` as in the original. 32x32x3 then gives 6x6x16.
 * `width` scales the convs and the two hidden dense layers alike.
 */
export const lenet5Bn: ModelDefinition = {
  name: 'lenet5-bn',
  summary: 'lenet5-bn: LeNet-5 with BatchNorm, conv5x5 6/16 + maxpool, dense 120-84-classes',
  defaultDepth: null,
  // same conv, pool (÷2), valid 5x5 conv (−4), pool (÷2): floor(n/2) − 4 must be at least 2.
  minInputSize: { size: 12, reason: 'lenet5-bn halves the input, trims 4 pixels with a valid 5x5 conv, then halves again' },

  defaultPlan: (spec) => ({ conv1: scaleWidth(6, spec.width), conv2: scaleWidth(16, spec.width) }),

  build(spec, plan) {
    const layers = new SeededLayers(spec.seed);
    const input = tf.input({ shape: spec.inputShape, name: 'input' });
    let x = layers.conv(input, 'conv1', planned(plan, 'conv1'), 5, { padding: 'same' });
    x = layers.relu(layers.batchNorm(x, 'bn1'), 'relu1');
    x = layers.maxPool(x, 'pool1');
    x = layers.conv(x, 'conv2', planned(plan, 'conv2'), 5, { padding: 'valid' });
    x = layers.relu(layers.batchNorm(x, 'bn2'), 'relu2');
    x = layers.maxPool(x, 'pool2');
    x = layers.flatten(x);
    x = layers.dense(x, 'fc1', scaleWidth(120, spec.width), { activation: 'relu' });
    x = layers.dense(x, 'fc2', scaleWidth(84, spec.width), { activation: 'relu' });
    return tf.model({ inputs: input, outputs: layers.classifier(x, spec.numClasses), name: spec.name });
  },
};
