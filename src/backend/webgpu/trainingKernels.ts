/**
 * Our training kernels on the `webgpu` backend, registered over tfjs-backend-webgpu 4.22's:
 *
 * - Conv2D and Conv2DBackpropInput as one tiled matrix product over an implicit im2col
 *   (programs.ts): the stock programs pay integer divisions per loaded element, which dominated a
 *   step on a CPU-emulated adapter.
 * - Conv2DBackpropFilter as a tiled, split-m matrix product (programs.ts): the stock kernel runs
 *   one thread per filter weight, each looping over batch × output height × output width, so a GPU
 *   gets a few thousand long serial threads.
 * - BatchNorm in training, forward and backward (the kernel names of the wasm fused kernels, so
 *   the BatchNormalization layer and the registered gradient use them here too): 3 + 5 dispatches
 *   instead of tf.moments' and the composite gradient's chains of elementwise kernels.
 * - ReLU's gradient in one pass instead of Step and Multiply.
 *
 * `setWebGpuKernels('stock')` puts tfjs's own kernels back (the benchmark's `webgpu-stock` rows);
 * EARLYBIRD_WEBGPU_STOCK=Conv2DBackpropFilter,BatchNormTrain,ReluGrad (or `all`) keeps those stock
 * from the start, to measure what each replacement buys.
 */
import {
  backend_util, getKernel, registerKernel, unregisterKernel,
  type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, RELU_GRAD, registerFusedGradients } from '../wasm/fusedKernels.ts';
import {
  BatchNormApplyProgram, BatchNormGradApplyProgram, BatchNormGradCombineProgram, BatchNormGradPartialProgram,
  CHANNEL_LANES, CONV_TILE_K, ConvMatMulProgram, FILTER_TILE, FILTER_TILE_M, FilterGradientProgram, MomentsCombineProgram, MomentsPartialProgram,
  ReluGradProgram, SumSplitsProgram, type WebGpuProgram,
} from './programs.ts';

type Uniform = { type: 'int32' | 'float32'; data: number[] };

/** What our kernels use of tfjs-backend-webgpu's WebGPUBackend. */
export interface WebGpuBackendLike {
  runWebGPUProgram(program: WebGpuProgram, inputs: TensorInfo[], dtype: 'float32', uniforms?: Uniform[]): TensorInfo;
  disposeData(dataId: unknown, force?: boolean): boolean;
}

interface Args {
  inputs: Record<string, TensorInfo>;
  attrs: NamedAttrMap;
  backend: WebGpuBackendLike;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const int = (...data: number[]): Uniform => ({ type: 'int32', data });
const float = (...data: number[]): Uniform => ({ type: 'float32', data });

/** How many workgroups a reduction aims for: enough to fill a large GPU, few enough to stay cheap. */
const TARGET_WORKGROUPS = 1024;
/** Largest partial-sum buffer a split reduction may allocate (floats). */
const MAX_PARTIAL_FLOATS = 1 << 23;

/** Splits of m for the filter gradient, and the 16-row tiles each one covers. */
export function filterGradientSplits(m: number, k: number, cout: number): { splits: number; tilesPerSplit: number } {
  const tiles = Math.ceil(m / FILTER_TILE_M);
  const blocks = Math.ceil(k / FILTER_TILE) * Math.ceil(cout / FILTER_TILE);
  let splits = Math.ceil(TARGET_WORKGROUPS / blocks);
  // Each split should still run a few tiles, and the partials must fit.
  splits = Math.max(1, Math.min(splits, Math.floor(tiles / 4), Math.floor(MAX_PARTIAL_FLOATS / (k * cout))));
  const tilesPerSplit = Math.ceil(tiles / splits);
  return { splits: Math.ceil(tiles / tilesPerSplit), tilesPerSplit };
}

type Stock = (args: Args) => TensorInfo;

function fallBack(name: string, stock: KernelFunc, args: Args): TensorInfo {
  fallbackCounts[name] = (fallbackCounts[name] ?? 0) + 1;
  return (stock as unknown as Stock)(args);
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convUniforms(info: backend_util.Conv2DInfo, kTotal: number) {
  return [
    int(info.padInfo.top, info.padInfo.left), int(info.strideHeight, info.strideWidth),
    int(info.filterHeight, info.filterWidth), int(kTotal), int(Math.ceil(kTotal / CONV_TILE_K)),
  ];
}

const isUnitDilation = (d: ConvAttrs['dilations']) => d === undefined || d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1);

function conv2D(stock: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const { inputs: { x, filter }, attrs, backend } = args;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as ConvAttrs;
    if (dataFormat === 'NCHW' || !isUnitDilation(dilations) || x!.dtype !== 'float32' || filter!.dtype !== 'float32') {
      return fallBack('Conv2D', stock, args);
    }
    const info = backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number],
      strides, 1, pad, dimRoundingMode, false, 'channelsLast',
    );
    const program = new ConvMatMulProgram([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'forward');
    return backend.runWebGPUProgram(program, [x!, filter!], 'float32', convUniforms(info, info.filterHeight * info.filterWidth * info.inChannels));
  }) as unknown as KernelFunc;
}

function conv2DBackpropInput(stock: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const { inputs: { dy, filter }, attrs, backend } = args;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    if (dataFormat === 'NCHW' || dy!.dtype !== 'float32' || filter!.dtype !== 'float32') return fallBack('Conv2DBackpropInput', stock, args);
    const info = backend_util.computeConv2DInfo(
      inputShape, filter!.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast',
    );
    const program = new ConvMatMulProgram([...inputShape], 'inputGrad', info.strideHeight === 1 && info.strideWidth === 1);
    return backend.runWebGPUProgram(program, [dy!, filter!], 'float32', convUniforms(info, info.filterHeight * info.filterWidth * info.outChannels));
  }) as unknown as KernelFunc;
}

function conv2DBackpropFilter(stock: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const { inputs: { x, dy }, attrs, backend } = args;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
      strides: [number, number] | number; pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
      dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number];
    };
    if (dataFormat === 'NCHW' || x!.dtype !== 'float32' || dy!.dtype !== 'float32') return fallBack('Conv2DBackpropFilter', stock, args);
    const info = backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
    );
    const m = info.batchSize * info.outHeight * info.outWidth;
    const k = info.filterHeight * info.filterWidth * info.inChannels;
    const cout = info.outChannels;
    const { splits, tilesPerSplit } = filterGradientSplits(m, k, cout);
    const uniforms = [
      int(info.padInfo.top, info.padInfo.left), int(info.strideHeight, info.strideWidth),
      int(info.filterHeight, info.filterWidth), int(m), int(tilesPerSplit),
    ];
    const partial = backend.runWebGPUProgram(new FilterGradientProgram(splits, k, cout, [...filterShape]), [x!, dy!], 'float32', uniforms);
    if (splits === 1) return partial;
    const sum = new SumSplitsProgram([...filterShape]);
    const dw = backend.runWebGPUProgram(sum, [partial], 'float32', [int(splits)]);
    backend.disposeData(partial.dataId);
    return dw;
  }) as unknown as KernelFunc;
}

/** Row splits for a per-channel reduction over `rows` rows. */
export function channelSplits(rows: number, channels: number): { splits: number; rowsPerSplit: number } {
  const columns = Math.ceil(channels / CHANNEL_LANES);
  const splits = Math.max(1, Math.min(Math.ceil(rows / 256), Math.ceil(TARGET_WORKGROUPS / columns)));
  const rowsPerSplit = Math.ceil(rows / splits);
  return { splits: Math.ceil(rows / rowsPerSplit), rowsPerSplit };
}

function channelsOf(x: TensorInfo): { rows: number; c: number } {
  const c = x.shape[x.shape.length - 1]!;
  return { rows: product(x.shape) / c, c };
}

function batchNormTrain({ inputs: { x, gamma, beta }, attrs, backend }: Args): TensorInfo[] {
  const { rows, c } = channelsOf(x!);
  const { splits, rowsPerSplit } = channelSplits(rows, c);
  const partial = backend.runWebGPUProgram(new MomentsPartialProgram(splits, c), [x!], 'float32', [int(rows), int(c), int(rowsPerSplit)]);
  const mean = backend.runWebGPUProgram(new MomentsCombineProgram(c, 'mean'), [partial], 'float32', [int(splits)]);
  const variance = backend.runWebGPUProgram(new MomentsCombineProgram(c, 'variance'), [partial], 'float32', [int(splits)]);
  backend.disposeData(partial.dataId);
  const y = backend.runWebGPUProgram(
    new BatchNormApplyProgram(x!.shape), [x!, mean, variance, gamma!, beta!], 'float32', [int(c), float(attrs.epsilon as number)],
  );
  return [y, mean, variance];
}

function batchNormTrainGrad({ inputs: { x, dy, gamma, mean, variance, dmean, dvariance }, attrs, backend }: Args): TensorInfo[] {
  const { rows, c } = channelsOf(x!);
  const { splits, rowsPerSplit } = channelSplits(rows, c);
  const partial = backend.runWebGPUProgram(
    new BatchNormGradPartialProgram(splits, c), [x!, dy!, mean!], 'float32', [int(rows), int(c), int(rowsPerSplit)],
  );
  const combineInputs = [partial, gamma!, mean!, variance!, dmean!, dvariance!];
  const combineUniforms = [int(splits), int(c), int(rows), float(attrs.epsilon as number)];
  const dbeta = backend.runWebGPUProgram(new BatchNormGradCombineProgram(c, 'dbeta'), combineInputs, 'float32', combineUniforms);
  const dgamma = backend.runWebGPUProgram(new BatchNormGradCombineProgram(c, 'dgamma'), combineInputs, 'float32', combineUniforms);
  const coefficients = backend.runWebGPUProgram(new BatchNormGradCombineProgram(c, 'coefficients'), combineInputs, 'float32', combineUniforms);
  backend.disposeData(partial.dataId);
  const dx = backend.runWebGPUProgram(new BatchNormGradApplyProgram(x!.shape), [x!, dy!, coefficients], 'float32', [int(c)]);
  backend.disposeData(coefficients.dataId);
  return [dx, dgamma, dbeta];
}

function reluGrad({ inputs: { dy, x }, backend }: Args): TensorInfo {
  return backend.runWebGPUProgram(new ReluGradProgram(x!.shape), [dy!, x!], 'float32');
}

/** The replacements, by the name EARLYBIRD_WEBGPU_STOCK and the benchmark use. */
export const FAST_WEBGPU_KERNELS = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchNormTrain', 'ReluGrad'] as const;
export type FastWebGpuKernel = (typeof FAST_WEBGPU_KERNELS)[number];

/** How often a replacement handed a call to the stock kernel (a test and the benchmark read it). */
export const fallbackCounts: Record<string, number> = {};

/** The stock kernels we replace, kept to fall back to and to put back. */
const stockConfigs = new Map<string, KernelConfig>();
const ours = new Set<FastWebGpuKernel>();

const CONV_MAKERS: Record<string, (stock: KernelFunc) => KernelFunc> = {
  Conv2D: conv2D,
  Conv2DBackpropInput: conv2DBackpropInput,
  Conv2DBackpropFilter: conv2DBackpropFilter,
};

function configsOf(name: FastWebGpuKernel): KernelConfig[] {
  switch (name) {
    case 'Conv2D':
    case 'Conv2DBackpropInput':
    case 'Conv2DBackpropFilter': {
      const stock = stockConfigs.get(name)?.kernelFunc ?? (() => {
        throw new Error(`no stock webgpu ${name} to fall back to`);
      });
      return [{ kernelName: name, backendName: 'webgpu', kernelFunc: CONV_MAKERS[name]!(stock as KernelFunc) }];
    }
    case 'BatchNormTrain':
      return [
        { kernelName: BATCH_NORM_TRAIN, backendName: 'webgpu', kernelFunc: batchNormTrain as unknown as KernelFunc },
        { kernelName: BATCH_NORM_TRAIN_GRAD, backendName: 'webgpu', kernelFunc: batchNormTrainGrad as unknown as KernelFunc },
      ];
    case 'ReluGrad':
      return [{ kernelName: RELU_GRAD, backendName: 'webgpu', kernelFunc: reluGrad as unknown as KernelFunc }];
  }
}

function install(name: FastWebGpuKernel): void {
  for (const config of configsOf(name)) {
    if (getKernel(config.kernelName, 'webgpu')) unregisterKernel(config.kernelName, 'webgpu');
    registerKernel(config);
  }
  ours.add(name);
}

function uninstall(name: FastWebGpuKernel): void {
  for (const config of configsOf(name)) {
    if (getKernel(config.kernelName, 'webgpu')) unregisterKernel(config.kernelName, 'webgpu');
  }
  const stock = stockConfigs.get(name);
  if (stock) registerKernel(stock);
  ours.delete(name);
}

let registered = false;

/**
 * Registers our kernels over the stock ones; idempotent. Call after tfjs-backend-webgpu is
 * imported (its stock kernels are registered on import).
 */
export function registerFastWebGpuKernels(): void {
  if (registered) return;
  registered = true;
  for (const name of Object.keys(CONV_MAKERS)) {
    const stock = getKernel(name, 'webgpu') as KernelConfig | undefined;
    if (stock) stockConfigs.set(name, stock);
    fallbackCounts[name] = 0;
  }
  registerFusedGradients();
  const keepStock = new Set((process.env.EARLYBIRD_WEBGPU_STOCK ?? '').split(',').map((s) => s.trim()));
  for (const name of FAST_WEBGPU_KERNELS) {
    if (!keepStock.has(name) && !keepStock.has('all')) install(name);
  }
}

/** Switches between our kernels and tfjs's stock ones (the benchmark's two webgpu rows). */
export function setWebGpuKernels(which: 'ours' | 'stock', names: readonly FastWebGpuKernel[] = FAST_WEBGPU_KERNELS): void {
  registerFastWebGpuKernels();
  for (const name of names) {
    if (which === 'ours' && !ours.has(name)) install(name);
    if (which === 'stock' && ours.has(name)) uninstall(name);
  }
}

/** Which of our kernels are registered now. */
export function activeWebGpuKernels(): FastWebGpuKernel[] {
  return FAST_WEBGPU_KERNELS.filter((n) => ours.has(n));
}
