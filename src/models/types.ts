/**
 * Shared types of the model registry. Kept free of TF.js imports so that the CLI, the API and the
 * renderer can describe models without pulling in a backend.
 */

export type ModelName = 'mlp' | 'lenet5-bn' | 'vgg-s' | 'resnet-s' | 'tiny' | 'vgg16' | 'preresnet20' | 'preresnet56' | 'preresnet110';

export interface ModelSpec {
  name: ModelName;
  /** Per-image input shape, channels last: [height, width, channels]. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Any safe integer. Every layer's initialiser seed is derived from it and the layer name. */
  seed: number;
  /** Multiplies every hidden width (conv channels, mlp hidden units). Default 1. */
  width?: number;
  /**
   * Blocks per stage (resnet-s, default 3 = ResNet-20), convs per stage (vgg-s, default 2) or
   * hidden layers (mlp, default 2). Rejected for models without a depth knob (lenet5-bn, tiny,
   * vgg16, the preresnets: their depth is in the name).
   */
  depth?: number;
  /**
   * Output channels by producer layer name (a key of `channelPlan(spec)`), overriding what `width`
   * gives. This is how the surgery step builds the slim copy of a pruned network.
   */
  channels?: Record<string, number>;
  /**
   * mlp only: put a BatchNorm after each hidden dense layer (default true). Without it the mlp has
   * nothing Early-Bird can prune; conv models always have BatchNorm.
   */
  batchNorm?: boolean;
}

/** Output width of every prunable producer layer, by layer name, in build order. */
export type ChannelPlan = Record<string, number>;

/**
 * One set of channels Early-Bird may prune: the outputs of `conv`, gated by the γ of `bn`.
 * Removing channel c means: drop output c of `conv`'s kernel (and bias), drop entry c of every
 * `bn` weight (γ, β, moving mean, moving variance), and drop input c of every consumer.
 */
export interface PrunableGroup {
  /** The BatchNormalization layer whose |γ| ranks these channels. */
  bn: string;
  /** The layer producing the channels: a Conv2D (in the mlp, a Dense). Its only consumer is `bn`. */
  conv: string;
  /**
   * Layers that read these channels after `bn`, reached through channel-preserving layers only
   * (ReLU, pooling, dropout, flatten): the next Conv2D / Dense / BatchNormalization. A Dense
   * behind a Flatten sees channel c at flat indices p * C + c (channels last, p = spatial position).
   */
  consumers: string[];
}

export interface LayerStats {
  name: string;
  /** TF.js class name, e.g. `Conv2D`, `BatchNormalization`. */
  type: string;
  /** Per-image output shape (batch dimension dropped). */
  outputShape: number[];
  /** All weights, including BatchNorm's non-trainable moving statistics (as model.countParams()). */
  params: number;
  /** Forward FLOPs per image, 2 × multiply-accumulates; 0 for everything but conv and dense. */
  flops: number;
}

export interface ModelStats {
  layers: LayerStats[];
  params: number;
  flops: number;
}
