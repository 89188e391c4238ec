/**
 * The forward convolution (Conv2D, and FusedConv2D without bias or activation — what every conv
 * layer here runs, its BatchNorm holding the bias) through `fastConv2d`: our SIMD kernel where it
 * beats XNNPACK, XNNPACK where not. Anything else — a bias, an activation, NCHW, dilation — goes
 * to the stock kernel.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs } from './internals.ts';
import { fastConv2d } from './rawConv2d.ts';

type Kernel = (args: KernelArgs) => TensorInfo;

export function makeConv2D(stock: Kernel): Kernel {
  return (args) => {
    const { inputs: { x, filter, bias, preluActivationWeights }, attrs, backend } = args;
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    if (bias || preluActivationWeights || activation !== 'linear' || x!.dtype !== 'float32') return stock(args);
    const dilations = (attrs.dilations as number | [number, number] | undefined) ?? 1;
    const dataFormat = backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | 'NCHW') ?? 'NHWC');
    const info = backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number],
      attrs.strides as [number, number], dilations, attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false, dataFormat,
    );
    if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return stock(args);
    const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
    fastConv2d(backend, x!, filter!, out, {
      batch: info.batchSize, inHeight: info.inHeight, inWidth: info.inWidth,
      inChannels: info.inChannels, outChannels: info.outChannels,
      filterHeight: info.filterHeight, filterWidth: info.filterWidth,
      padTop: info.padInfo.top, padRight: info.padInfo.right, padBottom: info.padInfo.bottom, padLeft: info.padInfo.left,
      dilationHeight: 1, dilationWidth: 1, strideHeight: info.strideHeight, strideWidth: info.strideWidth,
    });
    return out;
  };
}
