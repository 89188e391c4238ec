/**
 * Warm-up before metered training: it leaves the run's numbers exactly as they would be without it
 * (same weights, same losses and accuracies, bit for bit, for the same seed), and in a whole run its
 * energy — and the start-up's — is metered in phases of its own that every energy table shows and
 * no method is charged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { selectBackend } from '../src/backend/selectBackend.ts';
import { loadData } from '../src/data/load.ts';
import type { DataSplits } from '../src/data/types.ts';
import { optimizerOf, parseConfig } from '../src/core/config.ts';
import { runExperiment, type RunOutcome } from '../src/experiment/runner.ts';
import { roundSettled, START_UP_PHASE, stepShapingCallbacks, WARM_UP_LONG_ROUND_SECONDS, WARM_UP_PHASE, warmUpNetwork, warmUpSubset } from '../src/experiment/warmUp.ts';
import { SlimmingPenalty } from '../src/prune/slimmingPenalty.ts';
import type { TrainCallback } from '../src/train/callbacks.ts';
import { buildModel, type ModelSpec } from '../src/models/index.ts';
import { train } from '../src/train/loop.ts';
import { Optimizer } from '../src/train/optimizer.ts';
import { formatSummary } from '../src/cli/formatSummary.ts';
import { TINY_EXPERIMENT } from './helpers/tinyExperiment.ts';

const TRAINING = parseConfig(TINY_EXPERIMENT).training;

async function trainOnce(data: DataSplits, spec: ModelSpec, warm: boolean) {
  const model = buildModel(spec);
  if (warm) await warmUpNetwork({ model, data, training: TRAINING, seed: 7 });
  const optimizer = new Optimizer(optimizerOf(TRAINING));
  const result = await train({
    model, train: data.train, validation: data.validation, numClasses: data.numClasses, plannedEpochs: 2, startEpoch: 0, endEpoch: 2,
    batchSize: TRAINING.batchSize, workers: 1, schedule: { baseLearningRate: 0.05, milestones: [0.5], gamma: 0.1 }, optimizer, seed: 7,
  });
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  optimizer.dispose();
  model.dispose();
  return { weights, history: result.history.map(({ seconds: _s, imagesPerSecond: _i, ...numbers }) => numbers) };
}

describe('warm-up', () => {
  let data: DataSplits;
  before(async () => {
    await selectBackend('wasm');
    data = await loadData('mnist', { seed: 3, trainLimit: 150, testLimit: 50, validationFraction: 0.2 });
  });

  test('takes full batches plus the set\'s own shorter last batch', () => {
    const subset = warmUpSubset(data.train, 64, 2);
    assert.equal(subset.count, 2 * 64 + (data.train.count % 64));
    assert.equal(subset.labels.length, subset.count);
    assert.equal(subset.images.length, subset.count * 28 * 28);
    assert.equal(warmUpSubset({ ...data.train, count: 30 }, 64, 2).count, 30);
  });

  test('stops once a round\'s wall time and the process\'s CPU time have both settled', () => {
    // Rounds of the demo's search warm-up as measured (seconds): the wall time settles before the
    // CPU time does — the engine's compiler threads were still busy — so only the last pair stops it.
    const rounds = [
      { seconds: 0.223, cpuSeconds: 0.346 }, { seconds: 0.075, cpuSeconds: 0.113 }, { seconds: 0.081, cpuSeconds: 0.093 },
      { seconds: 0.068, cpuSeconds: 0.088 }, { seconds: 0.061, cpuSeconds: 0.070 }, { seconds: 0.061, cpuSeconds: 0.069 },
    ];
    const stops = rounds.map((round, i) => roundSettled(i === 0 ? null : rounds[i - 1]!, round));
    assert.deepEqual(stops, [false, false, false, false, false, true]);
    assert.equal(roundSettled({ seconds: 0.081, cpuSeconds: 0.093 }, { seconds: 0.075, cpuSeconds: 0.092 }), true, 'both within 10 %');
    assert.equal(roundSettled({ seconds: 0.075, cpuSeconds: 0.113 }, { seconds: 0.081, cpuSeconds: 0.093 }), false, 'wall within 10 %, CPU 18 % apart');
    assert.equal(roundSettled(null, { seconds: WARM_UP_LONG_ROUND_SECONDS, cpuSeconds: 3 }), true, 'one long first round is enough');
    assert.equal(roundSettled(null, { seconds: 0.5, cpuSeconds: 0.5 }), false, 'a short first round never is');
  });

  test('leaves the weights and every logged number as they are without it', async () => {
    const spec: ModelSpec = { name: 'tiny', inputShape: [28, 28, 1], numClasses: 10, seed: 5 };
    const cold = await trainOnce(data, spec, false);
    const warm = await trainOnce(data, spec, true);
    assert.deepEqual(warm.history, cold.history);
    assert.deepEqual(warm.weights, cold.weights);
  });
});

describe('warm-up runs the phase\'s own steps', () => {
  test('its gradient terms (slimming) and their set-up run in the warm-up; epoch observers do not; the weights come back', async () => {
    await selectBackend('wasm');
    const data = await loadData('mnist', { seed: 3, trainLimit: 150, testLimit: 50, validationFraction: 0.2 });
    const model = buildModel({ name: 'tiny', inputShape: [28, 28, 1], numClasses: 10, seed: 5 });
    const slimming = new SlimmingPenalty(1e-4);
    let transforms = 0;
    let began = 0;
    const transform = slimming.transformGradients.bind(slimming);
    slimming.transformGradients = (grads, ctx) => { transforms += 1; transform(grads, ctx); };
    const onTrainBegin = slimming.onTrainBegin.bind(slimming);
    slimming.onTrainBegin = (ctx) => { began += 1; onTrainBegin(ctx); };
    let epochsSeen = 0;
    const observer: TrainCallback = { onEpochEnd: () => { epochsSeen += 1; } };
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    await warmUpNetwork({ model, data, training: TRAINING, seed: 7, callbacks: [slimming, observer] });
    assert.equal(began, 1);
    assert.ok(transforms >= 3, `${transforms} steps with the slimming term`);
    assert.equal(epochsSeen, 0, 'the detector and other observers see no warm-up epoch');
    assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), before);
    assert.deepEqual(stepShapingCallbacks([observer]), []);
    model.dispose();
  });
});

describe('warm-up and start-up in a whole run', () => {
  let outcome: RunOutcome;
  before(async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'eb-warmup-'));
    outcome = await runExperiment(parseConfig({ ...TINY_EXPERIMENT, comparisons: { dense: true }, export: { quantize: false } }), { runsDir });
  });

  test('are metered as their own phases and charged to no method', () => {
    const energy = outcome.summary.energy!;
    // Each phase's joules in every message: a failure on a loaded machine says what was metered.
    const metered = JSON.stringify(Object.fromEntries(Object.entries(energy.phases).map(([p, e]) => [p, e.joules])));
    assert.ok((energy.phases[WARM_UP_PHASE]?.joules ?? 0) > 0, `warm-up energy is metered: ${metered}`);
    assert.ok(energy.phases[START_UP_PHASE] !== undefined, `start-up is metered: ${metered}`);
    const phase = (p: string) => energy.phases[p]?.joules ?? 0;
    assert.equal(energy.methods.ebTrain!.joules, phase('search') + phase('surgery') + phase('retrain'));
    assert.equal(energy.methods.dense!.joules, phase('dense'));
    assert.equal(energy.ebTrainJoules, energy.methods.ebTrain!.joules);
    const table = formatSummary(outcome.summary);
    assert.match(table, /^warm-up\s/m);
    assert.match(table, /^start-up\s/m);
  });

  test('the summary carries the like-for-like check and the projection at the ticket', () => {
    const energy = outcome.summary.energy!;
    assert.ok(energy.likeForLike, 'like-for-like check recorded');
    assert.deepEqual(energy.likeForLike.phases.map((p) => p.phase), ['search', 'dense']);
    assert.ok(energy.likeForLike.ratio > 0);
    assert.ok(energy.energyToAccuracy === null || energy.energyToAccuracy!.target > 0);
  });
});
