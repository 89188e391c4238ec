/**
 * Data-parallel training across worker threads: shard arithmetic, the usable-core count, gradients
 * that equal the shard-weighted mean computed on one thread, replicas that hold bit-identical
 * weights step after step, determinism for a seed and K, and the loop's bookkeeping with workers.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { selectBackend } from '../src/backend/selectBackend.ts';
import { loadData } from '../src/data/load.ts';
import type { DataSplits } from '../src/data/types.ts';
import { buildModel } from '../src/models/index.ts';
import type { TrainCallback } from '../src/train/callbacks.ts';
import { forTraining } from '../src/train/evaluate.ts';
import { train, trainableParams } from '../src/train/loop.ts';
import { DEFAULT_OPTIMIZER, Optimizer } from '../src/train/optimizer.ts';
import { cgroupCpuLimit, DATA_PARALLEL_MIN_FLOPS, usableCores, workersFor } from '../src/train/parallel/cores.ts';
import { DataParallelGradientStep, shardSizes } from '../src/train/parallel/dataParallelStep.ts';
import { shardGradients } from '../src/train/parallel/gradientStep.ts';
import { EB_SCHEDULE } from '../src/train/schedule.ts';

let digits: DataSplits;

before(async () => {
  await selectBackend('wasm');
  digits = await loadData('mnist', { seed: 3, trainLimit: 512 });
});

const tinyModel = () => buildModel({ name: 'tiny', inputShape: [28, 28, 1], numClasses: 10, seed: 5 });

function batchOf(start: number, size: number) {
  const imageSize = 28 * 28;
  return {
    images: digits.train.images.slice(start * imageSize, (start + size) * imageSize),
    labels: Int32Array.from(digits.train.labels.slice(start, start + size)),
    size,
  };
}

describe('data-parallel training', () => {
  test('shards are contiguous and differ by at most one; a small batch uses fewer replicas', () => {
    assert.deepEqual(shardSizes(128, 2), [64, 64]);
    assert.deepEqual(shardSizes(10, 3), [4, 3, 3]);
    assert.deepEqual(shardSizes(2, 4), [1, 1]);
  });

  test('usable cores: affinity capped by the cgroup v2 quota', () => {
    assert.equal(cgroupCpuLimit('max 100000'), null);
    assert.equal(cgroupCpuLimit('150000 100000'), 2);
    assert.equal(cgroupCpuLimit('50000 100000'), 1);
    assert.equal(cgroupCpuLimit(null), null);
    assert.equal(usableCores('100000 100000'), 1);
    assert.ok(usableCores(null) >= 1);
  });

  test('unset workers: every core for a network big enough to pay for a replica, one below, and one off wasm', () => {
    assert.equal(workersFor(undefined, 'wasm', 833_040), 1, 'lenet5-bn');
    assert.equal(workersFor(undefined, 'wasm', DATA_PARALLEL_MIN_FLOPS - 1), 1);
    assert.equal(workersFor(undefined, 'wasm', 58_277_376), usableCores(), 'vgg-s');
    assert.equal(workersFor(undefined, 'wasm'), usableCores(), 'size unknown');
    assert.equal(workersFor(undefined, 'cpu', 58_277_376), 1);
    assert.equal(workersFor(1, 'wasm', 58_277_376), 1, 'asked for');
  });

  test('K = 2 gradients equal the shard-weighted mean computed on one thread', async () => {
    const model = tinyModel();
    const net = forTraining(model);
    const variables = trainableParams(model).map((p) => p.variable);
    // Reference first, on this thread: both shards' gradients from the same starting weights.
    const saved = model.nonTrainableWeights.map((w) => w.read().clone());
    const reference = tf.tidy(() => {
      const parts = [batchOf(0, 7), batchOf(7, 6)].map((b) => {
        const out = shardGradients(net, variables, tf.tensor4d(b.images, [b.size, 28, 28, 1]), tf.tensor1d(b.labels, 'int32'), 10);
        return { ...out, size: b.size };
      });
      return variables.map((v) => parts[0]!.grads[v.name]!.mul(7 / 13).add(parts[1]!.grads[v.name]!.mul(6 / 13)));
    });
    // Running statistics back to where they were, so the parallel step starts from the same state.
    model.nonTrainableWeights.forEach((w, i) => (w.read() as tf.Variable).assign(saved[i]!));
    tf.dispose(saved);

    const step = await DataParallelGradientStep.start({ model, net, workers: 2, batchSize: 13, numClasses: 10, imageShape: [28, 28, 1] });
    try {
      const { grads } = await step.compute(digits.train, batchOf(0, 13));
      variables.forEach((v, i) => {
        const got = grads[v.name]!.dataSync();
        const want = reference[i]!.dataSync();
        let diff = 0;
        let scale = 0;
        for (let j = 0; j < want.length; j++) {
          diff = Math.max(diff, Math.abs(got[j]! - want[j]!));
          scale = Math.max(scale, Math.abs(want[j]!));
        }
        assert.ok(diff <= 1e-6 * Math.max(scale, 1e-6), `${v.name}: max |Δ| ${diff}, scale ${scale}`);
      });
      tf.dispose(Object.values(grads));
    } finally {
      tf.dispose(reference);
      await step.dispose();
      model.dispose();
    }
  });

  test('K = 2 replicas train with bit-identical weights over several steps', async () => {
    const model = tinyModel();
    const params = trainableParams(model);
    const optimizer = new Optimizer(DEFAULT_OPTIMIZER);
    const step = await DataParallelGradientStep.start({ model, net: forTraining(model), workers: 2, batchSize: 64, numClasses: 10, imageShape: [28, 28, 1] });
    try {
      for (let s = 0; s < 4; s++) {
        const used = step.mainWeights();
        const { grads } = await step.compute(digits.train, batchOf(s * 64, 64));
        tf.tidy(() => optimizer.apply(params, grads, 0.05));
        tf.dispose(Object.values(grads));
        const [replica] = await step.replicaSnapshots();
        const n = step.trainableSize;
        assert.deepEqual(Buffer.from(replica!.buffer, 0, 4 * n), Buffer.from(used.buffer, 0, 4 * n), `step ${s}: replica weights differ from the main model's`);
        // The weights moved: the check compares live values, not a constant.
        assert.notDeepEqual(Buffer.from(step.mainWeights().buffer, 0, 4 * n), Buffer.from(used.buffer, 0, 4 * n));
      }
    } finally {
      optimizer.dispose();
      await step.dispose();
      model.dispose();
    }
  });

  test('train() with 2 workers: deterministic for a seed, no tensors left behind, learns, cancels', async () => {
    const run = async (signal?: AbortSignal) => {
      const model = tinyModel();
      const counts: number[] = [];
      const losses: number[] = [];
      const probe: TrainCallback = {
        onBatchEnd: (logs) => {
          counts.push(tf.memory().numTensors);
          losses.push(logs.loss);
        },
      };
      const result = await train({
        model, train: digits.train, numClasses: 10, plannedEpochs: 2, batchSize: 64,
        schedule: { baseLearningRate: 0.05, ...EB_SCHEDULE }, optimizer: DEFAULT_OPTIMIZER, seed: 9,
        callbacks: [probe], workers: 2, signal,
      });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return { result, counts, losses, weights };
    };
    const a = await run();
    const b = await run();
    assert.equal(a.result.status, 'completed');
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.weights, b.weights);
    assert.equal(new Set(a.counts.slice(1)).size, 1, `tensor counts per step: ${a.counts.join(',')}`);
    assert.ok(a.losses.at(-1)! < a.losses[0]!, `loss ${a.losses[0]} → ${a.losses.at(-1)}`);

    const controller = new AbortController();
    const model = tinyModel();
    const result = await train({
      model, train: digits.train, numClasses: 10, plannedEpochs: 2, batchSize: 64,
      schedule: { baseLearningRate: 0.05, ...EB_SCHEDULE }, optimizer: DEFAULT_OPTIMIZER, seed: 9, workers: 2,
      signal: controller.signal, callbacks: [{ onBatchEnd: (l) => void (l.batch === 1 && controller.abort()) }],
    });
    model.dispose();
    assert.equal(result.status, 'cancelled');
  });
});
