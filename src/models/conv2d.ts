/**
 * The Conv2D layer every model here uses: tf.layers' own, except that without bias and activation
 * (every conv here feeds a BatchNorm) it convolves with tf.conv2d instead of tf.fused.conv2d. The
 * fused op's gradient computes the input gradient even where nothing needs it — the first layer,
 * whose input is data — and that unused convolution cost 18 % of a tiny training step on wasm;
 * tf.conv2d's registered gradient computes each derivative only when asked. Same class name,
 * weights and output; anything else (a bias, an activation, NCHW, dilation) is tf.layers' code.
 */
import * as tf from '@tensorflow/tfjs';

type LayerArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Record<string, unknown>;

/** tf.layers' class is not exported; an instance hands it over. */
const StockConv2D = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as unknown as new (args: LayerArgs) => tf.layers.Layer;

interface StockFields {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  activation: { getClassName(): string };
  strides: [number, number];
  padding: 'same' | 'valid';
  dataFormat: 'channelsLast' | 'channelsFirst';
  dilationRate: number | [number, number];
}

export class Conv2D extends StockConv2D {
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as StockFields;
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const dilation = typeof self.dilationRate === 'number' ? [self.dilationRate, self.dilationRate] : self.dilationRate;
    const plain = self.bias == null && self.activation.getClassName() === 'linear' && self.dataFormat === 'channelsLast'
      && input.rank === 4 && dilation[0] === 1 && dilation[1] === 1;
    if (!plain) return super.call(inputs, kwargs);
    return tf.conv2d(input as tf.Tensor4D, self.kernel.read() as tf.Tensor4D, self.strides, self.padding, 'NHWC');
  }
}
// Saved and rebuilt models (surgery, checkpoints, replicas) deserialize 'Conv2D' to this class.
tf.serialization.registerClass(Conv2D as never);

export function conv2d(args: LayerArgs): tf.layers.Layer {
  return new Conv2D(args);
}
