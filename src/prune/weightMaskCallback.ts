/**
 * Keeps unstructured-pruned weights at exactly zero while a network trains (a training callback).
 *
 * Zeroing the gradients alone is not enough: the optimizer adds weight decay (wd·w) after the
 * callbacks run, and momentum (or Adam's moments) carried over from earlier steps keeps moving a
 * weight whose gradient is now zero. So the gradients are masked (the pruned weights take no part
 * in the update) AND the mask is multiplied into the variables after every step, which makes the
 * zeros exact whatever the optimizer did.
 */
import * as tf from '@tensorflow/tfjs';
import { LOGITS_LAYER } from '../models/index.ts';
import type { TrainCallback, TrainContext } from '../train/callbacks.ts';
import type { TrainableParam } from '../train/optimizer.ts';

/** Layer types whose `kernel` is pruned; biases, BatchNorm and everything else are not. */
const MASKABLE_LAYER_TYPES = new Set(['Conv2D', 'Dense']);

/** A conv or dense kernel the lottery ticket prunes. */
export interface MaskableKernel {
  /** The weight's stable key (`originalName`, e.g. `conv1/kernel`), as in TrainableParam.key. */
  key: string;
  layer: string;
  shape: number[];
  /** The logits layer, which magnitude pruning treats on its own (see magnitudeMask.ts). */
  isOutput: boolean;
  variable: tf.Variable;
}

/** The conv and dense kernels of `model`, in layer order. */
export function maskableKernels(model: tf.LayersModel): MaskableKernel[] {
  return model.layers
    .filter((layer) => MASKABLE_LAYER_TYPES.has(layer.getClassName()))
    .flatMap((layer) => layer.trainableWeights
      .filter((w) => /(^|\/)kernel$/.test(w.originalName))
      .map((w) => ({
        key: w.originalName,
        layer: layer.name,
        shape: w.shape.map((d) => d ?? 0),
        isOutput: layer.name === LOGITS_LAYER,
        variable: w.read() as tf.Variable,
      })));
}

/** Which weights of one kernel survive: 1 = kept, 0 = pruned, in the kernel's flat order. */
export interface KernelMask {
  key: string;
  shape: number[];
  keep: Uint8Array;
}

export class WeightMaskCallback implements TrainCallback {
  /** 0/1 float tensors by weight key, alive until dispose(). */
  private readonly maskTensors = new Map<string, tf.Tensor>();
  /** The masked variables of the current training run, by tf variable name (how grads are keyed). */
  private masked: { variable: tf.Variable; mask: tf.Tensor }[] = [];

  constructor(masks: readonly KernelMask[]) {
    for (const { key, shape, keep } of masks) {
      const size = shape.reduce((a, b) => a * b, 1);
      if (size !== keep.length) throw new RangeError(`mask of ${key} has ${keep.length} entries, its shape [${shape}] ${size}`);
      // keep(): the masks outlive any tidy scope the callback happens to be built in.
      this.maskTensors.set(key, tf.keep(tf.tensor(Float32Array.from(keep), shape, 'float32')));
    }
  }

  /** Binds the masks to these parameters (by key) and zeroes the pruned weights now. */
  applyTo(params: readonly TrainableParam[]): void {
    this.bind(params);
    this.zeroPruned();
  }

  onTrainBegin(ctx: TrainContext): void {
    this.applyTo(ctx.params);
  }

  transformGradients(grads: tf.NamedTensorMap): void {
    // Runs inside the step's tidy: the masked gradients are freed with the step.
    for (const { variable, mask } of this.masked) {
      const grad = grads[variable.name];
      if (grad) grads[variable.name] = grad.mul(mask);
    }
  }

  onBatchEnd(): void {
    this.zeroPruned();
  }

  dispose(): void {
    for (const mask of this.maskTensors.values()) mask.dispose();
    this.maskTensors.clear();
    this.masked = [];
  }

  private bind(params: readonly TrainableParam[]): void {
    const byKey = new Map(params.map((p) => [p.key, p.variable]));
    this.masked = [...this.maskTensors].map(([key, mask]) => {
      const variable = byKey.get(key);
      if (!variable) throw new Error(`weight mask for ${key}, but the model has no trainable weight of that name`);
      if (!tf.util.arraysEqual(variable.shape, mask.shape)) {
        throw new Error(`weight mask for ${key} has shape [${mask.shape}], the weight [${variable.shape}]`);
      }
      return { variable, mask };
    });
  }

  private zeroPruned(): void {
    tf.tidy(() => {
      for (const { variable, mask } of this.masked) variable.assign(variable.mul(mask));
    });
  }
}
