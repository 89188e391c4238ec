import * as tf from '@tensorflow/tfjs';
import type { LayerStats, ModelStats } from './types.ts';

type Layer = tf.layers.Layer;

/** Per-image shape of a layer's (first) output, batch dimension dropped. */
function outputShapeOf(layer: Layer): number[] {
  const shape = layer.outputShape;
  const first = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
  return first.slice(1).map((d) => d ?? 0);
}

const product = (values: readonly number[]) => values.reduce((a, b) => a * b, 1);

function kernelShapes(layer: Layer): number[][] {
  return layer.weights.filter((w) => /kernel$/.test(w.originalName)).map((w) => w.shape.map((d) => d ?? 0));
}

/**
 * Multiply-accumulates of one forward pass of `layer` for one image. Convolutions: every output
 * position applies the whole kernel (kh·kw·in·out, or kh·kw·in·multiplier depthwise); Dense: in·out
 * per position (one position after a flatten). Bias adds, BatchNorm, activations and pooling are
 * not counted.
 */
function macsOf(layer: Layer): number {
  const type = layer.getClassName();
  const outputShape = outputShapeOf(layer);
  const positions = product(outputShape.slice(0, -1));
  switch (type) {
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
    case 'Dense':
      return positions * kernelShapes(layer).reduce((sum, shape) => sum + product(shape), 0);
    default:
      return 0;
  }
}

/**
 * Per-layer and total parameters and forward FLOPs of one image.
 *
 * Convention (the same as bench/reference_torch.py): FLOPs = 2 × multiply-accumulates of the
 * convolution and dense layers only; training costs about 3× this. Parameters count every weight,
 * BatchNorm's moving mean and variance included, so the total equals model.countParams().
 * The input layer is left out.
 */
export function modelStats(model: tf.LayersModel): ModelStats {
  const layers: LayerStats[] = model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer) => ({
      name: layer.name,
      type: layer.getClassName(),
      outputShape: outputShapeOf(layer),
      params: layer.countParams(),
      flops: 2 * macsOf(layer),
    }));
  return {
    layers,
    params: layers.reduce((sum, l) => sum + l.params, 0),
    flops: layers.reduce((sum, l) => sum + l.flops, 0),
  };
}
