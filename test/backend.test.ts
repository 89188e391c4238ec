/**
 * The wasm gradient kernels against the pure-JS cpu backend on fresh random inputs, and the
 * training step's tensor bookkeeping. Every registered replacement is exercised.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { currentBackend, selectBackend } from '../src/backend/selectBackend.ts';
import { fusedBatchNormTraining, hasFusedBatchNorm } from '../src/backend/wasm/fusedKernels.ts';
import { heapF32, heapOffset, type WasmBackend } from '../src/backend/wasm/internals.ts';
import { instantiateNativeKernels, nativeKernelVariant } from '../src/backend/wasm/nativeKernels.ts';
import { fallbackCounts, FAST_WASM_KERNELS } from '../src/backend/wasm/registerFastKernels.ts';
import { BatchNormalization } from '../src/models/batchNormalization.ts';
import { Conv2D } from '../src/models/conv2d.ts';

/** max |a − b| / max |b|: the error relative to the reference's scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'result sizes differ');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Runs `f` on the same input values under cpu and wasm; returns each result's values. */
async function onBothBackends(inputs: { shape: number[]; seed: number }[], f: (...xs: tf.Tensor[]) => tf.Tensor[]) {
  const values = inputs.map(({ shape, seed }) => {
    const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  });
  const results: Record<string, Float32Array[]> = {};
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    results[backend] = tf.tidy(() => f(...inputs.map((input, i) => tf.tensor(values[i]!, input.shape))).map((t) => t.dataSync() as Float32Array));
  }
  return { cpu: results.cpu!, wasm: results.wasm! };
}

before(async () => {
  const report = await selectBackend('wasm');
  assert.equal(report.tfBackend, 'wasm');
});

describe('backend selection', () => {
  test('auto picks the best available backend and says why better ones were skipped', async () => {
    const report = await selectBackend('auto');
    assert.equal(currentBackend(), report);
    // tfjs-node cannot install here and there is no GPU (at most SwiftShader, which auto passes over);
    // on a machine where one of them works, it must be chosen instead.
    const names = report.skipped.map((s) => s.choice);
    assert.ok(names.every((n) => n === 'tensorflow-gpu' || n === 'webgpu' || n === 'tensorflow'), names.join(', '));
    assert.ok(names.includes('webgpu'), 'webgpu is tried before the CPU backends');
    for (const s of report.skipped) assert.match(s.reason, /\w/);
    assert.ok(['tensorflow', 'wasm'].includes(report.tfBackend));
  });

  test('an unknown backend name is rejected with the allowed names', async () => {
    await assert.rejects(selectBackend('gpu' as never), /backend: unknown "gpu"; expected one of auto, tensorflow-gpu, webgpu, tensorflow, wasm, cpu/);
  });
});

describe('wasm convolution gradients agree with the cpu backend', () => {
  const cases: { k: number; stride: number; pad: 'same' | 'valid'; n: number; h: number; w: number; ci: number; co: number }[] = [];
  for (const k of [1, 3, 5]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) cases.push({ k, stride, pad, n: 2, h: 9, w: 11, ci: 3, co: 4 });
    }
  }
  cases.push({ k: 3, stride: 1, pad: 'same', n: 1, h: 7, w: 7, ci: 5, co: 6 }); // batch 1
  cases.push({ k: 3, stride: 2, pad: 'same', n: 1, h: 8, w: 10, ci: 2, co: 3 }); // even sizes, stride 2
  cases.push({ k: 5, stride: 2, pad: 'valid', n: 3, h: 13, w: 6, ci: 1, co: 2 }); // odd, narrow
  // Channel counts that reach the filter gradient's 4 x 8 SIMD blocks, exactly and with tails.
  cases.push({ k: 3, stride: 1, pad: 'same', n: 2, h: 6, w: 7, ci: 8, co: 16 });
  cases.push({ k: 3, stride: 2, pad: 'same', n: 2, h: 9, w: 8, ci: 6, co: 13 });
  cases.push({ k: 1, stride: 1, pad: 'valid', n: 1, h: 5, w: 5, ci: 7, co: 9 });
  cases.push({ k: 3, stride: 2, pad: 'valid', n: 2, h: 8, w: 9, ci: 12, co: 24 });
  cases.push({ k: 3, stride: 1, pad: 'same', n: 2, h: 5, w: 7, ci: 9, co: 11 }); // 8-block + tail, 4-pixel tile + tail
  cases.push({ k: 5, stride: 2, pad: 'same', n: 1, h: 9, w: 10, ci: 10, co: 12 });

  for (const c of cases) {
    test(`k${c.k} s${c.stride} ${c.pad} x[${c.n},${c.h},${c.w},${c.ci}] → ${c.co}`, async () => {
      const before = { ...fallbackCounts };
      const { cpu, wasm } = await onBothBackends(
        [{ shape: [c.n, c.h, c.w, c.ci], seed: 11 }, { shape: [c.k, c.k, c.ci, c.co], seed: 12 }, { shape: [1], seed: 13 }],
        (x, w) => {
          // A non-uniform upstream gradient: the loss weights each output by a fixed pattern.
          const f = (a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
            return y.mul(tf.range(0, y.size).reshape(y.shape).mod(7).sub(3)).sum();
          };
          return [...tf.grads(f)([x!, w!]), tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad)];
        },
      );
      assert.ok(relativeError(wasm[2]!, cpu[2]!) < 1e-5, `forward error ${relativeError(wasm[2]!, cpu[2]!)}`);
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < 1e-4, `dx error ${relativeError(wasm[0]!, cpu[0]!)}`);
      assert.ok(relativeError(wasm[1]!, cpu[1]!) < 1e-4, `dW error ${relativeError(wasm[1]!, cpu[1]!)}`);
      // The fast path ran: neither gradient fell back to the stock kernel.
      assert.equal(fallbackCounts.Conv2DBackpropInput, before.Conv2DBackpropInput);
    });
  }
});

describe('wasm helper kernels agree with the cpu backend', () => {
  const check = async (name: string, shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor[]) => {
    const { cpu, wasm } = await onBothBackends(shapes.map((shape, i) => ({ shape, seed: 21 + i })), f);
    for (let i = 0; i < cpu.length; i++) {
      assert.ok(relativeError(wasm[i]!, cpu[i]!) < 1e-4, `${name} output ${i} error ${relativeError(wasm[i]!, cpu[i]!)}`);
    }
  };

  test('Sum and Mean over leading axes, with and without keepDims', async () => {
    await check('sum/mean', [[6, 5, 7, 3]], (x) => [
      x!.sum([0, 1, 2]), x!.mean([0, 1, 2], true), x!.sum([0, 1]), x!.mean(0), x!.sum(), x!.mean([1, 2]),
    ]);
  });

  test('Cast to the same dtype (shared) and to another dtype (stock)', async () => {
    await check('cast', [[3, 4]], (x) => [tf.cast(x!, 'float32').add(1), tf.cast(x!.mul(10), 'int32').toFloat()]);
  });

  test('Tile of a per-channel statistic and a general tile', async () => {
    await check('tile', [[1, 1, 1, 5], [2, 3]], (s, m) => [tf.tile(s!, [3, 4, 2, 1]), tf.tile(m!, [2, 3])]);
  });

  test('MaxPoolGrad for 2x2 windows (odd input) and overlapping, padded 3x3 stride 2 windows', async () => {
    await check('maxPoolGrad', [[2, 7, 9, 3]], (x) => {
      const g1 = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid').mul(tf.scalar(1.5)).sum())(x!);
      const g2 = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'same').sum())(x!);
      return [g1, g2];
    });
  });

  test('MaxPoolGrad 2x2 over channel counts the SIMD kernel takes 4 at a time (with a tail), ties, -inf and NaN', async () => {
    await check('maxPoolGrad simd', [[2, 7, 9, 11]], (x) => {
      const ties = x!.mul(1.5).floor();
      const mask = tf.range(0, x!.size).reshape(x!.shape).mod(13);
      const odd = tf.where(mask.equal(5), tf.fill(x!.shape, -Infinity), tf.where(mask.equal(7), tf.fill(x!.shape, NaN), ties));
      const weight = (y: tf.Tensor) => y.mul(tf.range(0, y.size).reshape(y.shape).mod(5).add(1));
      return [
        tf.grad((a: tf.Tensor) => weight(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')).sum())(ties),
        tf.grad((a: tf.Tensor) => weight(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')).sum())(odd),
      ];
    });
  });

  test('MaxPoolGrad with ties (the first maximum of a window takes the gradient), 2x2 and 3x3 windows', async () => {
    await check('maxPoolGrad ties', [[2, 6, 8, 3]], (x) => {
      const ties = x!.mul(1.5).floor(); // small integers: many equal values per window
      const weight = (y: tf.Tensor) => y.mul(tf.range(0, y.size).reshape(y.shape).mod(5).add(1));
      const g1 = tf.grad((a: tf.Tensor) => weight(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')).sum())(ties);
      const g2 = tf.grad((a: tf.Tensor) => weight(tf.maxPool(a as tf.Tensor4D, 3, 1, 'same')).sum())(ties);
      return [g1, g2];
    });
  });

  test('BatchNorm training gradient through the replaced kernels', async () => {
    await check('batchnorm', [[4, 6, 6, 5], [5], [5]], (x, gamma, beta) => {
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        const y = tf.batchNorm(a, mean, variance, b, g, 1e-5);
        // Weighted, because the plain sum of a normalised batch has a zero input gradient.
        return y.mul(tf.range(0, y.size).reshape(y.shape).mod(7).sub(3)).sum();
      };
      return tf.grads(f)([x!, gamma!, beta!]);
    });
  });

  // The fused kernels (src/backend/wasm/fusedKernels.ts) on wasm against tfjs's composites on cpu.
  const fusedOrComposite = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    if (tf.getBackend() === 'wasm') {
      assert.ok(hasFusedBatchNorm(), 'wasm has the fused BatchNorm kernel');
      return fusedBatchNormTraining(a, g, b, 1e-5);
    }
    assert.ok(!hasFusedBatchNorm(), 'cpu keeps the composite');
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return [tf.batchNorm(a, mean, variance, b, g, 1e-5), mean, variance] as const;
  };
  for (const channels of [12, 6]) {
    test(`fused BatchNorm in training, ${channels} channels: outputs, statistics and every gradient (also through mean and variance)`, async () => {
      await check(`fused batchnorm ${channels}`, [[5, 7, 6, channels], [channels], [channels]], (x, gamma, beta) => {
        // An offset mean, so the variance is not taken around zero.
        const shifted = x!.mul(3).add(tf.range(0, channels).mul(0.7));
        const [y, mean, variance] = fusedOrComposite(shifted, gamma!, beta!);
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const [yy, m, v] = fusedOrComposite(a, g, b);
          // Weighted (a plain sum of a normalised batch has no input gradient), with the statistics
          // in the loss too, so their gradient paths are checked.
          return yy.relu().mul(tf.range(0, yy.size).reshape(yy.shape).mod(7).sub(3)).sum()
            .add(m.mul(tf.range(1, channels + 1)).sum()).add(v.mul(0.5).sum());
        };
        return [y, mean, variance, ...tf.grads(f)([shifted, gamma!, beta!])];
      });
    });
  }

  test('the fused BatchNorm layer trains like tf.layers\' own (weights, moving statistics, gradients)', async () => {
    await check('BatchNormalization layer', [[6, 4, 4, 8]], (x) => {
      const layer = new BatchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
      layer.build([null, 4, 4, 8]);
      const weight = tf.range(0, x!.size).reshape(x!.shape).mod(5).sub(2);
      const grad = tf.grad((a: tf.Tensor) => (layer.apply(a, { training: true }) as tf.Tensor).mul(weight).sum())(x!);
      const inference = layer.apply(x!, { training: false }) as tf.Tensor;
      return [grad, inference, ...layer.getWeights()];
    });
  });

  test('the Conv2D layer gives tf.layers\' output and kernel gradient, and computes no input gradient for data', async () => {
    await tf.setBackend('wasm');
    const args = { filters: 12, kernelSize: 3, padding: 'same' as const, useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: 5 }) };
    const ours = new Conv2D(args);
    const stock = tf.layers.conv2d(args);
    const x = tf.randomNormal([2, 6, 7, 9], 0, 1, 'float32', 41);
    ours.apply(x);
    stock.apply(x);
    assert.equal(ours.getClassName(), 'Conv2D');
    stock.setWeights(ours.getWeights());
    const run = (layer: tf.layers.Layer) => tf.tidy(() => {
      const kernel = layer.trainableWeights[0]!.read() as tf.Variable;
      const { value, grads } = tf.variableGrads(() => (layer.apply(x, { training: true }) as tf.Tensor).square().sum() as tf.Scalar, [kernel]);
      return [value.dataSync()[0]!, grads[kernel.name]!.dataSync() as Float32Array] as const;
    });
    const profileOf = async (layer: tf.layers.Layer) => (await tf.profile(() => { run(layer); })).kernels.map((k) => k.name);
    const [oursValue, oursGrad] = run(ours);
    const [stockValue, stockGrad] = run(stock);
    assert.ok(Math.abs(oursValue - stockValue) <= 1e-5 * Math.abs(stockValue));
    assert.ok(relativeError(oursGrad, stockGrad) < 1e-6);
    assert.ok((await profileOf(stock)).includes('Conv2DBackpropInput'), 'the fused op computes the unused input gradient');
    assert.ok(!(await profileOf(ours)).includes('Conv2DBackpropInput'), 'ours does not');
    x.dispose();
  });

  test('ReLU gradient, one pass on wasm, including zeros and negative zero', async () => {
    await check('relu grad', [[3, 5, 7, 3]], (x) => {
      const edges = x!.mul(tf.range(0, x!.size).reshape(x!.shape).mod(4).toFloat()).round(); // 0, -0 and integers
      return [tf.grad((a: tf.Tensor) => a.relu().mul(tf.range(0, a.size).reshape(a.shape).mod(3).add(1)).sum())(edges)];
    });
  });

  test('both builds of our kernels (plain SIMD, relaxed-SIMD FMA) compute the same convolutions; this Node runs the relaxed one', async () => {
    await tf.setBackend('wasm');
    // Node 20 accepts relaxed SIMD once its V8 flag is on; a Node without it would fall back to plain SIMD.
    assert.equal(nativeKernelVariant(), 'relaxed-simd');
    assert.match(currentBackend()?.description ?? (await selectBackend('wasm')).description, /earlybird kernels: relaxed SIMD with FMA/);
    const backend = tf.backend() as unknown as WasmBackend;
    const [n, h, w, ci, co] = [2, 7, 9, 12, 16];
    const x = tf.randomNormal([n, h, w, ci], 0, 1, 'float32', 31);
    const f = tf.randomNormal([3, 3, ci, co], 0, 1, 'float32', 32);
    const zeros = tf.zeros([ci]);
    const results = (['simd', 'relaxed-simd'] as const).map((variant) => {
      const kernels = instantiateNativeKernels(backend, variant);
      const y = backend.makeOutput([n, h, w, co], 'float32');
      const dw = backend.makeOutput([3, 3, ci, co], 'float32');
      const at = (t: tf.TensorInfo) => heapOffset(backend, t);
      kernels.conv2d_forward(at(x), at(f), at(y), at(zeros), n, h, w, ci, h, w, co, co, 3, 3, 1, 1, 1, 1);
      kernels.conv2d_filter_grad(at(x), at(y), at(dw), n, h, w, ci, h, w, co, co, 3, 3, 1, 1, 1, 1, 1, 1);
      const values = [heapF32(backend, y).slice(), heapF32(backend, dw).slice()];
      backend.disposeData(y.dataId);
      backend.disposeData(dw.dataId);
      return values;
    });
    assert.ok(relativeError(results[1]![0]!, results[0]![0]!) < 1e-5, 'forward');
    assert.ok(relativeError(results[1]![1]!, results[0]![1]!) < 1e-5, 'filter gradient');
    const [xv, fv] = [x.dataSync(), f.dataSync()];
    tf.dispose([x, f, zeros]);
    await tf.setBackend('cpu');
    const reference = tf.tidy(() => tf.conv2d(tf.tensor4d(xv, [n, h, w, ci]), tf.tensor4d(fv, [3, 3, ci, co]), 1, 'same').dataSync() as Float32Array);
    await tf.setBackend('wasm');
    assert.ok(relativeError(results[0]![0]!, reference) < 1e-5, 'plain build against the cpu backend');
  });

  test('every replacement is registered on wasm', () => {
    for (const name of FAST_WASM_KERNELS) assert.ok(tf.getKernel(name, 'wasm'), name);
    assert.ok(FAST_WASM_KERNELS.includes('Conv2DBackpropFilter'));
  });
});
