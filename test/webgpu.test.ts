/**
 * The webgpu backend (Dawn, npm `webgpu`): adapter classification and the reasons given when there
 * is none (fixture trees of the Vulkan loader's files), `auto` never choosing a software adapter,
 * and — on Chromium's SwiftShader Vulkan driver, a GPU emulated on the CPU — gradients of every
 * registry model against the cpu backend, no tensor left behind by a step, and a short training run
 * that ends where the wasm backend ends.
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
const { loadData } = await import('../src/data/load.ts');
const { buildModel, MODEL_NAMES } = await import('../src/models/index.ts');
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
