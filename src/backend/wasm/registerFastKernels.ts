/**
 * Registers this project's gradient and helper kernels on the `wasm` backend. Registration keeps
 * the stock kernel's `setupFunc` (unregistering drops it, and then its C function is never bound)
 * and hands the stock `kernelFunc` to the replacement as its fallback.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { makeConv2D } from './conv2dForward.ts';
import { makeConv2DBackpropFilter, makeConv2DBackpropInput } from './conv2dGradients.ts';
import { identityShared, makeCast, makeMaxPoolGrad, makeMean, makeSum, makeTile } from './elementwiseKernels.ts';
import { registerFusedWasmKernels } from './fusedKernels.ts';
import type { KernelArgs } from './internals.ts';

type Kernel = (args: KernelArgs) => TensorInfo;

const REPLACEMENTS: Record<string, (stock: Kernel) => Kernel> = {
  Conv2D: makeConv2D,
  FusedConv2D: makeConv2D,
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Conv2DBackpropFilter: () => makeConv2DBackpropFilter(),
  Identity: () => identityShared,
  Cast: makeCast,
  Tile: makeTile,
  Sum: makeSum,
  Mean: makeMean,
  MaxPoolGrad: makeMaxPoolGrad,
};

export const FAST_WASM_KERNELS = Object.keys(REPLACEMENTS);

const missing: Kernel = () => {
  throw new Error('no stock wasm kernel to fall back to');
};

let registered = false;

/** How often each replacement fell back to the stock kernel: a test and the benchmark read it. */
export const fallbackCounts: Record<string, number> = {};


/** Idempotent; call before the wasm backend is first used (setupFuncs run when it initialises). */
export function registerFastWasmKernels(): void {
  if (registered) return;
  registered = true;
  // EARLYBIRD_WASM_STOCK=Tile,Sum keeps those stock kernels: for measuring what each replacement
  // buys (BatchNormTrain and ReluGrad name the fused kernels, whose absence keeps the composites).
  const keepStock = new Set((process.env.EARLYBIRD_WASM_STOCK ?? '').split(',').map((s) => s.trim()));
  registerFusedWasmKernels({ batchNorm: !keepStock.has('BatchNormTrain'), reluGrad: !keepStock.has('ReluGrad') });
  for (const [name, make] of Object.entries(REPLACEMENTS)) {
    if (keepStock.has(name)) continue;
    const stockConfig = getKernel(name, 'wasm') as KernelConfig | undefined;
    const stockFunc = (stockConfig?.kernelFunc as unknown as Kernel | undefined) ?? missing;
    fallbackCounts[name] = 0;
    const stock: Kernel = (args) => {
      fallbackCounts[name]!++;
      return stockFunc(args);
    };
    if (stockConfig) unregisterKernel(name, 'wasm');
    registerKernel({
      kernelName: name,
      backendName: 'wasm',
      setupFunc: stockConfig?.setupFunc,
      kernelFunc: make(stock) as unknown as KernelFunc,
    });
  }
}
