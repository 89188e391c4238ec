/**
 * Defaults and help in one place: every option of the CLI (config fields and the rest: --runs,
 * --json, --port, --parallel …) is a zod schema with its help beside it; the parseArgs spec, the
 * usage lines and the checked values are read from it. The optimizer's and the schedule's defaults
 * are the training loop's own, and the surgery's speed probe trains with the run's optimizer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { RUN_OPTIONS, RUN_USAGE } from '../src/cli/runCommand.ts';
import { RUNS_OPTIONS } from '../src/cli/runsCommand.ts';
import { SWEEP_OPTIONS, SWEEP_USAGE, sweepCommand } from '../src/cli/sweepCommand.ts';
import { STUDY_USAGE } from '../src/cli/studyCommand.ts';
import { TRAIN_OPTIONS } from '../src/cli/trainCommand.ts';
import { SERVE_OPTIONS, SERVE_USAGE, serveCommand } from '../src/server/serveCommand.ts';
import { optionsHelp, parseArgsSpec, parseOptions } from '../src/cli/options.ts';
import { defaultRunsDir } from '../src/run/runStore.ts';
import { makeTrainStep } from '../src/prune/speedup.ts';
import { DEFAULT_OPTIMIZER } from '../src/train/optimizer.ts';

const ROOT = new URL('../', import.meta.url);

test('each option\'s parseArgs spec, usage line and default come from its schema', () => {
  assert.deepEqual(parseArgsSpec(RUN_OPTIONS), {
    help: { type: 'boolean', short: 'h' }, demo: { type: 'boolean' }, resume: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' },
  });
  for (const [usage, shape] of [[RUN_USAGE, RUN_OPTIONS], [RUN_USAGE, RUNS_OPTIONS], [SWEEP_USAGE, SWEEP_OPTIONS], [SERVE_USAGE, SERVE_OPTIONS]] as const) {
    for (const line of optionsHelp(shape).split('\n')) assert.ok(usage.includes(line), `usage lacks: ${line}`);
  }
  assert.match(RUN_USAGE, /--runs <dir> +where the run folder is created \(default \$EARLYBIRD_RUNS, else \.\/runs\)/);
  assert.match(SERVE_USAGE, /--port <N> +port to listen on \(integer ≥ 0, ≤ 65535; default any free port\)/);
  assert.match(SERVE_USAGE, /--host <H> +.*\(default 127\.0\.0\.1\)/);
  assert.match(SWEEP_USAGE, /--parallel <N> +points run at once \(integer ≥ 1, ≤ 256; default one per GPU, else half the cores\)/);
  assert.match(STUDY_USAGE, /--out <file\.pdf> +.*\(default <sweepDir>\/study\/study\.pdf\)/);
});

test('--runs: the schema resolves it and its default is the engine\'s runs folder', () => {
  const saved = process.env.EARLYBIRD_RUNS;
  try {
    delete process.env.EARLYBIRD_RUNS;
    assert.equal(parseOptions(RUN_OPTIONS, {}).runs, resolve('runs'));
    process.env.EARLYBIRD_RUNS = '~/eb-runs-elsewhere';
    assert.equal(parseOptions(RUNS_OPTIONS, {}).runs, join(homedir(), 'eb-runs-elsewhere'));
    assert.equal(parseOptions(RUNS_OPTIONS, {}).runs, defaultRunsDir());
    assert.equal(parseOptions(RUN_OPTIONS, { runs: '~/x' }).runs, join(homedir(), 'x'));
    assert.deepEqual(parseOptions(RUN_OPTIONS, { demo: true }), { demo: true, json: false, runs: defaultRunsDir() });
    assert.deepEqual(parseOptions(TRAIN_OPTIONS, {}), { demo: false, json: false });
    assert.throws(() => parseOptions(RUN_OPTIONS, { runs: '' }), { name: 'UsageError', message: /^--runs: expected a folder \(got ""\)/ });
  } finally {
    if (saved === undefined) delete process.env.EARLYBIRD_RUNS;
    else process.env.EARLYBIRD_RUNS = saved;
  }
});

test('a bad option value is refused by its schema, naming the flag, before any work', async () => {
  await assert.rejects(serveCommand(['--port', '70000', '--no-open']), { name: 'UsageError', message: /^--port: .*\(got "70000"\); expected integer ≥ 0, ≤ 65535$/ });
  await assert.rejects(serveCommand(['--port', 'eighty']), { name: 'UsageError', message: /^--port: .*\(got "eighty"\)/ });
  await assert.rejects(serveCommand(['--host', '  ']), { name: 'UsageError', message: /^--host: expected an address, e\.g\. 127\.0\.0\.1/ });
  // Refused before the sweep file is read (it does not exist).
  await assert.rejects(sweepCommand(['no-such-sweep.json', '--parallel', '0']), { name: 'UsageError', message: /^--parallel: .*\(got "0"\); expected integer ≥ 1, ≤ 256$/ });
});

test('no command declares an option or writes a default by hand', () => {
  for (const file of ['src/cli/runCommand.ts', 'src/cli/sweepCommand.ts', 'src/cli/studyCommand.ts', 'src/cli/trainCommand.ts', 'src/server/serveCommand.ts']) {
    const text = readFileSync(new URL(file, ROOT), 'utf8');
    assert.doesNotMatch(text, /\{ type: '(string|boolean)'/, `${file} declares a parseArgs option by hand`);
    assert.doesNotMatch(text, /intFlag|numberFlag|choiceFlag/, `${file} checks a flag by hand`);
    const usage = text.slice(text.indexOf('_USAGE = `'));
    assert.doesNotMatch(usage.slice(0, usage.indexOf('`;')), /\(default/, `${file}: a default written into the help text`);
  }
});

test('the speed probe trains with the optimizer it is given (Adam moves each weight by the learning rate on its first step)', async () => {
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4, kernelInitializer: 'glorotUniform' })] });
  const xs = tf.randomNormal([8, 6], 0, 1, 'float32', 3).reshape([8, 1, 1, 6]) as tf.Tensor4D;
  const net = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 6] }), model.layers[0]!] });
  const labels = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32');
  const step = async (settings: typeof DEFAULT_OPTIMIZER) => {
    const before = (net.getWeights()[0]!.dataSync() as Float32Array).slice();
    const probe = makeTrainStep(net, xs, labels, 4, 0.01, settings);
    await probe.step();
    probe.dispose();
    const after = net.getWeights()[0]!.dataSync() as Float32Array;
    return Array.from(after, (w, i) => Math.abs(w - before[i]!));
  };
  const adam = await step({ ...DEFAULT_OPTIMIZER, kind: 'adam', weightDecay: 0 });
  for (const delta of adam) assert.ok(Math.abs(delta - 0.01) < 1e-4, `Adam's first step moves a weight by lr, not ${delta}`);
  const sgd = await step({ ...DEFAULT_OPTIMIZER, kind: 'sgd', weightDecay: 0 });
  assert.ok(sgd.some((delta) => Math.abs(delta - 0.01) > 1e-3), 'SGD moves weights by lr × gradient');
  tf.dispose([xs, labels]);
});
