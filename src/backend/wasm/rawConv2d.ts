/**
 * Convolutions with every parameter explicit: `rawConv2d`, the wasm backend's XNNPACK entry point
 * (the registered `Conv2D` kernel derives padding from TF's `same`/`valid` rules; the gradient
 * kernels need arbitrary asymmetric padding and dilation, which the C++ entry point accepts), and
 * `fastConv2d`, which runs our SIMD kernel instead where that is faster.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapOffset, wasmId, type WasmBackend } from './internals.ts';
import { nativeKernels, withChannels, roundUp8 } from './nativeKernels.ts';

export interface RawConvParams {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  padTop: number;
  padRight: number;
  padBottom: number;
  padLeft: number;
  dilationHeight: number;
  dilationWidth: number;
  strideHeight: number;
  strideWidth: number;
}

type Conv2dEntry = (...args: number[]) => void;
const bound = new WeakMap<WasmBackend, Conv2dEntry>();

function entryFor(backend: WasmBackend): Conv2dEntry {
  let fn = bound.get(backend);
  if (!fn) {
    // Same C signature as the stock Conv2D kernel: 19 numbers, the last the output id.
    fn = backend.wasm.cwrap('Conv2D', null, new Array(19).fill('number')) as Conv2dEntry;
    bound.set(backend, fn);
  }
  return fn;
}

/** Output size of a convolution along one axis (XNNPACK's rule with explicit padding). */
export function convOutputSize(input: number, padBefore: number, padAfter: number, filter: number, dilation: number, stride: number): number {
  const effective = (filter - 1) * dilation + 1;
  return Math.floor((input + padBefore + padAfter - effective) / stride) + 1;
}

/**
 * x: NHWC with the given dims (its TensorInfo shape is ignored); filter: [fh, fw, inC, outC];
 * out: an allocated [batch, outH, outW, outC] tensor.
 */
export function rawConv2d(backend: WasmBackend, x: TensorInfo, filter: TensorInfo, out: TensorInfo, p: RawConvParams): void {
  entryFor(backend)(
    wasmId(backend, x), p.batch, p.inHeight, p.inWidth,
    wasmId(backend, filter), p.filterHeight, p.filterWidth,
    p.padTop, p.padRight, p.padBottom, p.padLeft, /* isSamePad */ 0,
    p.dilationHeight, p.dilationWidth, p.strideHeight, p.strideWidth,
    p.inChannels, p.outChannels, wasmId(backend, out),
  );
}

/**
 * The convolution the kernels here use: our SIMD kernel (native/kernels.c) where it measured faster
 * than XNNPACK — at least 8 input and 8 output channels, no dilation — and XNNPACK otherwise (a
 * grayscale or RGB first layer, where XNNPACK's own layout wins). Same arguments as `rawConv2d`.
 */
export function fastConv2d(backend: WasmBackend, x: TensorInfo, filter: TensorInfo, out: TensorInfo, p: RawConvParams): void {
  if (p.inChannels < 8 || p.outChannels < 8 || p.dilationHeight !== 1 || p.dilationWidth !== 1) {
    rawConv2d(backend, x, filter, out, p);
    return;
  }
  // The kernel computes output channels 8 at a time: a filter whose channel count is not a multiple
  // of 8 (a slimmed network's) is padded with zero columns, a small copy.
  const fco = roundUp8(p.outChannels);
  const paddedFilter = fco === p.outChannels ? filter : withChannels(backend, filter, fco);
  const zeros = backend.makeOutput([p.inChannels], 'float32');
  new Float32Array(backend.wasm.HEAPU8.buffer, heapOffset(backend, zeros), p.inChannels).fill(0);
  const outHeight = convOutputSize(p.inHeight, p.padTop, p.padBottom, p.filterHeight, 1, p.strideHeight);
  const outWidth = convOutputSize(p.inWidth, p.padLeft, p.padRight, p.filterWidth, 1, p.strideWidth);
  nativeKernels(backend).conv2d_forward(
    heapOffset(backend, x), heapOffset(backend, paddedFilter), heapOffset(backend, out), heapOffset(backend, zeros),
    p.batch, p.inHeight, p.inWidth, p.inChannels, outHeight, outWidth, p.outChannels, fco,
    p.filterHeight, p.filterWidth, p.strideHeight, p.strideWidth, p.padTop, p.padLeft,
  );
  backend.disposeData(zeros.dataId);
  if (paddedFilter !== filter) backend.disposeData(paddedFilter.dataId);
}
