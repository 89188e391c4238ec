/**
 * Does physical channel pruning pay off in wall time as much as in FLOPs?
 *
 *   node --import tsx bench/surgery.ts [--model vgg-s] [--ratio 0.5] [--batch 128] [--repeats 5] [--warmup 2] [--json]
 *
 * On the wasm backend (XNNPACK plus this project's gradient kernels) it builds the model at
 * 32x32x3, gives its BatchNorms uneven random |γ| (as a trained, sparsity-regularised network has:
 * some layers keep most channels, others few), draws the global mask at `ratio`, slims the model,
 * and times for dense and slim alike
 *   - a training step: forward + backward + SGD-momentum update, as src/train/loop.ts does it;
 *   - inference: one batch forward in inference mode.
 * Each figure is the median of `repeats` runs after `warmup` runs; dense and slim runs alternate so
 * that load from other processes falls on both. It prints params, FLOPs, the FLOP reduction
 * (dense / slim), the measured speedup (dense time / slim time) and their ratio, the efficiency:
 * 1 means the slim model is exactly as much faster as it has fewer FLOPs (target ≥ 0.8).
 * With --json the last line is one JSON object with every figure.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/selectBackend.ts';
import { buildModel, isModelName, modelStats, type ModelSpec, type ModelStats } from '../src/models/index.ts';
import { channelMask } from '../src/prune/channelMask.ts';
import { gammaLayers, slimModel } from '../src/prune/slimModel.ts';
import { mulberry32, type Random } from '../src/random.ts';
import { makeInference, makeTrainStep, timeAlternating } from '../src/prune/speedup.ts';

const INPUT_SHAPE: [number, number, number] = [32, 32, 3];
const NUM_CLASSES = 10;
const SEED = 1;
const LEARNING_RATE = 0.01;

interface BenchOptions {
  model: ModelSpec['name'];
  ratio: number;
  batch: number;
  repeats: number;
  warmup: number;
  json: boolean;
}

function parseOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'vgg-s' },
      ratio: { type: 'string', default: '0.5' },
      batch: { type: 'string', default: '128' },
      repeats: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
    },
  });
  const model = values.model;
  if (!isModelName(model)) throw new Error(`--model: unknown model ${JSON.stringify(model)}`);
  const number = (name: string, text: string, valid: (n: number) => boolean) => {
    const n = Number(text);
    if (!valid(n)) throw new Error(`--${name}: invalid value ${JSON.stringify(text)}`);
    return n;
  };
  const positiveInteger = (n: number) => Number.isSafeInteger(n) && n > 0;
  return {
    model,
    ratio: number('ratio', values.ratio, (n) => n >= 0 && n < 1),
    batch: number('batch', values.batch, positiveInteger),
    repeats: number('repeats', values.repeats, positiveInteger),
    warmup: number('warmup', values.warmup, (n) => Number.isSafeInteger(n) && n >= 0),
    json: values.json,
  };
}

function gaussian(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Sets γ of every prunable BatchNorm to |N(0,1)| times a per-layer scale drawn log-uniformly from
 * [0.1, 1]: a global threshold then prunes layers with small scales hard and keeps most of the
 * channels of layers with large ones, the uneven pattern network slimming produces. (Freshly built
 * models have γ = 1 everywhere, where every layer would lose the same share.)
 */
async function setUnevenGammas(model: tf.LayersModel, seed: number): Promise<void> {
  const random = mulberry32(seed);
  for (const { layer: name, gamma } of await gammaLayers(model)) {
    const layer = model.getLayer(name);
    const scale = 10 ** -random();
    const values = layer.getWeights().map((w, i) =>
      layer.weights[i]!.originalName.endsWith('gamma')
        ? tf.tensor1d(Float32Array.from(gamma, () => scale * Math.abs(gaussian(random))))
        : w.clone(),
    );
    layer.setWeights(values);
    tf.dispose(values);
  }
}

interface Comparison {
  denseMs: number;
  slimMs: number;
  /** dense time / slim time. */
  speedup: number;
  /** speedup / FLOP reduction; 1 = time fell exactly as FLOPs did. */
  efficiency: number;
}

function compare(times: { denseMs: number; slimMs: number }, flopReduction: number): Comparison {
  const speedup = times.denseMs / times.slimMs;
  return { ...times, speedup, efficiency: speedup / flopReduction };
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

/**
 * Elements per image leaving the conv and dense layers. BatchNorm, ReLU and pooling (and their
 * gradients) cost in proportion to this, not to FLOPs, and it falls only linearly with the
 * channels where FLOPs fall about quadratically: this bounds how close time can follow FLOPs.
 */
function activationsPerImage(stats: ModelStats): number {
  return stats.layers
    .filter((l) => l.type === 'Conv2D' || l.type === 'Dense')
    .reduce((sum, l) => sum + l.outputShape.reduce((a, b) => a * b, 1), 0);
}

async function main(): Promise<void> {
  const options = parseOptions();
  const backend = await selectBackend('wasm');
  const spec: ModelSpec = { name: options.model, inputShape: INPUT_SHAPE, numClasses: NUM_CLASSES, seed: SEED };

  const dense = buildModel(spec);
  await setUnevenGammas(dense, SEED);
  const mask = channelMask(await gammaLayers(dense), options.ratio);
  const slim = slimModel(dense, spec, mask);

  const denseStats = modelStats(dense);
  const slimStats = modelStats(slim.model);
  const flopReduction = denseStats.flops / slimStats.flops;

  const xs = tf.randomNormal([options.batch, ...INPUT_SHAPE], 0, 1, 'float32', SEED) as tf.Tensor4D;
  const labels = tf.tensor1d(Int32Array.from({ length: options.batch }, (_, i) => i % NUM_CLASSES), 'int32');

  const denseStep = makeTrainStep(dense, xs, labels, NUM_CLASSES, LEARNING_RATE);
  const slimStep = makeTrainStep(slim.model, xs, labels, NUM_CLASSES, LEARNING_RATE);
  const training = compare(await timeAlternating(denseStep.step, slimStep.step, options.warmup, options.repeats), flopReduction);
  denseStep.dispose();
  slimStep.dispose();
  const inference = compare(
    await timeAlternating(makeInference(dense, xs), makeInference(slim.model, xs), options.warmup, options.repeats),
    flopReduction,
  );

  const report = {
    model: options.model,
    inputShape: INPUT_SHAPE,
    batch: options.batch,
    ratio: options.ratio,
    backend: backend.description,
    repeats: options.repeats,
    warmup: options.warmup,
    channels: Object.fromEntries(Object.entries(slim.kept).map(([bn, k]) => [bn, `${k.kept}/${k.total}`])),
    params: { dense: denseStats.params, slim: slimStats.params },
    flopsPerImage: { dense: denseStats.flops, slim: slimStats.flops },
    flopReduction: round(flopReduction),
    activationsPerImage: { dense: activationsPerImage(denseStats), slim: activationsPerImage(slimStats) },
    training: roundComparison(training),
    inference: roundComparison(inference),
  };
  printReport(report, training, inference, flopReduction);
  if (options.json) console.log(JSON.stringify(report));

  tf.dispose([xs, labels]);
  dense.dispose();
  slim.model.dispose();
}

function roundComparison(c: Comparison): Comparison {
  return { denseMs: round(c.denseMs, 1), slimMs: round(c.slimMs, 1), speedup: round(c.speedup), efficiency: round(c.efficiency) };
}

function printReport(
  report: {
    model: string;
    batch: number;
    ratio: number;
    backend: string;
    channels: Record<string, string>;
    params: { dense: number; slim: number };
    flopsPerImage: { dense: number; slim: number };
    activationsPerImage: { dense: number; slim: number };
  },
  training: Comparison,
  inference: Comparison,
  flopReduction: number,
): void {
  const mflop = (flops: number) => `${(flops / 1e6).toFixed(2)} MFLOP`;
  const line = (label: string, c: Comparison) =>
    `${label.padEnd(10)} dense ${c.denseMs.toFixed(1).padStart(8)} ms   slim ${c.slimMs.toFixed(1).padStart(8)} ms   ` +
    `speedup ${c.speedup.toFixed(2)}x   speedup/FLOP reduction ${c.efficiency.toFixed(2)}${c.efficiency >= 0.8 ? '' : '  (below 0.8)'}`;
  console.log(`surgery bench: ${report.model} ${INPUT_SHAPE.join('x')}, batch ${report.batch}, ratio ${report.ratio}, ${report.backend}`);
  console.log(`kept channels: ${Object.entries(report.channels).map(([bn, k]) => `${bn} ${k}`).join(', ')}`);
  console.log(`params     dense ${report.params.dense}   slim ${report.params.slim}   (${(report.params.dense / report.params.slim).toFixed(2)}x fewer)`);
  console.log(`FLOPs/img  dense ${mflop(report.flopsPerImage.dense)}   slim ${mflop(report.flopsPerImage.slim)}   reduction ${flopReduction.toFixed(2)}x`);
  const activations = report.activationsPerImage;
  console.log(`activations/img (conv+dense outputs) dense ${activations.dense}   slim ${activations.slim}   reduction ${(activations.dense / activations.slim).toFixed(2)}x`);
  console.log(line('train step', training));
  console.log(line('inference', inference));
}

await main();
