/**
 * The lottery-ticket baseline: magnitude masks against hand-computed cases, the weight-mask
 * callback on a real training epoch, resets to θ0 and θk, and small one-shot / iterative runs.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { selectBackend } from '../src/backend/selectBackend.ts';
import { optimizerOf, parseConfig, scheduleOf, type TrainingSettings } from '../src/core/config.ts';
import { loadData } from '../src/data/load.ts';
import type { DataSplits } from '../src/data/types.ts';
import { buildModel, modelStats, type ModelSpec } from '../src/models/index.ts';
import type { TrainCallback } from '../src/train/callbacks.ts';
import { evaluate } from '../src/train/evaluate.ts';
import { train, trainableParams, type TrainOptions } from '../src/train/loop.ts';
import { Optimizer, type OptimizerSettings } from '../src/train/optimizer.ts';
import { EB_SCHEDULE } from '../src/train/schedule.ts';
import { compoundSparsity, pruneByMagnitude, type KernelValues, type MagnitudePruneOptions } from '../src/prune/magnitudeMask.ts';
import { maskableKernels, WeightMaskCallback, type KernelMask } from '../src/prune/weightMaskCallback.ts';
import {
  LotteryTicketCancelled, resetSurvivors, runLotteryTicket, snapshotWeights, disposeSnapshot, WeightCapture,
} from '../src/prune/lotteryTicket.ts';

const kernel = (name: string, values: number[], isOutput = false): KernelValues => ({ name, values: Float32Array.from(values), isOutput });
const bits = (mask: Uint8Array) => [...mask];
/** Values with −0 written as 0: masking a negative weight gives −0, which is as pruned as +0. */
const signlessZeros = (values: ArrayLike<number>) => Array.from(values, (v) => (v === 0 ? 0 : v));
const prune = (kernels: KernelValues[], options: MagnitudePruneOptions, previous: Uint8Array[] | null = null) =>
  pruneByMagnitude(kernels, previous, options);

/** 1..n in a fixed shuffled order, so position and magnitude are unrelated. */
function shuffledRamp(n: number, offset = 0): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 37) % n) + 1 + offset);
}

describe('pruneByMagnitude', () => {
  // |w| in kernel order: a = [0.5, 0.1, 0.3, 0.2, 0.05, 0.4], b = [0.9, 0.8, 0.7, 0.6].
  const a = kernel('a', [0.5, -0.1, 0.3, 0.2, 0.05, -0.4]);
  const b = kernel('b', [0.9, -0.8, 0.7, 0.6]);

  test('global: one threshold across kernels; layerwise: the same rate in each kernel', () => {
    // Global, rate 0.5: round(0.5 · 10) = 5 smallest of all ten: 0.05, 0.1, 0.2, 0.3, 0.4 (all in a).
    const global = prune([a, b], { rate: 0.5, scope: 'global' });
    assert.deepEqual(global.masks.map(bits), [[1, 0, 0, 0, 0, 0], [1, 1, 1, 1]]);
    assert.equal(global.sparsity, 0.5);
    assert.deepEqual(global.kernels.map((k) => [k.name, k.kept, k.total]), [['a', 1, 6], ['b', 4, 4]]);
    // Layerwise: a loses round(3) = 3 (0.05, 0.1, 0.2), b loses round(2) = 2 (0.6, 0.7).
    const layerwise = prune([a, b], { rate: 0.5, scope: 'layerwise' });
    assert.deepEqual(layerwise.masks.map(bits), [[1, 0, 1, 0, 0, 1], [1, 1, 0, 0]]);
    assert.equal(layerwise.sparsity, 0.5);
    assert.deepEqual(global.warnings, []);
  });

  test('rate is a share of the REMAINING weights: 2 rounds of 0.2 leave 0.8² = 64 %, as one-shot does', () => {
    // Two kernels holding |w| = 1..60 and 61..100: global, round 1 prunes 20 (1..20), round 2
    // prunes round(0.2 · 80) = 16 (21..36): 36 in all, 1 − 0.8² = 0.36.
    const kernels = [kernel('a', shuffledRamp(60)), kernel('b', shuffledRamp(40, 60))];
    const first = prune(kernels, { rate: 0.2, scope: 'global' });
    assert.equal(first.total - first.kept, 20);
    const before = first.masks.map(bits);
    const second = prune(kernels, { rate: 0.2, scope: 'global' }, first.masks);
    assert.deepEqual(first.masks.map(bits), before, 'the previous masks are not modified');
    assert.equal(second.total - second.kept, 36);
    assert.ok(Math.abs(second.sparsity - compoundSparsity(0.2, 2)) < 1e-12);
    const prunedValues = kernels.flatMap((k, i) => [...k.values].filter((_, j) => second.masks[i]![j] === 0)).sort((x, y) => x - y);
    assert.deepEqual(prunedValues, Array.from({ length: 36 }, (_, i) => i + 1));
    // One-shot to the same sparsity prunes the same weights here (magnitudes did not change).
    const oneShot = prune(kernels, { rate: 0.2, scope: 'global', rounds: 2 });
    assert.deepEqual(oneShot.masks.map(bits), second.masks.map(bits));

    // Layerwise: a (60) loses 12 then round(9.6) = 10; b (40) loses 8 then round(6.4) = 6.
    const l2 = prune(kernels, { rate: 0.2, scope: 'layerwise' }, prune(kernels, { rate: 0.2, scope: 'layerwise' }).masks);
    assert.deepEqual(l2.kernels.map((k) => k.total - k.kept), [22, 14]);
    assert.equal(l2.sparsity, 0.36);
  });

  test('pruned weights stay pruned and do not count as remaining, whatever their value', () => {
    // a's 0.5 (index 0) was pruned before: of the 9 survivors round(0.2 · 9) = 2 go (0.05, 0.1).
    const previous = [Uint8Array.from([0, 1, 1, 1, 1, 1]), Uint8Array.from([1, 1, 1, 1])];
    const result = prune([a, b], { rate: 0.2, scope: 'global' }, previous);
    assert.deepEqual(result.masks.map(bits), [[0, 0, 1, 1, 0, 1], [1, 1, 1, 1]]);
  });

  test('ties at the cut: the earliest (kernel order, then index) is pruned first', () => {
    // |w| = [0.2, 0.5, 0.9 | 0.5, 0.5, 0.1], rate 0.5 → 3 pruned: 0.1, 0.2 and one of the three
    // 0.5s — the first in order, a[1]. Sign does not matter (|−0.5| ties with 0.5).
    const tied = prune([kernel('a', [0.2, 0.5, 0.9]), kernel('b', [0.5, -0.5, 0.1])], { rate: 0.5, scope: 'global' });
    assert.deepEqual(tied.masks.map(bits), [[0, 0, 1], [1, 1, 0]]);
    const equal = prune([kernel('c', [1, 1, 1, 1, 1])], { rate: 0.4, scope: 'layerwise' });
    assert.deepEqual(bits(equal.masks[0]!), [0, 0, 1, 1, 1]);
  });

  test('the output layer is its own pool, pruned at half the rate', () => {
    // Global, rate 0.2: the hidden kernel (0.1..1.0) loses 2; the logits, although all smaller,
    // lose only round(0.1 · 10) = 1. After 2 rounds one-shot: hidden 0.36 → 4, logits 0.19 → 2.
    const hidden = kernel('fc/kernel', shuffledRamp(10).map((v) => v / 10));
    const logits = kernel('logits/kernel', shuffledRamp(10).map((v) => v / 1000), true);
    const one = prune([hidden, logits], { rate: 0.2, scope: 'global' });
    assert.deepEqual(one.kernels.map((k) => k.total - k.kept), [2, 1]);
    assert.equal(bits(one.masks[1]!)[logits.values.indexOf(Math.fround(0.001))], 0);
    const two = prune([hidden, logits], { rate: 0.2, scope: 'global', rounds: 2 });
    assert.deepEqual(two.kernels.map((k) => k.total - k.kept), [4, 2]);
    const dense = prune([hidden, logits], { rate: 0.2, scope: 'global', outputRateFactor: 0 });
    assert.equal(dense.kernels[1]!.kept, 10);
  });

  test('a kernel that would lose every weight keeps its largest one, with a warning', () => {
    // |w| = [0.01, 0.02 | 0.5, 0.6, 0.7, 0.8], rate 0.5 → 0.01, 0.02, 0.5; "small" keeps 0.02.
    const result = prune([kernel('small', [0.01, -0.02]), kernel('big', [0.5, 0.6, 0.7, 0.8])], { rate: 0.5, scope: 'global' });
    assert.deepEqual(result.masks.map(bits), [[0, 1], [0, 1, 1, 1]]);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /small/);
  });

  test('bad input is refused', () => {
    assert.throws(() => prune([a], { rate: 0, scope: 'global' }), /rate/);
    assert.throws(() => prune([a], { rate: 1, scope: 'global' }), /rate/);
    assert.throws(() => prune([a], { rate: 0.2, scope: 'global', rounds: 0 }), /rounds/);
    assert.throws(() => prune([kernel('n', [1, Number.NaN])], { rate: 0.2, scope: 'global' }), /non-finite/);
    assert.throws(() => prune([a], { rate: 0.2, scope: 'global' }, [new Uint8Array(2)]), /entries/);
  });
});

describe('training with weight masks', () => {
  let digits: DataSplits;
  const spec: ModelSpec = { name: 'lenet5-bn', inputShape: [28, 28, 1], numClasses: 10, seed: 11 };

  before(async () => {
    await selectBackend('wasm');
    digits = await loadData('mnist', { seed: 3, trainLimit: 1024, testLimit: 500 });
  });

  /** Large weight decay, so a pruned weight left to the optimizer visibly moves. */
  const sgd: OptimizerSettings = { kind: 'sgd', momentum: 0.9, weightDecay: 5e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

  function trainOptions(model: tf.LayersModel, overrides: Partial<TrainOptions> = {}): TrainOptions {
    return {
      model,
      train: digits.train,
      numClasses: 10,
      plannedEpochs: 2,
      batchSize: 64,
      schedule: { baseLearningRate: 0.05, ...EB_SCHEDULE },
      optimizer: sgd,
      seed: 7,
      ...overrides,
    };
  }

  /** Half of every kernel, layerwise by |w| of the current weights. */
  function halfMasks(model: tf.LayersModel): KernelMask[] {
    const kernels = maskableKernels(model);
    const values = kernels.map((k) => ({ name: k.key, values: Float32Array.from(k.variable.dataSync()), isOutput: k.isOutput }));
    const { masks } = pruneByMagnitude(values, null, { rate: 0.5, scope: 'layerwise', outputRateFactor: 1 });
    return kernels.map((k, i) => ({ key: k.key, shape: k.shape, keep: masks[i]! }));
  }

  function prunedValues(model: tf.LayersModel, masks: KernelMask[]): number[] {
    const byKey = new Map(maskableKernels(model).map((k) => [k.key, k.variable]));
    return masks.flatMap((m) => [...byKey.get(m.key)!.dataSync()].filter((_, i) => m.keep[i] === 0));
  }

  test('maskableKernels: conv and dense kernels only, the logits layer flagged', () => {
    const model = buildModel(spec);
    const kernels = maskableKernels(model);
    assert.deepEqual(kernels.map((k) => [k.key, k.isOutput]), [
      ['conv1/kernel', false], ['conv2/kernel', false], ['fc1/kernel', false], ['fc2/kernel', false], ['logits/kernel', true],
    ]);
    model.dispose();
  });

  test('pruned weights stay exactly zero through an epoch of SGD with momentum and weight decay; numTensors constant per step', async () => {
    const model = buildModel(spec);
    // One unmasked epoch first, with the same optimizer: the momentum of the soon-pruned weights is
    // then non-zero, which would move them off zero without the post-step re-masking.
    const optimizer = new Optimizer(sgd);
    await train(trainOptions(model, { optimizer, endEpoch: 1 }));
    const masks = halfMasks(model);
    const maskCallback = new WeightMaskCallback(masks);
    maskCallback.applyTo(trainableParams(model));
    const survivorsBefore = maskableKernels(model).map((k) => Float32Array.from(k.variable.dataSync()));

    const counts: number[] = [];
    const probe: TrainCallback = { onBatchEnd: () => void counts.push(tf.memory().numTensors) };
    const result = await train(trainOptions(model, { optimizer, startEpoch: 1, endEpoch: 2, callbacks: [maskCallback, probe] }));
    assert.equal(result.status, 'completed');
    assert.equal(counts.length, Math.ceil(digits.train.count / 64));
    assert.equal(new Set(counts).size, 1, `tensor counts per step: ${counts.join(',')}`);

    const pruned = prunedValues(model, masks);
    assert.ok(pruned.length > 30_000);
    assert.ok(pruned.every((v) => v === 0), 'every pruned weight is exactly zero');
    // The survivors did train.
    const moved = maskableKernels(model).some((k, i) => k.variable.dataSync().some((v, j) => masks[i]!.keep[j] === 1 && v !== survivorsBefore[i]![j]));
    assert.ok(moved);

    // Control: masking the gradients alone lets momentum move the pruned weights.
    const control = buildModel(spec);
    const controlOptimizer = new Optimizer(sgd);
    await train(trainOptions(control, { optimizer: controlOptimizer, endEpoch: 1 }));
    const controlMasks = halfMasks(control);
    const controlCallback = new WeightMaskCallback(controlMasks);
    controlCallback.applyTo(trainableParams(control));
    await train(trainOptions(control, {
      optimizer: controlOptimizer, startEpoch: 1, endEpoch: 2,
      callbacks: [{ onTrainBegin: (ctx) => controlCallback.onTrainBegin(ctx), transformGradients: (g) => controlCallback.transformGradients(g) }],
    }));
    assert.ok(prunedValues(control, controlMasks).some((v) => v !== 0), 'without re-masking, momentum moves pruned weights');

    for (const m of [maskCallback, controlCallback]) m.dispose();
    optimizer.dispose();
    controlOptimizer.dispose();
    model.dispose();
    control.dispose();
  });

  test('reset to θ0 restores the survivors (and every other weight) exactly; pruned ones are zero', async () => {
    const model = buildModel(spec);
    const theta0 = snapshotWeights(model);
    const theta0Values = theta0.map((t) => Float32Array.from(t.dataSync()));
    await train(trainOptions(model, { endEpoch: 1 }));
    const masks = halfMasks(model);
    const maskCallback = new WeightMaskCallback(masks);
    resetSurvivors(model, theta0, maskCallback);

    const names = model.weights.map((w) => w.originalName);
    const maskByKey = new Map(masks.map((m) => [m.key, m.keep]));
    model.getWeights().forEach((w, i) => {
      const keep = maskByKey.get(names[i]!);
      const expected = theta0Values[i]!.map((v, j) => (keep && keep[j] === 0 ? 0 : v));
      assert.deepEqual(signlessZeros(w.dataSync()), signlessZeros(expected), names[i]);
    });
    // The snapshot itself survives being shared with the model.
    assert.deepEqual(theta0[0]!.dataSync(), theta0Values[0]);
    maskCallback.dispose();
    disposeSnapshot(theta0);
    model.dispose();
  });

  test('rewind to epoch k restores the weights the network had after k epochs', async () => {
    // A trains 2 epochs and captures θ1; B trains only epoch 0 of the same 2-epoch plan.
    const a = buildModel(spec);
    const capture = new WeightCapture(1);
    await train(trainOptions(a, { callbacks: [capture] }));
    assert.ok(capture.snapshot);
    const b = buildModel(spec);
    await train(trainOptions(b, { endEpoch: 1 }));

    const masks = halfMasks(a);
    const maskCallback = new WeightMaskCallback(masks);
    resetSurvivors(a, capture.snapshot, maskCallback);
    const names = a.weights.map((w) => w.originalName);
    const maskByKey = new Map(masks.map((m) => [m.key, m.keep]));
    const bWeights = b.getWeights();
    a.getWeights().forEach((w, i) => {
      const keep = maskByKey.get(names[i]!);
      const expected = bWeights[i]!.dataSync().map((v, j) => (keep && keep[j] === 0 ? 0 : v));
      assert.deepEqual(signlessZeros(w.dataSync()), signlessZeros(expected), names[i]);
    });
    maskCallback.dispose();
    capture.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('runLotteryTicket', () => {
  let digits: DataSplits;
  const spec: ModelSpec = { name: 'lenet5-bn', inputShape: [28, 28, 1], numClasses: 10, seed: 5 };
  let training: TrainingSettings;

  before(async () => {
    await selectBackend('wasm');
    digits = await loadData('mnist', { seed: 4, trainLimit: 1536, testLimit: 500 });
    training = parseConfig({ model: { name: 'lenet5-bn' }, training: { epochs: 2, batchSize: 64, learningRate: 0.05 } }).training;
  });

  const settingsOf = (overrides: object) => parseConfig({
    model: { name: 'lenet5-bn' }, training: { epochs: 2 }, comparisons: { lotteryTicket: { enabled: true, ...overrides } },
  }).comparisons.lotteryTicket;

  test('iterative, 2 rounds of 0.2, reset to θ0: sparsity ≈ 1 − 0.8², accuracy well above chance, no leaks', async (t) => {
    const tensorsBefore = tf.memory().numTensors;
    const reported: number[] = [];
    const result = await runLotteryTicket({
      spec, data: digits, training, seed: 9,
      settings: settingsOf({ mode: 'iterative', rounds: 2, rate: 0.2, scope: 'global', reset: 'init' }),
      onRound: (info) => void reported.push(info.round),
    });
    t.diagnostic(`rounds ${JSON.stringify(result.rounds)}`);
    assert.equal(result.method, 'lotteryTicket');
    assert.deepEqual(result.rounds.map((r) => r.round), [0, 1, 2]);
    assert.deepEqual(reported, [0, 1, 2]);
    assert.equal(result.rounds[0]!.sparsity, 0);
    // lenet5-bn kernels: 60,630 hidden weights at 0.2 then 0.36, 840 logits at 0.1 then 0.19.
    assert.ok(Math.abs(result.rounds[1]!.sparsity - 0.2) < 0.01, `round 1 sparsity ${result.rounds[1]!.sparsity}`);
    assert.ok(Math.abs(result.sparsity - compoundSparsity(0.2, 2)) < 0.01, `sparsity ${result.sparsity}`);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'the run leaves no tensor behind');
    assert.equal(result.epochs, 6);
    assert.ok(result.testAccuracy > 0.6, `test accuracy ${result.testAccuracy}`);
    const denseModel = buildModel(spec);
    const dense = modelStats(denseModel);
    denseModel.dispose();
    assert.equal(result.flops, dense.flops);
    assert.equal(result.params, dense.params - (result.notes!.prunedWeights as number));
    assert.ok(result.params < dense.params);
    assert.ok(result.seconds >= result.rounds.reduce((s, r) => s + r.seconds, 0) - 1e-6);
  });

  test('one-shot from a trained dense network, rewinding to epoch 1: one pruning to the 2-round sparsity', async (t) => {
    const dense = buildModel(spec);
    await train({
      model: dense, train: digits.train, validation: digits.validation, numClasses: 10, plannedEpochs: 2,
      batchSize: training.batchSize, schedule: scheduleOf(training), optimizer: optimizerOf(training), seed: 9,
    });
    const denseAccuracy = (await evaluate(dense, digits.test, 10)).accuracy;
    const tensorsBefore = tf.memory().numTensors;
    const result = await runLotteryTicket({
      spec, data: digits, training, seed: 9,
      settings: settingsOf({ mode: 'one-shot', rounds: 2, rate: 0.2, scope: 'layerwise', reset: 'rewind', rewindEpoch: 1 }),
      trainedDense: { weights: dense.getWeights() },
    });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'the run leaves no tensor behind');
    t.diagnostic(`rounds ${JSON.stringify(result.rounds)} notes ${JSON.stringify(result.notes)}`);
    assert.deepEqual(result.rounds.map((r) => r.round), [0, 1]);
    assert.equal(result.rounds[0]!.testAccuracy, denseAccuracy, 'round 0 scores the given dense weights');
    assert.equal(result.rounds[0]!.epochs, 1, 'only the epoch to θ1 is trained in round 0');
    assert.equal(result.epochs, 3);
    assert.ok(Math.abs(result.sparsity - compoundSparsity(0.2, 2)) < 0.01, `sparsity ${result.sparsity}`);
    assert.ok(result.testAccuracy > 0.6, `test accuracy ${result.testAccuracy}`);
    dense.dispose();
  });

  test('an aborted signal stops the run promptly with LotteryTicketCancelled', async () => {
    const controller = new AbortController();
    const tensorsBefore = tf.memory().numTensors;
    let batches = 0;
    const started = performance.now();
    await assert.rejects(
      runLotteryTicket({
        spec, data: digits, training, seed: 9, signal: controller.signal,
        settings: settingsOf({ mode: 'iterative', rounds: 2 }),
        callbacks: [{ onBatchEnd: () => { if (++batches === 2) controller.abort(); } }],
      }),
      (error: unknown) => error instanceof LotteryTicketCancelled && error.rounds.length === 0,
    );
    assert.equal(batches, 2);
    assert.ok(performance.now() - started < 5000);
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });
});
