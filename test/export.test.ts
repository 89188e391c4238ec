/**
 * The ticket a user takes home works elsewhere: an exported model carries its input normalisation
 * and says what its classes and input are, so a stranger's program (its own process, importing only
 * @tensorflow/tfjs) that feeds raw Fashion-MNIST test pixels / 255 gets the accuracy the summary reports.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '../src/core/config.ts';
import { loadModelFromDir, saveModelToDir, INPUT_NORMALISATION_LAYER } from '../src/experiment/modelFiles.ts';
import { runExperiment } from '../src/experiment/runner.ts';
import { buildModel } from '../src/models/index.ts';
import { selectBackend } from '../src/backend/selectBackend.ts';
import { createEngine } from '../src/api/engine.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';

describe('exported models', () => {
  test('a residual network with three channels predicts the same from raw pixels after export', async () => {
    await selectBackend('wasm');
    const model = buildModel({ name: 'resnet-s', inputShape: [8, 8, 3], numClasses: 4, seed: 3, width: 0.25 });
    const mean = [0.49, 0.48, 0.45];
    const std = [0.25, 0.24, 0.26];
    const raw = tf.tidy(() => tf.randomUniform([5, 8, 8, 3], 0, 1, 'float32', 7).mul(255).round().div(255));
    const normalised = tf.tidy(() => raw.sub(tf.tensor1d(mean)).div(tf.tensor1d(std)));
    const dir = mkdtempSync(join(tmpdir(), 'eb-export-'));
    const bytes = await saveModelToDir(model, dir, { input: { mean, std, classNames: ['a', 'b', 'c', 'd'], dataset: 'test', method: 'dense', producedBy: 'test' } });
    assert.equal(bytes, model.countParams() * 4, 'the returned size is the network, not its normalisation');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.deepEqual(json.userDefinedMetadata.classNames, ['a', 'b', 'c', 'd']);
    assert.deepEqual(json.userDefinedMetadata.input.range, [0, 1]);
    const loaded = await loadModelFromDir(dir);
    assert.equal(loaded.layers[1]!.name, INPUT_NORMALISATION_LAYER);
    const expected = (model.predict(normalised) as tf.Tensor).dataSync();
    const actual = (loaded.predict(raw) as tf.Tensor).dataSync();
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i]! - actual[i]!));
    assert.ok(worst < 1e-5, `outputs differ by ${worst}`);
  });

  test('a stranger feeding raw Fashion-MNIST test pixels gets the accuracy the summary reports', { skip: !existsSync(FASHION) && `${FASHION} not installed` }, async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'eb-stranger-'));
    const config = parseConfig({
      seed: 2,
      model: { name: 'tiny' },
      data: { spec: `fashion-mnist:${FASHION}`, trainLimit: 2000 },
      training: { epochs: 2, batchSize: 64, learningRate: 0.05 },
      search: { queueLength: 2, epsilon: 0.5 },
      comparisons: { dense: false },
      energy: { intervalMs: 500 },
      export: { quantize: true },
    });
    const outcome = await runExperiment(config, { runsDir });
    assert.equal(outcome.status, 'completed');
    const summary = outcome.summary;
    // What the app's download hands over: the zip, opened by another program (Python's zipfile).
    const engine = createEngine({ mode: 'browser', runsDir, emit: () => undefined });
    const archive = await engine.api['ticket:export']({ runId: outcome.runId });
    assert.deepEqual(archive.models, ['ebTrain', 'ebTrain-uint8']);
    const home = mkdtempSync(join(tmpdir(), 'eb-home-'));
    const unzip = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])', archive.path, home], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, unzip.stderr);
    const readme = readFileSync(join(home, outcome.runId, 'README.txt'), 'utf8');
    assert.match(readme, /pixel bytes divided by 255/);
    assert.ok(readme.includes(`ebTrain: ${(summary.methods.ebTrain!.testAccuracy * 100).toFixed(2)} %`), readme);
    const child = spawnSync(process.execPath, [
      'test/helpers/strangerAccuracy.mjs', join(FASHION, 't10k-images-idx3-ubyte.gz'), join(FASHION, 't10k-labels-idx1-ubyte.gz'),
      join(home, outcome.runId, 'ebTrain'), join(home, outcome.runId, 'ebTrain-uint8'),
    ], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    type Answer = { images: number; accuracy: number; classNames: string[]; input: { range: number[] } };
    const answers = child.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Answer);
    assert.equal(answers.length, 2, child.stdout);
    const [ticket, uint8] = answers as [Answer, Answer];
    assert.equal(ticket.images, 10_000);
    // Well above chance, so the check means something; equal to the summary's up to float rounding of one image.
    assert.ok(summary.methods.ebTrain!.testAccuracy > 0.6, `trained to ${summary.methods.ebTrain!.testAccuracy}`);
    assert.ok(Math.abs(ticket.accuracy - summary.methods.ebTrain!.testAccuracy) <= 1 / 10_000, `stranger ${ticket.accuracy} vs summary ${summary.methods.ebTrain!.testAccuracy}`);
    assert.equal(ticket.classNames[0], 'T-shirt/top');
    assert.equal(ticket.classNames.length, 10);
    assert.deepEqual(ticket.input.range, [0, 1]);
    assert.ok(Math.abs(uint8.accuracy - summary.quantization!.accuracyAfter) <= 1 / 10_000, `stranger ${uint8.accuracy} vs summary ${summary.quantization!.accuracyAfter}`);
  });
});
