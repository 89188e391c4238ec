/**
 * Direct access to the wasm backend's XNNPACK convolution with every parameter explicit.
 * The registered `Conv2D` kernel derives padding from TF's `same`/`valid` rules; the gradient
 * kernels need arbitrary asymmetric padding and dilation, which the C++ entry point accepts.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { wasmId, type WasmBackend } from './internals.ts';

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
