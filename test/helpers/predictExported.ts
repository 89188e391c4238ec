/**
 * Run as a separate process by test/experiment.test.ts: loads an exported model folder with plain
 * TF.js (`tf.loadLayersModel` over the files, none of earlybird's model code) on the stock wasm backend and
 * compares its predictions with those the training process saved at export time. It feeds raw pixels
 * / 255: the exported model carries its own input normalisation.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadData } from '../../src/data/load.ts';
import { unitPixels } from '../../src/data/normalise.ts';

const dir = process.argv[2]!;
const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const weights = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
const model = await tf.loadLayersModel({
  load: async () => ({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }),
});
const check = JSON.parse(readFileSync(join(dir, 'predictions.json'), 'utf8')) as { images: number; inputShape: [number, number, number]; outputs: number[] };
// The same test images the run used: the experiment's data spec and seed, from its config.
const config = JSON.parse(readFileSync(join(dir, '..', '..', 'config.json'), 'utf8'));
const data = await loadData(config.data.spec, { seed: config.seed, trainLimit: config.data.trainLimit, testLimit: config.data.testLimit, validationFraction: config.data.validationFraction });
const per = check.inputShape[0] * check.inputShape[1] * check.inputShape[2];
const raw = unitPixels(data.test, data);
const outputs = model.predict(tf.tensor4d(raw.images.subarray(0, check.images * per), [check.images, ...check.inputShape])) as tf.Tensor;
const values = outputs.dataSync();
let maxAbsDifference = 0;
for (let i = 0; i < values.length; i++) maxAbsDifference = Math.max(maxAbsDifference, Math.abs(values[i]! - check.outputs[i]!));
const classes = values.length / check.images;
const argmax = (xs: ArrayLike<number>, row: number) => {
  let best = 0;
  for (let c = 1; c < classes; c++) if (xs[row * classes + c]! > xs[row * classes + best]!) best = c;
  return best;
};
let sameClasses = true;
for (let r = 0; r < check.images; r++) sameClasses &&= argmax(values, r) === argmax(check.outputs, r);
process.stdout.write(`${JSON.stringify({ images: check.images, maxAbsDifference, sameClasses })}\n`);
