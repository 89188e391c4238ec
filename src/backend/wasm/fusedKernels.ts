/**
 * Fused training kernels on wasm: BatchNorm in training as one kernel with its whole
 * backward pass in two passes, and ReLU's gradient in one. The composite route — tf.moments, then
 * FusedBatchNorm, and their gradients through Tile, Multiply, Sub, RealDiv, Sum and Step — reads
 * and writes the activation some twenty times per BatchNorm-ReLU pair, and on small and slim
 * networks those memory-bound passes cost more than the convolutions.
 *
 * wasm has these kernels here, webgpu in src/backend/webgpu/trainingKernels.ts (same names, same
 * gradients). `hasFusedBatchNorm()` tells a layer whether to use them; every other backend keeps the
 * stock composite, and the tests compare the two.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getGradient, getKernel, registerGradient, registerKernel, type KernelFunc, type NamedTensorMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { elementCount, heapOffset, type KernelArgs } from './internals.ts';
import { nativeKernels } from './nativeKernels.ts';

/** [y, mean, variance] = BatchNorm in training over every axis but the last (channels-last). */
export const BATCH_NORM_TRAIN = 'EarlybirdBatchNormTrain';
/** [dx, dgamma, dbeta] from x, dy, gamma, the batch statistics and their upstream gradients. */
export const BATCH_NORM_TRAIN_GRAD = 'EarlybirdBatchNormTrainGrad';
/** dx = x > 0 ? dy : 0. */
export const RELU_GRAD = 'EarlybirdReluGrad';

function channelsOf(x: TensorInfo): { rows: number; c: number } {
  const c = x.shape[x.shape.length - 1]!;
  return { rows: elementCount(x.shape) / c, c };
}

function batchNormTrain({ inputs: { x, gamma, beta }, attrs, backend }: KernelArgs): TensorInfo[] {
  const { rows, c } = channelsOf(x!);
  const y = backend.makeOutput(x!.shape, 'float32');
  const mean = backend.makeOutput([c], 'float32');
  const variance = backend.makeOutput([c], 'float32');
  const scratch = backend.makeOutput([2 * c], 'float32');
  nativeKernels(backend).batch_norm_train(
    heapOffset(backend, x!), heapOffset(backend, gamma!), heapOffset(backend, beta!),
    heapOffset(backend, y), heapOffset(backend, mean), heapOffset(backend, variance), heapOffset(backend, scratch),
    rows, c, attrs.epsilon as number,
  );
  backend.disposeData(scratch.dataId);
  return [y, mean, variance];
}

function batchNormTrainGrad({ inputs: { x, dy, gamma, mean, variance, dmean, dvariance }, attrs, backend }: KernelArgs): TensorInfo[] {
  const { rows, c } = channelsOf(x!);
  const dx = backend.makeOutput(x!.shape, 'float32');
  const dgamma = backend.makeOutput([c], 'float32');
  const dbeta = backend.makeOutput([c], 'float32');
  const scratch = backend.makeOutput([3 * c], 'float32');
  nativeKernels(backend).batch_norm_train_grad(
    heapOffset(backend, x!), heapOffset(backend, dy!), heapOffset(backend, gamma!),
    heapOffset(backend, mean!), heapOffset(backend, variance!), heapOffset(backend, dmean!), heapOffset(backend, dvariance!),
    heapOffset(backend, dx), heapOffset(backend, dgamma), heapOffset(backend, dbeta), heapOffset(backend, scratch),
    rows, c, attrs.epsilon as number,
  );
  backend.disposeData(scratch.dataId);
  return [dx, dgamma, dbeta];
}

function reluGrad({ inputs: { dy, x }, backend }: KernelArgs): TensorInfo {
  const dx = backend.makeOutput(x!.shape, 'float32');
  nativeKernels(backend).relu_grad(heapOffset(backend, x!), heapOffset(backend, dy!), heapOffset(backend, dx), elementCount(x!.shape));
  return dx;
}

/** Whether the current backend trains BatchNorm with the fused kernel (and a layer may call it). */
export function hasFusedBatchNorm(): boolean {
  return getKernel(BATCH_NORM_TRAIN, tf.getBackend()) !== undefined;
}

/**
 * BatchNorm in training, normalising over every axis but the last: returns y and the batch's mean
 * and biased variance (what tf.moments gives, and what the moving averages take). Only where
 * `hasFusedBatchNorm()`; x, gamma and beta must be float32.
 */
export function fusedBatchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  const c = x.shape[x.shape.length - 1];
  if (gamma.shape.length !== 1 || gamma.shape[0] !== c || beta.shape.length !== 1 || beta.shape[0] !== c) {
    throw new Error(`fused BatchNorm: gamma and beta must have shape [${c}] (x's last axis); got [${gamma.shape}] and [${beta.shape}]`);
  }
  return tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta } as NamedTensorMap, { epsilon }) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}

/** Registers the kernels on wasm and the gradients everywhere; once, from registerFastWasmKernels. */
export function registerFusedWasmKernels(which: { batchNorm: boolean; reluGrad: boolean }): void {
  if (which.batchNorm) {
    registerKernel({ kernelName: BATCH_NORM_TRAIN, backendName: 'wasm', kernelFunc: batchNormTrain as unknown as KernelFunc });
    registerKernel({ kernelName: BATCH_NORM_TRAIN_GRAD, backendName: 'wasm', kernelFunc: batchNormTrainGrad as unknown as KernelFunc });
  }
  if (which.reluGrad) registerKernel({ kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc: reluGrad as unknown as KernelFunc });
  registerFusedGradients();
}

let gradientsRegistered = false;

/**
 * The gradients of the fused kernels, for every backend that has them (wasm, webgpu); idempotent,
 * because the ReLU gradient wraps the stock one it finds.
 */
export function registerFusedGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dmean, dvariance] = dys as tf.Tensor[];
      const [x, gamma, mean, variance] = saved;
      const [dx, dgamma, dbeta] = tf.engine().runKernel(
        BATCH_NORM_TRAIN_GRAD,
        { x, dy, gamma, mean, variance, dmean, dvariance } as NamedTensorMap,
        attrs as never,
      ) as unknown as tf.Tensor[];
      return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
    },
  });

  // ReLU's gradient: ours where the backend has the kernel, tfjs's own (dy · step(x)) elsewhere.
  const stockRelu = getGradient('Relu');
  registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const g = dy as tf.Tensor;
      if (getKernel(RELU_GRAD, tf.getBackend()) && g.dtype === 'float32' && x!.dtype === 'float32') {
        return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x: x! } as NamedTensorMap) as tf.Tensor };
      }
      return stockRelu.gradFunc(dy, saved, attrs);
    },
  });
}
