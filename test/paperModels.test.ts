/**
 * The paper's networks and recipe end to end. On wasm: vgg16 and preresnet20/56/110 (narrowed, a few
 * dozen images) go through a whole experiment — search, surgery with its equality check, retrain,
 * and every comparison (dense, EB re-init, lottery ticket, Scratch-E/B, the standard pruning
 * pipeline) — on augmented CIFAR-format data; and the shipped preset bench/configs/
 * paper-vgg16-cifar10.json validates as the paper's setting and runs its first epoch, network and
 * batch unchanged, on a 1,000-image slice (900 trained: three steps of 256 and one of 132). On webgpu (Chromium's SwiftShader; skipped with Dawn's reason where there is no adapter): each network trains, is cut by surgery, computes what the dense
 * one does with the pruned channels zeroed, and retrains. CIFAR-format files are written here.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const { selectBackend, webGpuAdapter } = await import('../src/backend/selectBackend.ts');
const { CIFAR10_RECORD_BYTES } = await import('../src/data/cifar10.ts');
const { parseConfig } = await import('../src/core/config.ts');
const { runExperiment } = await import('../src/experiment/runner.ts');
const { buildModel, logitsModel, modelStats } = await import('../src/models/index.ts');
const { channelMask } = await import('../src/prune/channelMask.ts');
const { gammaLayers, slimModel, zeroPrunedChannels } = await import('../src/prune/slimModel.ts');
const { train } = await import('../src/train/loop.ts');
const { DEFAULT_OPTIMIZER } = await import('../src/train/optimizer.ts');
const { EB_SCHEDULE } = await import('../src/train/schedule.ts');
type ModelSpec = import('../src/models/index.ts').ModelSpec;
type RunEvent = import('../src/core/events.ts').RunEvent;

const PRESET = 'bench/configs/paper-vgg16-cifar10.json';

/**
 * A CIFAR-10 binary folder: `perBatch` records in each of the five training files, `test` in the
 * test file. Each class has its own mean colour plus noise, so a few epochs learn something.
 */
function writeCifarFolder(perBatch: number, test: number, seed: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'eb-paper-cifar-'));
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let written = 0;
  const file = (n: number) => {
    const bytes = Buffer.alloc(n * CIFAR10_RECORD_BYTES);
    for (let i = 0; i < n; i++) {
      const label = written++ % 10;
      const record = i * CIFAR10_RECORD_BYTES;
      bytes[record] = label;
      for (let c = 0; c < 3; c++) {
        const base = 40 + ((label * (c + 3) * 37) % 170);
        for (let p = 0; p < 1024; p++) bytes[record + 1 + c * 1024 + p] = Math.min(255, base + Math.floor(random() * 48));
      }
    }
    return bytes;
  };
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), file(perBatch));
  writeFileSync(join(dir, 'test_batch.bin'), file(test));
  return dir;
}

describe('the paper preset', () => {
  const preset = JSON.parse(readFileSync(PRESET, 'utf8'));

  test('validates, and is the Early-Bird paper\'s CIFAR setting', () => {
    const c = parseConfig(preset, PRESET);
    assert.equal(c.model.name, 'vgg16');
    assert.equal(c.model.width, undefined);
    assert.match(c.data.spec, /^cifar10\b/);
    assert.equal(c.data.augment, true);
    assert.deepEqual(
      [c.training.epochs, c.training.batchSize, c.training.learningRate, c.training.optimizer, c.training.momentum, c.training.weightDecay],
      [160, 256, 0.1, 'sgd', 0.9, 1e-4],
    );
    // lr 0.1, divided by 10 at epochs 80 and 120 of 160.
    assert.deepEqual(c.training.milestones.map((m) => m * c.training.epochs), [80, 120]);
    assert.equal(c.training.gamma, 0.1);
    assert.deepEqual([c.search.ratios, c.search.queueLength, c.search.epsilon, c.search.l1], [[0.3, 0.5, 0.7], 5, 0.1, 1e-4]);
  });

  test('runs its first epoch, network and batch as shipped, on a 1,000-image slice (wasm)', async (t) => {
    const dir = writeCifarFolder(200, 100, 11);
    const config = parseConfig({ ...preset, backend: 'wasm', data: { ...preset.data, spec: `cifar10:${dir}`, trainLimit: 1000, testLimit: 100 } });
    const controller = new AbortController();
    const epochs: Extract<RunEvent, { type: 'epoch' }>[] = [];
    let model: Extract<RunEvent, { type: 'model' }> | undefined;
    const outcome = await runExperiment(config, {
      runsDir: mkdtempSync(join(tmpdir(), 'eb-paper-runs-')),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'model' && event.method === 'dense') model = event;
        if (event.type === 'epoch') {
          epochs.push(event);
          controller.abort();
        }
      },
    });
    assert.equal(outcome.status, 'cancelled');
    assert.equal(epochs.length, 1);
    const [{ phase, logs }] = epochs as [typeof epochs[0]];
    t.diagnostic(`vgg16 first epoch on ${outcome.summary.data.train} images: ${logs.seconds.toFixed(1)} s training, ${logs.imagesPerSecond.toFixed(1)} img/s, loss ${logs.loss.toFixed(3)}`);
    assert.equal(phase, 'search');
    assert.equal(logs.epoch, 0);
    assert.equal(logs.learningRate, 0.1);
    assert.ok(Number.isFinite(logs.loss) && Number.isFinite(logs.valLoss!), `loss ${logs.loss}, validation loss ${logs.valLoss}`);
    assert.equal(outcome.summary.data.train + outcome.summary.data.validation, 1000);
    assert.ok(outcome.summary.data.train >= config.training.batchSize, 'at least one whole batch of 256 is trained');
    assert.deepEqual(outcome.summary.data.shape, [32, 32, 3]);
    assert.equal(model?.flops, 626_403_328, 'VGG-16 on 32x32x3: 313.2 M multiply-accumulates');
  });
});

/** Narrowed so that a whole experiment takes seconds; the structure (depth, blocks, pools) is the paper's. */
const EXPERIMENT_WIDTHS = { vgg16: 0.125, preresnet20: 0.5, preresnet56: 0.25, preresnet110: 0.25 } as const;

describe('every comparison on the paper networks (wasm, augmented CIFAR-format data)', () => {
  const dir = writeCifarFolder(12, 30, 5);
  for (const [name, width] of Object.entries(EXPERIMENT_WIDTHS)) {
    test(`${name} ×${width}: search, surgery (equality check), retrain, dense, EB re-init, LT, Scratch-E/B, pipeline`, async (t) => {
      const config = parseConfig({
        seed: 3,
        backend: 'wasm',
        model: { name, width },
        data: { spec: `cifar10:${dir}`, augment: true, testLimit: 30 },
        training: { epochs: 3, batchSize: 16, learningRate: 0.05, workers: 1 },
        // ε = 1 finds the ticket as soon as two masks exist: the point here is every phase, not when.
        search: { ratios: [0.3, 0.5], pruneRatio: 0.5, queueLength: 2, epsilon: 1 },
        comparisons: {
          dense: true, ebReinit: true, lotteryTicket: { enabled: true, mode: 'one-shot' }, scratchE: true, scratchB: true,
          prunePipeline: { enabled: true, fineTuneEpochs: 1 },
        },
        energy: { intervalMs: 500 },
      });
      const outcome = await runExperiment(config, { runsDir: mkdtempSync(join(tmpdir(), 'eb-paper-runs-')) });
      const { summary } = outcome;
      assert.equal(outcome.status, 'completed');
      assert.equal(summary.earlyBird.found, true);
      assert.ok(summary.slim, 'surgery ran');
      t.diagnostic(`${name}: slim ${summary.slim.params.slim} of ${summary.slim.params.dense} params, max |Δ| ${summary.slim.maxAbsDifference.toExponential(2)}, ${summary.seconds.toFixed(1)} s`);
      assert.ok(summary.slim.maxAbsDifference < 1e-4, `surgery equality check: max |Δ| ${summary.slim.maxAbsDifference}`);
      assert.ok(summary.slim.params.slim < summary.slim.params.dense);
      assert.ok(summary.slim.flops.slim < summary.slim.flops.dense);
      for (const method of ['dense', 'ebTrain', 'ebReinit', 'lotteryTicket', 'scratchE', 'scratchB', 'prunePipeline'] as const) {
        const result = summary.methods[method];
        assert.ok(result, `${method} has a result`);
        assert.ok(result.testAccuracy >= 0 && result.testAccuracy <= 1, `${method} accuracy ${result.testAccuracy}`);
        assert.ok(result.epochs > 0, `${method} trained`);
      }
      assert.equal(summary.methods.ebTrain!.params, summary.slim.params.slim);
    });
  }
});

const probe = await webGpuAdapter();
const noAdapter = probe.ok ? false : `no WebGPU adapter: ${probe.reason}`;

/** Tiny on purpose: SwiftShader emulates the GPU on the CPU. */
const GPU_SPECS: ModelSpec[] = [
  { name: 'vgg16', inputShape: [16, 16, 3], numClasses: 10, seed: 1, width: 0.125 },
  { name: 'preresnet20', inputShape: [8, 8, 3], numClasses: 10, seed: 2, width: 0.25 },
  { name: 'preresnet56', inputShape: [8, 8, 3], numClasses: 10, seed: 3, width: 0.25 },
  { name: 'preresnet110', inputShape: [8, 8, 3], numClasses: 10, seed: 4, width: 0.25 },
];

describe('train, surgery, retrain on webgpu', { skip: noAdapter }, () => {
  for (const spec of GPU_SPECS) {
    test(`${spec.name} ×${spec.width} on ${spec.inputShape.join('x')}: trains, slims with the equality check, retrains`, async () => {
      await selectBackend('webgpu');
      assert.equal(tf.getBackend(), 'webgpu');
      const [h, w, c] = spec.inputShape;
      const images = 8;
      let state = spec.seed * 7919;
      const set = {
        images: Float32Array.from({ length: images * h * w * c }, () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1),
        labels: Uint8Array.from({ length: images }, (_, i) => i % 10),
        count: images, height: h, width: w, channels: c,
        augmentation: { pad: 2, flip: true, fill: [0, 0, 0] },
      };
      const settings = {
        numClasses: 10, plannedEpochs: 1, batchSize: 4, schedule: { baseLearningRate: 0.05, ...EB_SCHEDULE }, optimizer: DEFAULT_OPTIMIZER, seed: 1,
      };
      const dense = buildModel(spec);
      const trained = await train({ model: dense, train: set, ...settings });
      assert.equal(trained.status, 'completed');
      assert.ok(Number.isFinite(trained.history[0]!.loss), `dense loss ${trained.history[0]!.loss}`);

      const mask = channelMask(await gammaLayers(dense), 0.5);
      const { model: slim } = slimModel(dense, spec, mask);
      assert.ok(modelStats(slim).flops < modelStats(dense).flops);
      const zeroed = buildModel(spec);
      zeroed.setWeights(dense.getWeights());
      zeroPrunedChannels(zeroed, mask);
      const x = tf.tensor4d(set.images.subarray(0, 4 * h * w * c), [4, h, w, c]);
      const difference = tf.tidy(() => (logitsModel(slim).predict(x) as tf.Tensor).sub(logitsModel(zeroed).predict(x) as tf.Tensor).abs().max());
      const maxAbs = (await difference.data())[0]!;
      tf.dispose([x, difference]);
      assert.ok(maxAbs < 1e-4, `${spec.name}: max |slim − zeroed dense| = ${maxAbs}`);

      const retrained = await train({ model: slim, train: set, ...settings });
      assert.equal(retrained.status, 'completed');
      assert.ok(Number.isFinite(retrained.history[0]!.loss), `slim loss ${retrained.history[0]!.loss}`);
      dense.dispose();
      zeroed.dispose();
      slim.dispose();
    });
  }
});

