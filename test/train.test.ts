/**
 * The training loop on real data: no tensor left behind by a step, determinism for a seed,
 * callbacks and cancellation, and real Fashion-MNIST learned to ≥ 85 % test accuracy.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { selectBackend } from '../src/backend/selectBackend.ts';
import { loadData } from '../src/data/load.ts';
import type { DataSplits } from '../src/data/types.ts';
import { buildModel } from '../src/models/index.ts';
import type { TrainCallback } from '../src/train/callbacks.ts';
import { evaluate } from '../src/train/evaluate.ts';
import { train, type TrainOptions } from '../src/train/loop.ts';
import { DEFAULT_OPTIMIZER } from '../src/train/optimizer.ts';
import { EB_SCHEDULE, learningRateAt } from '../src/train/schedule.ts';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
let digits: DataSplits;

before(async () => {
  await selectBackend('wasm');
  digits = await loadData('mnist', { seed: 3, trainLimit: 1024 });
});

function options(overrides: Partial<TrainOptions> = {}): TrainOptions {
  const model = overrides.model ?? buildModel({ name: 'tiny', inputShape: [28, 28, 1], numClasses: 10, seed: 5 });
  return {
    model,
    train: digits.train,
    validation: digits.validation,
    numClasses: 10,
    plannedEpochs: 2,
    batchSize: 128,
    schedule: { baseLearningRate: 0.05, ...EB_SCHEDULE },
    optimizer: DEFAULT_OPTIMIZER,
    seed: 9,
    ...overrides,
  };
}

describe('training loop', () => {
  test('the step schedule drops ×0.1 at 50 % and 75 % of the planned epochs', () => {
    const s = { baseLearningRate: 0.1, ...EB_SCHEDULE };
    assert.deepEqual([0, 4, 5, 7, 8, 9].map((e) => +learningRateAt(s, e, 10).toPrecision(3)), [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
  });

  test('tf.memory().numTensors is the same before and after every training step', async () => {
    const counts: number[] = [];
    const probe: TrainCallback = {
      onBatchEnd: () => {
        counts.push(tf.memory().numTensors);
      },
    };
    const opts = options({ callbacks: [probe], plannedEpochs: 2 });
    await train(opts);
    // The first step creates the optimizer's momentum slots; from then on nothing may accumulate.
    assert.ok(counts.length >= 16);
    assert.deepEqual(new Set(counts.slice(1)).size, 1, `tensor counts per step: ${counts.join(',')}`);
    opts.model.dispose();
  });

  test('the same seed gives the same losses and weights; callbacks see every batch and epoch', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const losses: number[] = [];
      const epochs: number[] = [];
      const opts = options({
        callbacks: [{ onBatchEnd: (l) => void losses.push(l.loss), onEpochEnd: (l) => void epochs.push(l.epoch) }],
      });
      const result = await train(opts);
      runs.push({ losses, epochs, result, weights: Array.from(opts.model.getLayer('logits').getWeights()[0]!.dataSync()) });
      opts.model.dispose();
    }
    assert.deepEqual(runs[0]!.losses, runs[1]!.losses);
    assert.deepEqual(runs[0]!.weights, runs[1]!.weights);
    assert.deepEqual(runs[0]!.epochs, [0, 1]);
    assert.equal(runs[0]!.losses.length, 2 * Math.ceil(digits.train.count / 128));
    assert.equal(runs[0]!.result.status, 'completed');
    const h = runs[0]!.result.history[1]!;
    assert.ok(h.loss < runs[0]!.result.history[0]!.loss, 'loss falls');
    assert.ok(h.valAccuracy !== null && h.valAccuracy > 0.5 && h.imagesPerSecond > 0 && h.seconds > 0);
  });

  test('an abort signal cancels between batches; requestStop ends after the epoch', async () => {
    const controller = new AbortController();
    let batches = 0;
    const cancelled = await train(options({
      signal: controller.signal,
      callbacks: [{ onBatchEnd: () => void (++batches === 3 && controller.abort()) }],
    }));
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(batches, 3);
    assert.equal(cancelled.epochsCompleted, 0);

    const stopped = await train(options({
      plannedEpochs: 5,
      callbacks: [{ onEpochEnd: (logs, ctx) => ctx.requestStop(`stop at ${logs.epoch}`) }],
    }));
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.stopReason, 'stop at 0');
    assert.equal(stopped.epochsCompleted, 1);
  });

  test('transformGradients can change the update (a zeroed gradient leaves weights unchanged)', async () => {
    const opts = options({ plannedEpochs: 1, optimizer: { ...DEFAULT_OPTIMIZER, weightDecay: 0 } });
    const gamma = opts.model.getLayer('bn1').getWeights()[0]!;
    const before = Array.from(gamma.dataSync());
    const variableName = (opts.model.getLayer('bn1').trainableWeights[0]!.read() as tf.Variable).name;
    opts.callbacks = [{
      transformGradients: (grads) => {
        grads[variableName] = tf.zerosLike(grads[variableName]!);
      },
    }];
    await train(opts);
    assert.deepEqual(Array.from(opts.model.getLayer('bn1').getWeights()[0]!.dataSync()), before);
    opts.model.dispose();
  });
});

describe('real data', { skip: !existsSync(FASHION_DIR) && `${FASHION_DIR} missing (apt-get install dataset-fashion-mnist)` }, () => {
  test('lenet5-bn learns real Fashion-MNIST to ≥ 85 % test accuracy', async () => {
    const data = await loadData(`fashion-mnist:${FASHION_DIR}`, { seed: 1, trainLimit: 12000, testLimit: 2000 });
    const model = buildModel({ name: 'lenet5-bn', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    const result = await train({
      model, train: data.train, validation: data.validation, numClasses: 10, plannedEpochs: 4, batchSize: 64,
      schedule: { baseLearningRate: 0.05, ...EB_SCHEDULE }, optimizer: DEFAULT_OPTIMIZER, seed: 1,
    });
    const test = await evaluate(model, data.test, 10);
    assert.equal(result.status, 'completed');
    assert.ok(test.accuracy >= 0.85, `test accuracy ${test.accuracy}`);
    model.dispose();
  });
});
