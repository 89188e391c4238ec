/**
 * earlybird's own WebAssembly SIMD kernels (src/backend/wasm/native/kernels.c), instantiated once
 * per wasm backend on that backend's own memory: they read and write tensors in place, by byte
 * offset, with no copy in or out. The module owns nothing in that memory (no data, no stack),
 * which build.sh checks, so it cannot disturb the backend's allocator.
 */
import v8 from 'node:v8';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './native/kernelsWasm.ts';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { elementCount, heapOffset, type WasmBackend } from './internals.ts';

export interface NativeKernels {
  conv2d_filter_grad(
    x: number, dy: number, dw: number,
    n: number, h: number, w: number, ci: number, ho: number, wo: number, co: number, coPad: number,
    kh: number, kw: number, sh: number, sw: number, dh: number, dw_: number, padTop: number, padLeft: number,
  ): void;
  batch_norm_train(
    x: number, gamma: number, beta: number, y: number, mean: number, variance: number,
    scratch: number, rows: number, c: number, eps: number,
  ): void;
  batch_norm_train_grad(
    x: number, dy: number, gamma: number, mean: number, variance: number, dmean: number, dvariance: number,
    dx: number, dgamma: number, dbeta: number, scratch: number, rows: number, c: number, eps: number,
  ): void;
  relu_grad(x: number, dy: number, dx: number, size: number): void;
  conv2d_forward(
    x: number, f: number, y: number, zeros: number,
    n: number, h: number, w: number, ci: number, ho: number, wo: number, co: number, fco: number,
    kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number,
  ): void;
  resize_channels(src: number, dst: number, rows: number, from: number, to: number): void;
  max_pool_grad_2x2(x: number, dy: number, dx: number, n: number, h: number, w: number, ho: number, wo: number, c: number): void;
}

/** c rounded up to a multiple of 8: the channel blocks our convolution kernels work in. */
export function roundUp8(c: number): number {
  return Math.ceil(c / 8) * 8;
}

/**
 * A new tensor like t ([..., c]) with `channels` channels: the first ones copied, any added ones
 * zero (padding to the 8-blocks, and cropping back). The caller frees what it no longer needs.
 */
export function withChannels(backend: WasmBackend, t: TensorInfo, channels: number): TensorInfo {
  const c = t.shape[t.shape.length - 1]!;
  const out = backend.makeOutput([...t.shape.slice(0, -1), channels], 'float32');
  nativeKernels(backend).resize_channels(heapOffset(backend, t), heapOffset(backend, out), elementCount(t.shape) / c, c, channels);
  return out;
}

export type NativeKernelVariant = 'relaxed-simd' | 'simd';

const BUILDS: Record<NativeKernelVariant, string> = { 'relaxed-simd': KERNELS_RELAXED_WASM_BASE64, simd: KERNELS_WASM_BASE64 };
const modules = new Map<NativeKernelVariant, WebAssembly.Module>();

function moduleOf(variant: NativeKernelVariant): WebAssembly.Module {
  let module = modules.get(variant);
  if (!module) {
    module = new WebAssembly.Module(Buffer.from(BUILDS[variant], 'base64'));
    modules.set(variant, module);
  }
  return module;
}

let chosenVariant: NativeKernelVariant | undefined;

/**
 * Which build of our kernels this process runs: relaxed SIMD (the convolutions' multiply-adds
 * fused, about 20-30 % faster where the CPU has FMA) when the engine accepts it, plain SIMD
 * otherwise or when EARLYBIRD_WASM_RELAXED=0. Node 20's V8 (11.3) implements relaxed SIMD behind
 * --experimental-wasm-relaxed-simd, which is switched on here; V8 11.4 and later (Node 22,
 * Electron 25+) ship it on. A relaxed multiply-add may round once or twice depending on the CPU,
 * so results are reproducible on one machine, and agree across machines to float32 rounding.
 */
export function nativeKernelVariant(): NativeKernelVariant {
  if (chosenVariant) return chosenVariant;
  let relaxed = false;
  if (process.env.EARLYBIRD_WASM_RELAXED !== '0') {
    const bytes = Buffer.from(KERNELS_RELAXED_WASM_BASE64, 'base64');
    relaxed = WebAssembly.validate(bytes);
    if (!relaxed) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = WebAssembly.validate(bytes);
    }
  }
  chosenVariant = relaxed ? 'relaxed-simd' : 'simd';
  return chosenVariant;
}

/** One build of the kernels on a backend's memory (nativeKernels takes the chosen one; tests take both). */
export function instantiateNativeKernels(backend: WasmBackend, variant: NativeKernelVariant): NativeKernels {
  const instance = new WebAssembly.Instance(moduleOf(variant), { env: { memory: backend.wasm.asm.memory } });
  return instance.exports as unknown as NativeKernels;
}

const instances = new WeakMap<WasmBackend, NativeKernels>();

export function nativeKernels(backend: WasmBackend): NativeKernels {
  let kernels = instances.get(backend);
  if (!kernels) {
    kernels = instantiateNativeKernels(backend, nativeKernelVariant());
    instances.set(backend, kernels);
  }
  return kernels;
}
