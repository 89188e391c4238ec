/**
 * Replacements for stock wasm kernels that dominated a training step once the convolution
 * gradients were fast: Identity (copied data instead of sharing it), Tile (≈100 ns per element,
 * used by the BatchNorm gradient), Sum/Mean over leading axes (the stock kernel transposes the
 * whole tensor first) and MaxPoolGrad. Each handles the common training case and defers to the
 * stock kernel otherwise.
 */
import { backend_util, util, type TensorInfo } from '@tensorflow/tfjs-core';
import { callWasmKernel, elementCount, heapF32, heapOffset, view, type KernelArgs, type WasmBackend } from './internals.ts';
import { nativeKernels } from './nativeKernels.ts';

type Kernel = (args: KernelArgs) => TensorInfo;

/** Shares the input's memory, like the cpu backend: tensors are immutable, so a copy buys nothing. */
export function identityShared({ inputs: { x }, backend }: KernelArgs): TensorInfo {
  backend.incRef(x!.dataId);
  return { dataId: x!.dataId, shape: x!.shape.slice(), dtype: x!.dtype };
}

/** Cast to the dtype a tensor already has (the ReLU gradient does this every step): share, not copy. */
export function makeCast(stock: Kernel): Kernel {
  return (args) => (args.inputs.x!.dtype === args.attrs.dtype ? identityShared(args) : stock(args));
}

/**
 * Tile where the input is one block repeated along leading axes (x's leading dims are 1 and the
 * trailing reps are 1, as in tiling a [1,1,1,C] statistic to [N,H,W,C]): doubling memcpy.
 */
export function makeTile(stock: Kernel): Kernel {
  return (args) => {
    const { inputs: { x }, attrs, backend } = args;
    const reps = attrs.reps as number[];
    const shape = x!.shape;
    if (x!.dtype !== 'float32' || !isLeadingRepeat(shape, reps)) return stock(args);
    const outShape = shape.map((d, i) => d * reps[i]!);
    const out = backend.makeOutput(outShape, 'float32');
    const block = elementCount(shape);
    const total = elementCount(outShape);
    const dst = heapF32(backend, out);
    dst.set(heapF32(backend, x!));
    for (let filled = block; filled < total; filled *= 2) {
      dst.copyWithin(filled, 0, Math.min(filled, total - filled));
    }
    return out;
  };
}

function isLeadingRepeat(shape: number[], reps: number[]): boolean {
  let i = 0;
  while (i < shape.length && reps[i]! > 1 && shape[i] === 1) i++;
  if (i === 0) return false;
  for (let j = i; j < shape.length; j++) if (reps[j] !== 1) return false;
  return true;
}

/** Axes [0..k-1] of a rank-r tensor with k < r, as a sorted normalised list; else null. */
function leadingAxes(axis: number | number[], rank: number): number | null {
  const axes = util.parseAxisParam(axis, new Array(rank).fill(1));
  if (axes.length === 0 || axes.length >= rank) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) if (sorted[i] !== i) return null;
  return sorted.length;
}

/**
 * Mean over leading axes: seen as [1, R1, R2, C] (R1·R2 = rows), one XNNPACK average pool over
 * the whole image gives the per-column mean, 6–30x faster than the stock transpose-then-reduce.
 */
function columnMean(backend: WasmBackend, x: TensorInfo, rows: number, columns: number): TensorInfo {
  const [r1, r2] = splitRows(rows);
  return callWasmKernel('AvgPool', backend, { x: view(x, [1, r1, r2, columns]) }, {
    filterSize: [r1, r2], strides: [r1, r2], pad: 'valid', dimRoundingMode: undefined as never,
  });
}

/** Two factors of n as close to its square root as possible (an average pool takes a 2-D window). */
function splitRows(n: number): [number, number] {
  for (let a = Math.floor(Math.sqrt(n)); a > 1; a--) if (n % a === 0) return [n / a, a];
  return [n, 1];
}

function makeColumnReduction(stock: Kernel, scaleBySize: boolean): Kernel {
  return (args) => {
    const { inputs: { x }, attrs, backend } = args;
    const k = x!.dtype === 'float32' ? leadingAxes(attrs.axis as number | number[], x!.shape.length) : null;
    if (k === null) return stock(args);
    const rows = elementCount(x!.shape.slice(0, k));
    const columns = elementCount(x!.shape.slice(k));
    const mean = columnMean(backend, x!, rows, columns);
    if (scaleBySize) {
      const values = heapF32(backend, mean, columns);
      for (let i = 0; i < columns; i++) values[i]! *= rows;
    }
    const outShape = attrs.keepDims
      ? x!.shape.map((d, i) => (i < k ? 1 : d))
      : x!.shape.slice(k);
    return { dataId: mean.dataId, shape: outShape, dtype: 'float32' };
  };
}

export const makeSum = (stock: Kernel) => makeColumnReduction(stock, true);
export const makeMean = (stock: Kernel) => makeColumnReduction(stock, false);

/**
 * MaxPoolGrad: each dy value is added to the first position of its window (padding excluded)
 * that holds the window's maximum — the cpu backend's rule, also for overlapping windows, where
 * the stock wasm kernel disagrees with it. 2x2 windows at stride 2 (every pooling layer here) run
 * in our SIMD kernel (native/kernels.c, same rule); other windows in the loop below.
 */
export function makeMaxPoolGrad(stock: Kernel): Kernel {
  return (args) => {
    const { inputs: { dy, input }, attrs, backend } = args;
    if (input!.dtype !== 'float32') return stock(args);
    const info = backend_util.computePool2DInfo(
      input!.shape as [number, number, number, number],
      attrs.filterSize as [number, number], attrs.strides as [number, number], 1,
      attrs.pad as 'valid' | 'same' | number, attrs.dimRoundingMode as 'floor' | undefined,
    );
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo, inChannels: c } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const dx = backend.makeOutput(input!.shape, 'float32');
    if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && 2 * ho <= h && 2 * wo <= w) {
      nativeKernels(backend).max_pool_grad_2x2(heapOffset(backend, input!), heapOffset(backend, dy!), heapOffset(backend, dx), n, h, w, ho, wo, c);
      return dx;
    }
    const xs = heapF32(backend, input!);
    const gs = heapF32(backend, dy!);
    const out = heapF32(backend, dx);
    out.fill(0);
    // Channels innermost: every read is a contiguous run of c values (NHWC), and the window is
    // visited in the same order as a per-channel scan, so ties go to the same first position.
    const bestValue = new Float32Array(c);
    const bestAt = new Int32Array(c);
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < ho; oy++) {
        const y0 = Math.max(0, oy * sh - top);
        const y1 = Math.min(h, oy * sh - top + fh);
        for (let ox = 0; ox < wo; ox++) {
          const x0 = Math.max(0, ox * sw - left);
          const x1 = Math.min(w, ox * sw - left + fw);
          if (y0 >= y1 || x0 >= x1) continue;
          bestValue.fill(-Infinity);
          bestAt.fill(-1);
          for (let y = y0; y < y1; y++) {
            for (let x = x0; x < x1; x++) {
              const base = ((b * h + y) * w + x) * c;
              for (let ch = 0; ch < c; ch++) {
                const v = xs[base + ch]!;
                if (v > bestValue[ch]!) {
                  bestValue[ch] = v;
                  bestAt[ch] = base + ch;
                }
              }
            }
          }
          const gBase = ((b * ho + oy) * wo + ox) * c;
          for (let ch = 0; ch < c; ch++) {
            const at = bestAt[ch]!;
            if (at >= 0) out[at]! += gs[gBase + ch]!;
          }
        }
      }
    }
    return dx;
  };
}
