import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from './batchNormalization.ts';
import { conv2d } from './conv2d.ts';
import { layerSeed } from './seeds.ts';

/** Name of the final Dense layer (pre-softmax scores); `logitsModel` cuts the model there. */
export const LOGITS_LAYER = 'logits';
/** Name of the softmax layer every registry model ends with. */
export const PROBS_LAYER = 'probs';

/**
 * BatchNorm settings for all models. Momentum 0.9 / epsilon 1e-5 are PyTorch's defaults (what the
 * Early-Bird reference code trains with); TF.js's 0.99 would leave the moving statistics far from
 * the batch statistics for the first epochs of a short run, and Early-Bird looks at early epochs.
 */
const BN_MOMENTUM = 0.9;
const BN_EPSILON = 1e-5;

type Tensor = tf.SymbolicTensor;

/**
 * How a network's weights start. The default (He fan-in convs, γ = 1, Glorot logits) is TF.js's
 * usual choice; the paper networks (vgg16, preresnet*) take the Early-Bird reference code's own
 * (GATECH-EIC/Early-Bird-Tickets, models/vgg.py and models/preresnet.py, inherited from network
 * slimming): conv weights N(0, 2 / (k·k·out)) — He with the fan-out —, every BatchNorm γ = 0.5 and
 * β = 0, and in vgg16 the classifier's weights N(0, 0.01) with zero bias. The L1 term on γ and the
 * |γ| ranking act on that scale.
 */
export interface Initialisation {
  /** He-normal over the fan-in (default) or the fan-out. */
  convFan?: 'fanIn' | 'fanOut';
  /** Starting γ of every BatchNorm; default 1. */
  gamma?: number;
  /** Standard deviation of a normal initialiser for the logits kernel; default Glorot uniform. */
  logitsStddev?: number;
}

function applyTo(layer: tf.layers.Layer, input: Tensor | Tensor[]): Tensor {
  return layer.apply(input) as Tensor;
}

/**
 * Builds named layers whose random initialisers are seeded from the model seed and the layer
 * name, so the same spec always gives the same weights.
 */
export class SeededLayers {
  constructor(private readonly modelSeed: number, private readonly init: Initialisation = {}) {}

  seedFor(layerName: string): number {
    return layerSeed(this.modelSeed, layerName);
  }

  /** Convolution without bias: every conv here feeds a BatchNorm, whose β is the bias. */
  conv(
    input: Tensor,
    name: string,
    filters: number,
    kernelSize: number,
    options: { strides?: number; padding?: 'same' | 'valid' } = {},
  ): Tensor {
    return applyTo(
      conv2d({
        name,
        filters,
        kernelSize,
        strides: options.strides ?? 1,
        padding: options.padding ?? 'same',
        useBias: false,
        // He init suits the ReLUs that follow (directly, or after the BN).
        kernelInitializer: this.init.convFan === 'fanOut'
          ? tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed: this.seedFor(name) })
          : tf.initializers.heNormal({ seed: this.seedFor(name) }),
      }),
      input,
    );
  }

  /** BatchNorm over the channel axis. γ starts at 1 (or the initialisation's), β at 0 (constants need no seed). */
  batchNorm(input: Tensor, name: string): Tensor {
    const gamma = this.init.gamma === undefined ? {} : { gammaInitializer: tf.initializers.constant({ value: this.init.gamma }) };
    return applyTo(batchNormalization({ name, axis: -1, momentum: BN_MOMENTUM, epsilon: BN_EPSILON, ...gamma }), input);
  }

  relu(input: Tensor, name: string): Tensor {
    return applyTo(tf.layers.reLU({ name }), input);
  }

  maxPool(input: Tensor, name: string): Tensor {
    return applyTo(tf.layers.maxPooling2d({ name, poolSize: 2, strides: 2, padding: 'valid' }), input);
  }

  flatten(input: Tensor, name = 'flatten'): Tensor {
    return applyTo(tf.layers.flatten({ name }), input);
  }

  add(inputs: Tensor[], name: string): Tensor {
    return applyTo(tf.layers.add({ name }), inputs);
  }

  globalAveragePool(input: Tensor, name: string): Tensor {
    return applyTo(tf.layers.globalAveragePooling2d({ name }), input);
  }

  /** Hidden dense layer. Without a following BatchNorm it keeps its bias and applies `activation`. */
  dense(
    input: Tensor,
    name: string,
    units: number,
    options: { activation?: 'relu' | 'linear'; useBias?: boolean } = {},
  ): Tensor {
    return applyTo(
      tf.layers.dense({
        name,
        units,
        activation: options.activation ?? 'linear',
        useBias: options.useBias ?? true,
        kernelInitializer: tf.initializers.heNormal({ seed: this.seedFor(name) }),
        biasInitializer: 'zeros',
      }),
      input,
    );
  }

  /**
   * Classifier head: Dense `logits` (Glorot, with bias) followed by a softmax layer `probs`.
   * The model outputs probabilities so `model.compile({loss: 'categoricalCrossentropy'})` is
   * correct; a training loop that wants logits uses `logitsModel(model)`, which shares weights.
   */
  classifier(input: Tensor, numClasses: number): Tensor {
    const logits = applyTo(
      tf.layers.dense({
        name: LOGITS_LAYER,
        units: numClasses,
        kernelInitializer: this.init.logitsStddev === undefined
          ? tf.initializers.glorotUniform({ seed: this.seedFor(LOGITS_LAYER) })
          : tf.initializers.randomNormal({ mean: 0, stddev: this.init.logitsStddev, seed: this.seedFor(LOGITS_LAYER) }),
        biasInitializer: 'zeros',
      }),
      input,
    );
    return applyTo(tf.layers.activation({ name: PROBS_LAYER, activation: 'softmax' }), logits);
  }
}
