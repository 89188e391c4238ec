/**
 * The webgpu backend (Dawn, npm `webgpu`): adapter classification and the reasons given when there
 * is none (fixture trees of the Vulkan loader's files), `auto` never choosing a software adapter,
 * and — on Chromium's SwiftShader Vulkan driver, a GPU emulated on the CPU — gradients of every
 * registry model against the cpu backend, no tensor left behind by a step, and a short training run
 * that ends where the wasm backend ends. Our WGSL training kernels (src/backend/webgpu/) are each
 * checked against the cpu backend — convolutions and their gradients at odd channel counts, strides
 * and paddings, fused BatchNorm forward and backward, the ReLU gradient, a slim network's gradients —
 * and the loop is held to its read-back budget (loss and accuracy read every few steps, not per step).
 *
 * SwiftShader is selected with VK_ICD_FILENAMES before Dawn starts. Where it is absent (no Debian
 * `chromium`) or Dawn finds no adapter, the GPU tests are skipped with Dawn's reason.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const { gpuPlacementProblem, selectBackend, webGpuAdapter } = await import('../src/backend/selectBackend.ts');
const { adapterLabel, describeAdapter, explainNoVulkanAdapter, findVulkanLoader, vulkanDriverManifests, vulkanPrecheck } = await import('../src/backend/webgpu/adapter.ts');
const { gpuSummaryInChild } = await import('../src/backend/webgpu/gpuSummary.ts');
const { webGpuBackendClass } = await import('../src/backend/webgpu/activate.ts');
const { webGpuCounts } = await import('../src/backend/webgpu/counters.ts');
const { activeWebGpuKernels, fallbackCounts: webGpuFallbacks, FAST_WEBGPU_KERNELS } = await import('../src/backend/webgpu/trainingKernels.ts');
const { fusedBatchNormTraining } = await import('../src/backend/wasm/fusedKernels.ts');
const { METRIC_READ_INTERVAL_GPU } = await import('../src/train/stepMetrics.ts');
const { loadData } = await import('../src/data/load.ts');
const { buildModel, channelPlan, MODEL_NAMES } = await import('../src/models/index.ts');
const { evaluate, forTraining } = await import('../src/train/evaluate.ts');
const { train } = await import('../src/train/loop.ts');
const { DEFAULT_OPTIMIZER } = await import('../src/train/optimizer.ts');
const { EB_SCHEDULE } = await import('../src/train/schedule.ts');
const { workersFor } = await import('../src/train/parallel/cores.ts');
type ModelSpec = import('../src/models/index.ts').ModelSpec;

describe('adapter classification', () => {
  test('SwiftShader, lavapipe/llvmpipe, WARP and fallback adapters are software; real GPUs are not', () => {
    const swiftshader = describeAdapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true }, 'linux');
    assert.equal(swiftshader.software, true);
    assert.equal(adapterLabel(swiftshader), 'SwiftShader driver 5.0.0 (google swiftshader, Vulkan)');
    // Not flagged as fallback by the driver, but still a CPU rasteriser by name.
    assert.equal(describeAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software, true);
    assert.equal(describeAdapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }, 'win32').software, true);
    assert.equal(describeAdapter({ vendor: 'unknown', description: 'whatever', isFallbackAdapter: true }).software, true);
    const nvidia = describeAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3', isFallbackAdapter: false }, 'linux');
    assert.equal(nvidia.software, false);
    assert.equal(adapterLabel(nvidia), 'NVIDIA H100 80GB HBM3 (nvidia hopper, Vulkan)');
    const amd = describeAdapter({ vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX' }, 'win32');
    assert.equal(amd.software, false);
    assert.equal(amd.api, 'd3d12');
    assert.equal(describeAdapter({ vendor: 'apple', architecture: 'common-3', description: 'Apple M2' }, 'darwin').api, 'metal');
    // Dawn's info on a real H100 (NVIDIA Vulkan driver 580.159.04, 2026-11-26): the description is
    // only the driver version, the GPU's name is the device slug.
    const h100 = describeAdapter({ vendor: 'nvidia', architecture: '', device: 'nvidia-h100-80gb-hbm3', description: 'NVIDIA: 580.159.04 580.159.4.0', isFallbackAdapter: false }, 'linux');
    assert.equal(h100.software, false);
    assert.equal(adapterLabel(h100), 'NVIDIA H100 80GB HBM3, driver 580.159.04 (nvidia, Vulkan)');
    // A PCI id in device is no name: the description stays.
    assert.equal(adapterLabel(describeAdapter({ vendor: 'amd', device: '0x744c', description: 'AMD Radeon RX 7900 XTX' }, 'linux')), 'AMD Radeon RX 7900 XTX (amd, Vulkan)');
  });

  test('webgpu trains on one thread; data-parallel replicas are refused with the reason', () => {
    assert.equal(workersFor(undefined, 'webgpu'), 1);
    assert.throws(() => workersFor(2, 'webgpu'), /2 data-parallel replicas need a CPU backend \(wasm\)/);
  });

  test('the WebGPUBackend class is found as a named export (Node) and under default (a bundle that inlines the package)', async () => {
    const real = await import('@tensorflow/tfjs-backend-webgpu');
    assert.equal(typeof real.WebGPUBackend, 'function');
    assert.equal(webGpuBackendClass(real), real.WebGPUBackend);
    assert.equal(webGpuBackendClass({ default: { WebGPUBackend: real.WebGPUBackend } }), real.WebGPUBackend);
    assert.throws(() => webGpuBackendClass({ default: {} }), /exports no WebGPUBackend class/);
  });

  test('tfjs-node-gpu that loaded but placed ops on the CPU is reported, not used', () => {
    assert.match(gpuPlacementProblem({ isUsingGpuDevice: false })!, /placed ops on the CPU.*CUDA 11\.2 and cuDNN 8\.1/);
    assert.equal(gpuPlacementProblem({ isUsingGpuDevice: true }), null);
  });
});

describe('why Dawn found no adapter (Linux fixture trees)', () => {
  let root: string;
  const put = (path: string, text = '') => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'eb-vulkan-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const env = { HOME: '/nonexistent-home' } as NodeJS.ProcessEnv;

  test('no libvulkan.so.1: names the loader and the package', () => {
    assert.equal(findVulkanLoader({ root, env }), null);
    assert.match(explainNoVulkanAdapter({ root, env }), /libvulkan\.so\.1 is missing \(install the libvulkan1 package/);
    // Known without loading Dawn; on Windows and macOS only Dawn can tell.
    assert.match(vulkanPrecheck({ root, env }, 'linux')!, /libvulkan\.so\.1 is missing/);
    assert.equal(vulkanPrecheck({ root, env }, 'win32'), null);
  });

  test('a loader but no driver manifest; with the NVIDIA kernel driver, names its missing Vulkan part', () => {
    put('usr/lib/x86_64-linux-gnu/libvulkan.so.1');
    assert.equal(findVulkanLoader({ root, env }), join(root, 'usr/lib/x86_64-linux-gnu/libvulkan.so.1'));
    assert.match(explainNoVulkanAdapter({ root, env }), /no Vulkan driver: no \*\.json manifest.*mesa-vulkan-drivers/);
    put('proc/driver/nvidia/version', 'NVRM version: 550.54');
    assert.match(explainNoVulkanAdapter({ root, env }), /NVIDIA kernel driver is loaded but its Vulkan driver \(nvidia_icd\.json/);
    assert.match(explainNoVulkanAdapter({ root, env: { VK_ICD_FILENAMES: '/nowhere/icd.json' } }), /VK_DRIVER_FILES\/VK_ICD_FILENAMES \(\/nowhere\/icd\.json\) do not exist/);
  });

  test('only lavapipe: says Dawn refuses it; a real driver: names it', () => {
    put('usr/share/vulkan/icd.d/lvp_icd.x86_64.json', JSON.stringify({ ICD: { library_path: '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so' } }));
    assert.deepEqual(vulkanDriverManifests({ root, env }), [join(root, 'usr/share/vulkan/icd.d/lvp_icd.x86_64.json')]);
    // With a driver manifest present, only Dawn can say whether it finds an adapter.
    assert.equal(vulkanPrecheck({ root, env }, 'linux'), null);
    assert.match(explainNoVulkanAdapter({ root, env }), /only Mesa's lavapipe is installed \(libvulkan_lvp\.so\).*Dawn refuses/);
    put('etc/vulkan/icd.d/radeon_icd.x86_64.json', JSON.stringify({ ICD: { library_path: 'libvulkan_radeon.so' } }));
    assert.match(explainNoVulkanAdapter({ root, env }), /no usable adapter on the Vulkan driver\(s\) .*libvulkan_radeon\.so/);
  });
});

// ---------------------------------------------------------------------------------------------
// On a real adapter (SwiftShader here and in CI).

const probe = await webGpuAdapter();
const noAdapter = probe.ok ? false : `Dawn found no WebGPU adapter: ${probe.reason}`;

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

test('the Setup screen asks in a child process (`earlybird gpu --json`) and hears what this process found', async () => {
  const summary = await gpuSummaryInChild(120_000);
  if (probe.ok) {
    assert.equal(summary.adapter, adapterLabel(probe.adapter));
    assert.equal(summary.usedByAuto, !probe.adapter.software);
  } else {
    assert.equal(summary.adapter, null);
    assert.equal(summary.reason, probe.reason);
  }
});

describe('auto and the software adapter', { skip: noAdapter }, () => {
  test('auto never picks a software adapter and says why; --backend webgpu accepts it with a warning', async () => {
    assert.ok(probe.ok);
    const auto = await selectBackend('auto');
    const webgpu = auto.skipped.find((s) => s.choice === 'webgpu');
    if (probe.adapter.software) {
      assert.notEqual(auto.choice, 'webgpu');
      assert.match(webgpu!.reason, /only a software adapter, .*a CPU emulation, never chosen by auto/);
      assert.ok(webgpu!.reason.includes(adapterLabel(probe.adapter)));
    } else {
      assert.equal(auto.choice === 'webgpu' || auto.choice === 'tensorflow-gpu', true);
    }
    const named = await selectBackend('webgpu');
    assert.equal(named.tfBackend, 'webgpu');
    assert.deepEqual(named.adapter, probe.adapter);
    assert.ok(named.description.includes(adapterLabel(probe.adapter)), named.description);
    if (probe.adapter.software) assert.match(named.warnings.join(' '), /software adapter: the GPU is emulated on the CPU/);
  });
});

/** Gradient inputs per model: small enough for SwiftShader, big enough to exercise every op. */
const GRADIENT_SPECS: Record<string, ModelSpec> = {
  mlp: { name: 'mlp', inputShape: [12, 12, 1], numClasses: 10, seed: 1, width: 0.25 },
  'lenet5-bn': { name: 'lenet5-bn', inputShape: [28, 28, 1], numClasses: 10, seed: 2 },
  'vgg-s': { name: 'vgg-s', inputShape: [16, 16, 3], numClasses: 10, seed: 3, width: 0.25 },
  'resnet-s': { name: 'resnet-s', inputShape: [16, 16, 3], numClasses: 10, seed: 4, width: 0.5, depth: 1 },
  tiny: { name: 'tiny', inputShape: [16, 16, 3], numClasses: 10, seed: 5 },
  vgg16: { name: 'vgg16', inputShape: [16, 16, 3], numClasses: 10, seed: 6, width: 0.125 },
  preresnet20: { name: 'preresnet20', inputShape: [8, 8, 3], numClasses: 10, seed: 7, width: 0.25 },
  preresnet56: { name: 'preresnet56', inputShape: [8, 8, 3], numClasses: 10, seed: 8, width: 0.25 },
  preresnet110: { name: 'preresnet110', inputShape: [8, 8, 3], numClasses: 10, seed: 9, width: 0.25 },
};

/**
 * Tolerance for the gradients: 1e-3 of each tensor's largest entry. Both backends compute in
 * float32 (24-bit mantissa, ε ≈ 6e-8), but the GPU sums in a different order (tiled matmuls and
 * convolutions, workgroup tree reductions in the BatchNorm moments and the bias gradients) and may
 * fuse multiply-adds; over sums of a few thousand terms and a few layers of backpropagation that
 * moves the last 3–4 significant digits, so observed differences are 1e-6 to 1e-4. 1e-3 leaves room
 * for that and still fails on any real kernel error (a wrong index or padding is off by O(1)).
 */
const GRADIENT_TOLERANCE = 1e-3;

/** Loss gradients of every trainable weight, training-mode BatchNorm, on whatever backend is current. */
async function modelGradients(spec: ModelSpec, weights: Float32Array[] | null, xs: Float32Array, labels: Int32Array) {
  const model = buildModel(spec);
  if (weights) model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i]!, w.shape)));
  const net = forTraining(model);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const x = tf.tensor4d(xs, [labels.length, ...spec.inputShape]);
    const logits = net.apply(x, { training: true }) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), spec.numClasses), logits) as tf.Scalar;
  }, variables);
  const result = new Map<string, Float32Array>();
  for (const w of model.trainableWeights) result.set(w.originalName, (await grads[(w.read() as tf.Variable).name]!.data()) as Float32Array);
  const loss = (await value.data())[0]!;
  const values: Float32Array[] = [];
  for (const w of model.getWeights()) values.push((await w.data()) as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return { loss, grads: result, weights: values };
}

describe('webgpu gradients of every registry model agree with the cpu backend', { skip: noAdapter }, () => {
  before(async () => {
    await selectBackend('webgpu');
  });
  for (const name of MODEL_NAMES) {
    test(`${name}: dL/dW of every trainable weight within ${GRADIENT_TOLERANCE} (relative to its largest entry)`, async (t) => {
      const spec = GRADIENT_SPECS[name];
      assert.ok(spec, `add ${name} to GRADIENT_SPECS`);
      const n = 4;
      const size = spec.inputShape[0] * spec.inputShape[1] * spec.inputShape[2];
      let state = spec.seed * 7919;
      const xs = Float32Array.from({ length: n * size }, () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
      const labels = Int32Array.from({ length: n }, (_, i) => (i * 3) % spec.numClasses);
      await selectBackend('cpu');
      const cpu = await modelGradients(spec, null, xs, labels);
      await selectBackend('webgpu');
      const gpu = await modelGradients(spec, cpu.weights, xs, labels);
      assert.ok(Math.abs(gpu.loss - cpu.loss) <= GRADIENT_TOLERANCE * Math.abs(cpu.loss), `loss ${gpu.loss} vs ${cpu.loss}`);
      const errors: string[] = [];
      let worst = 0;
      for (const [key, reference] of cpu.grads) {
        const error = relativeError(gpu.grads.get(key)!, reference);
        worst = Math.max(worst, error);
        if (!(error <= GRADIENT_TOLERANCE)) errors.push(`${key}: ${error.toExponential(2)}`);
      }
      t.diagnostic(`${name}: ${cpu.grads.size} gradients, largest relative difference ${worst.toExponential(2)}`);
      assert.deepEqual(errors, []);
    });
  }
});

describe('training on webgpu', { skip: noAdapter }, () => {
  const TRAIN = 320;
  const TEST = 200;
  const settings = {
    numClasses: 10, plannedEpochs: 2, batchSize: 64,
    schedule: { baseLearningRate: 0.05, ...EB_SCHEDULE }, optimizer: DEFAULT_OPTIMIZER, seed: 1,
  };

  async function trainOn(backend: 'webgpu' | 'wasm', counts: number[]) {
    await selectBackend(backend);
    const data = await loadData('mnist', { seed: 1, trainLimit: TRAIN, testLimit: TEST });
    const model = buildModel({ name: 'lenet5-bn', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    const before = tf.memory().numTensors;
    const result = await train({
      model, train: data.train, validation: data.validation, ...settings,
      callbacks: [{ onBatchEnd: () => void counts.push(tf.memory().numTensors) }],
    });
    const after = tf.memory().numTensors;
    const test = await evaluate(model, data.test, 10);
    model.dispose();
    return { result, test, before, after };
  }

  test(`lenet5-bn on ${TRAIN} digits: no tensor left behind per step, accuracy within 2 points of wasm`, async (t) => {
    const gpuCounts: number[] = [];
    const gpu = await trainOn('webgpu', gpuCounts);
    assert.equal(gpu.result.status, 'completed');
    // The first step creates the optimizer's momentum slots; from then on nothing may accumulate,
    // and the optimizer the loop made is disposed at the end.
    assert.equal(new Set(gpuCounts.slice(1)).size, 1, `tensor counts per step: ${gpuCounts.join(',')}`);
    assert.equal(gpu.after, gpu.before);
    const wasm = await trainOn('wasm', []);
    const points = 100 * Math.abs(gpu.test.accuracy - wasm.test.accuracy);
    t.diagnostic(`test accuracy on ${TEST} digits: webgpu ${(100 * gpu.test.accuracy).toFixed(2)} %, wasm ${(100 * wasm.test.accuracy).toFixed(2)} %`);
    assert.ok(gpu.test.accuracy > 0.3, `webgpu learned nothing: ${gpu.test.accuracy}`);
    assert.ok(points <= 2, `webgpu ${gpu.test.accuracy} vs wasm ${wasm.test.accuracy}: ${points.toFixed(2)} points apart`);
  });
});

/** Runs `f` on the cpu backend and on webgpu (our kernels) and returns both results' values. */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; gpu: Float32Array[] }> {
  const run = async () => {
    const out = tf.tidy(f);
    const list = Array.isArray(out) ? out : [out];
    const values = await Promise.all(list.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
    tf.dispose(list);
    return values;
  };
  await selectBackend('cpu');
  const cpu = await run();
  await selectBackend('webgpu');
  const gpu = await run();
  return { cpu, gpu };
}

/** Seeded values in [-1, 1) + offset, the same on every backend. */
function values(n: number, seed: number, offset = 0): Float32Array {
  let state = seed * 7919 + 17;
  return Float32Array.from({ length: n }, () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1 + offset);
}

/** Float32 on both sides, different summation orders over at most a few thousand terms. */
const KERNEL_TOLERANCE = 1e-5;

describe('our webgpu training kernels agree with the cpu backend', { skip: noAdapter }, () => {
  before(async () => {
    await selectBackend('webgpu');
    for (const name of Object.keys(webGpuFallbacks)) webGpuFallbacks[name] = 0;
  });

  test('all of them are registered when the webgpu backend starts', () => {
    assert.deepEqual(activeWebGpuKernels(), [...FAST_WEBGPU_KERNELS]);
  });

  // [x shape, filter shape, stride, padding]: odd channel counts (1, 3, 5, 7, 33), 1x1, 3x3 and 5x5
  // filters, stride 1 and 2, same and valid padding, m large enough for several splits and small
  // enough for one.
  const CONVS: [number[], number[], number, 'same' | 'valid'][] = [
    [[2, 7, 5, 3], [3, 3, 3, 5], 1, 'same'],
    [[3, 9, 8, 5], [3, 3, 5, 33], 2, 'same'],
    [[2, 6, 6, 7], [1, 1, 7, 3], 1, 'valid'],
    [[2, 9, 9, 1], [5, 5, 1, 6], 2, 'valid'],
    [[4, 12, 12, 6], [3, 3, 6, 7], 1, 'same'],
  ];
  for (const [xShape, fShape, stride, pad] of CONVS) {
    test(`Conv2D, its input gradient and its filter gradient: x [${xShape}], filter [${fShape}], stride ${stride}, ${pad}`, async (t) => {
      const xv = values(xShape.reduce((a, b) => a * b, 1), 1);
      const wv = values(fShape.reduce((a, b) => a * b, 1), 2);
      const { cpu, gpu } = await onBoth(() => {
        const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
        const w = tf.tensor4d(wv, fShape as [number, number, number, number]);
        const y = tf.conv2d(x, w, stride, pad);
        const dy = tf.tensor4d(values(y.size, 3), y.shape);
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: stride, pad, dataFormat: 'NHWC', inputShape: xShape }) as tf.Tensor;
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: stride, pad, dataFormat: 'NHWC', filterShape: fShape }) as tf.Tensor;
        return [y, dx, dw];
      });
      const errors = cpu.map((reference, i) => relativeError(gpu[i]!, reference));
      t.diagnostic(`relative differences y ${errors[0]!.toExponential(2)}, dx ${errors[1]!.toExponential(2)}, dW ${errors[2]!.toExponential(2)}`);
      for (const e of errors) assert.ok(e <= KERNEL_TOLERANCE, `relative differences ${errors.map((v) => v.toExponential(2)).join(', ')}`);
      assert.deepEqual(Object.values(webGpuFallbacks).filter((n) => n > 0), [], 'no call fell back to a stock kernel');
    });
  }

  for (const shape of [[3, 5, 4, 7], [2, 6, 6, 33], [37, 5]]) {
    test(`fused BatchNorm in training, forward and every gradient (mean and variance outputs included): x [${shape}]`, async (t) => {
      const c = shape[shape.length - 1]!;
      const n = shape.reduce((a, b) => a * b, 1);
      // Inputs far from zero mean: the moments must not lose the variance to cancellation.
      const xv = values(n, 4, 5);
      const { cpu, gpu } = await onBoth(() => {
        const x = tf.tensor(xv, shape);
        const gamma = tf.tensor1d(values(c, 5, 1));
        const beta = tf.tensor1d(values(c, 6));
        const dy = tf.tensor(values(n, 7), shape);
        const axes = shape.slice(0, -1).map((_, i) => i);
        // On cpu the composite that the fused kernel replaces; on webgpu the fused kernel.
        const normalise = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] => {
          if (tf.getBackend() === 'webgpu') return fusedBatchNormTraining(xi, g, b, 1e-3);
          const { mean, variance } = tf.moments(xi, axes);
          return [tf.batchNorm(xi, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3), mean, variance];
        };
        const loss = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const [y, mean, variance] = normalise(xi, g, b);
          return tf.addN([tf.sum(tf.mul(y, dy)), tf.mul(tf.sum(mean), 0.3), tf.mul(tf.sum(variance), 0.7)]) as tf.Scalar;
        };
        const [y, mean, variance] = normalise(x, gamma, beta);
        return [y, mean, variance, ...tf.grads(loss)([x, gamma, beta])];
      });
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      const errors = cpu.map((reference, i) => relativeError(gpu[i]!, reference));
      t.diagnostic(names.map((name, i) => `${name} ${errors[i]!.toExponential(2)}`).join(', '));
      for (const [i, e] of errors.entries()) assert.ok(e <= KERNEL_TOLERANCE, `${names[i]}: ${e.toExponential(2)}`);
    });
  }

  test('the ReLU gradient in one pass', async () => {
    const { cpu, gpu } = await onBoth(() => {
      const x = tf.tensor2d(values(7 * 13, 8), [7, 13]);
      return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), tf.tensor2d(values(7 * 13, 9), [7, 13]))))(x);
    });
    assert.equal(relativeError(gpu[0]!, cpu[0]!), 0);
  });

  test('a slim network (odd channel counts left by pruning): every gradient within the model tolerance', async (t) => {
    const dense: ModelSpec = { name: 'vgg-s', inputShape: [8, 8, 3], numClasses: 10, seed: 11, depth: 1 };
    const channelNames = Object.keys(channelPlan(dense));
    assert.equal(channelNames.length, 3, `vgg-s at depth 1 has three producers: ${channelNames.join(', ')}`);
    const spec: ModelSpec = { ...dense, channels: Object.fromEntries(channelNames.map((name, i) => [name, [5, 7, 3][i]!])) };
    const n = 4;
    const xs = values(n * 8 * 8 * 3, 12);
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 3) % 10);
    await selectBackend('cpu');
    const cpu = await modelGradients(spec, null, xs, labels);
    await selectBackend('webgpu');
    const gpu = await modelGradients(spec, cpu.weights, xs, labels);
    let worst = 0;
    for (const [key, reference] of cpu.grads) worst = Math.max(worst, relativeError(gpu.grads.get(key)!, reference));
    t.diagnostic(`${cpu.grads.size} gradients, largest relative difference ${worst.toExponential(2)}`);
    assert.ok(worst <= GRADIENT_TOLERANCE, `largest relative difference ${worst}`);
  });
});

describe('the training loop on webgpu reads loss and accuracy every few steps, not every step', { skip: noAdapter }, () => {
  test(`${METRIC_READ_INTERVAL_GPU + 2} steps: three read-backs (the first step, after ${METRIC_READ_INTERVAL_GPU} more, the epoch's end); progress has a loss at every step`, async () => {
    await selectBackend('webgpu');
    const steps = METRIC_READ_INTERVAL_GPU + 2;
    const batch = 4;
    const data = await loadData('mnist', { seed: 1, trainLimit: steps * batch, testLimit: 10 });
    const model = buildModel({ name: 'mlp', inputShape: [28, 28, 1], numClasses: 10, seed: 1, width: 0.25 });
    const losses: number[] = [];
    const before = webGpuCounts();
    const result = await train({
      model, train: data.train, numClasses: 10, plannedEpochs: 1, batchSize: batch,
      schedule: { baseLearningRate: 0.05, ...EB_SCHEDULE }, optimizer: DEFAULT_OPTIMIZER, seed: 1,
      callbacks: [{ onBatchEnd: (l) => void losses.push(l.loss) }],
    });
    const after = webGpuCounts();
    model.dispose();
    assert.equal(losses.length, steps);
    assert.ok(losses.every(Number.isFinite), `losses: ${losses.join(', ')}`);
    assert.equal(after.readbacks - before.readbacks, 3);
    assert.ok(Number.isFinite(result.history[0]!.loss) && result.history[0]!.accuracy >= 0);
  });
});
