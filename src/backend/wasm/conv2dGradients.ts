/**
 * Convolution gradients at the forward convolution's speed.
 *
 * tfjs-backend-wasm 4.22 ships no Conv2DBackpropFilter, and its Conv2DBackpropInput runs about
 * 10x slower than the forward convolution. Here:
 * - input gradient: the output gradient (zero-inserted when strided) convolved with the filter
 *   reversed in both spatial axes and its in/out channels swapped, padded by (k - 1 - pad), through
 *   `fastConv2d` (our SIMD kernel, or XNNPACK for fewer than 8 channels);
 * - filter gradient: its own SIMD kernel (native/kernels.c, below).
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, heapOffset, type KernelArgs, type WasmBackend } from './internals.ts';
import { withChannels, nativeKernels, roundUp8 } from './nativeKernels.ts';
import { fastConv2d } from './rawConv2d.ts';

type Conv2DInfo = backend_util.Conv2DInfo;

function conv2dInfo(xShape: number[], filterShape: number[], attrs: KernelArgs['attrs']): Conv2DInfo {
  const dataFormat = backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | 'NCHW') ?? 'NHWC');
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    dataFormat,
  );
}

/** Filter [kh,kw,Cin,Cout] → reversed in h and w, channels swapped: [kh,kw,Cout,Cin]. */
function flipAndSwapFilter(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const srcBase = ((kh - 1 - i) * kw + (kw - 1 - j)) * ci * co;
      const dstBase = (i * kw + j) * co * ci;
      for (let a = 0; a < ci; a++) {
        for (let b = 0; b < co; b++) dst[dstBase + b * ci + a] = src[srcBase + a * co + b];
      }
    }
  }
  return out;
}

/** dy [N,Ho,Wo,C] → [N,(Ho-1)*sh+1,(Wo-1)*sw+1,C] with (s-1) zeros between neighbours. */
function insertZeros(backend: WasmBackend, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, ho, wo, c] = dy.shape as [number, number, number, number];
  const hu = (ho - 1) * sh + 1;
  const wu = (wo - 1) * sw + 1;
  const out = backend.makeOutput([n, hu, wu, c], 'float32');
  const src = heapF32(backend, dy);
  const dst = heapF32(backend, out);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < ho; y++) {
      for (let x = 0; x < wo; x++) {
        const from = ((b * ho + y) * wo + x) * c;
        dst.set(src.subarray(from, from + c), ((b * hu + y * sh) * wu + x * sw) * c);
      }
    }
  }
  return out;
}

/** [N,H,W,C] → its [N,h,w,C] top-left corner (h ≤ H, w ≤ W). */
function cropTopLeft(backend: WasmBackend, t: TensorInfo, h: number, w: number): TensorInfo {
  const [n, fullH, fullW, c] = t.shape as [number, number, number, number];
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const src = heapF32(backend, t);
  const dst = heapF32(backend, out);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const from = ((b * fullH + y) * fullW) * c;
      dst.set(src.subarray(from, from + w * c), ((b * h + y) * w) * c);
    }
  }
  return out;
}

export function makeConv2DBackpropInput(stock: (args: KernelArgs) => TensorInfo) {
  return function conv2DBackpropInput(args: KernelArgs): TensorInfo {
    const { inputs: { dy, filter }, attrs, backend } = args;
    const info = conv2dInfo(attrs.inputShape as number[], filter!.shape, attrs);
    if (info.dataFormat !== 'channelsLast') return stock(args);
    const { batchSize, inHeight, inWidth, outHeight, outWidth, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const upHeight = (outHeight - 1) * sh + 1;
    const upWidth = (outWidth - 1) * sw + 1;
    const padTop = kh - 1 - info.padInfo.top;
    const padLeft = kw - 1 - info.padInfo.left;
    const padBottom = inHeight - upHeight + kh - 1 - padTop;
    const padRight = inWidth - upWidth + kw - 1 - padLeft;
    // Negative padding means the forward pass cropped more than a convolution can express.
    if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) return stock(args);

    // conv2dTranspose may pass a dy larger than the convolution's output; like the cpu kernel,
    // only its top-left [outHeight, outWidth] corner counts. Any other mismatch goes to stock.
    const [dn, dh, dw, dc] = dy!.shape as [number, number, number, number];
    if (dn !== batchSize || dc !== info.outChannels || dh < outHeight || dw < outWidth) return stock(args);
    const cropped = dh > outHeight || dw > outWidth ? cropTopLeft(backend, dy!, outHeight, outWidth) : dy!;

    const flipped = flipAndSwapFilter(backend, filter!);
    const strided = sh > 1 || sw > 1;
    const source = strided ? insertZeros(backend, cropped, sh, sw) : cropped;
    const dx = backend.makeOutput([batchSize, inHeight, inWidth, info.inChannels], 'float32');
    fastConv2d(backend, source, flipped, dx, {
      batch: batchSize, inHeight: upHeight, inWidth: upWidth,
      inChannels: info.outChannels, outChannels: info.inChannels,
      filterHeight: kh, filterWidth: kw,
      padTop, padRight, padBottom, padLeft,
      dilationHeight: 1, dilationWidth: 1, strideHeight: 1, strideWidth: 1,
    });
    backend.disposeData(flipped.dataId);
    if (strided) backend.disposeData(source.dataId);
    if (cropped !== dy) backend.disposeData(cropped.dataId);
    return dx;
  };
}

/**
 * Filter gradient by a direct SIMD kernel of our own (native/kernels.c): for every output row and
 * filter tap it accumulates x's channels times dy's channels into dw, 4 x 8 at a time. The former
 * route — transposing x and dy and running XNNPACK's forward convolution on them — reached about
 * half the forward convolution's speed, the transposes being pure memory traffic.
 */
export function makeConv2DBackpropFilter() {
  return function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
    const { inputs: { x, dy }, attrs, backend } = args;
    const info = conv2dInfo(x!.shape, attrs.filterShape as number[], attrs);
    if (info.dataFormat !== 'channelsLast') {
      throw new Error('Conv2DBackpropFilter on wasm supports NHWC (channelsLast) only');
    }
    // The kernel takes dy's channels 8 at a time into a dw whose rows are padded to a multiple of 8;
    // for a count that is not one (a slimmed network's) the padding columns are cropped after.
    const co = info.outChannels;
    const coPad = roundUp8(co);
    const dw = backend.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, coPad], 'float32');
    nativeKernels(backend).conv2d_filter_grad(
      heapOffset(backend, x!), heapOffset(backend, dy!), heapOffset(backend, dw),
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, co, coPad,
      info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
      info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
    );
    if (coPad === co) return dw;
    const cropped = withChannels(backend, dw, co);
    backend.disposeData(dw.dataId);
    return cropped;
  };
}
