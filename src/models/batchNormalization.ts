/**
 * The BatchNormalization layer every model here uses: tf.layers' own, except that in training on a
 * backend with the fused kernel (wasm, src/backend/wasm/fusedKernels.ts) it normalises with that
 * one kernel instead of tf.moments + tf.batchNormalization. Same weights, same class name (so
 * saved models, pruning and surgery see the layer they know), same moving-average update; every
 * other case — inference, other backends, a non-last axis, no centre or scale — is tf.layers'
 * code unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormTraining, hasFusedBatchNorm } from '../backend/wasm/fusedKernels.ts';

type LayerArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type Kwargs = Record<string, unknown>;

/** tf.layers' class is not exported; an instance hands it over. */
const StockBatchNormalization = tf.layers.batchNormalization({}).constructor as unknown as new (args?: LayerArgs) => tf.layers.Layer;

interface StockFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

export class BatchNormalization extends StockBatchNormalization {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as StockFields;
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const axis = self.axis >= 0 ? self.axis : self.axis + input.rank;
    const fused = kwargs.training === true && axis === input.rank - 1 && self.center && self.scale
      && input.dtype === 'float32' && hasFusedBatchNorm();
    if (!fused) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = fusedBatchNormTraining(input, self.gamma.read(), self.beta.read(), self.epsilon);
      // tf.layers' update, step for step: moving ← moving − (moving − batch) · (1 − momentum).
      for (const [variable, value] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - self.momentum)));
        });
      }
      return y;
    });
  }
}
// Saved and rebuilt models (surgery, checkpoints) deserialize 'BatchNormalization' to this class.
tf.serialization.registerClass(BatchNormalization as never);

export function batchNormalization(args: LayerArgs): tf.layers.Layer {
  return new BatchNormalization(args);
}
