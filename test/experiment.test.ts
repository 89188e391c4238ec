/**
 * Whole experiments on the embedded digits: the config's validation, the run folder a finished
 * run leaves, exported models that another process loads with identical predictions, and a run
 * killed mid-epoch (SIGKILL) that resumes to exactly the result of an uninterrupted one.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { PowerSource } from '../src/energy/index.ts';
import { ConfigError, parseConfig, type ExperimentConfigInput } from '../src/core/config.ts';
import type { RunEvent } from '../src/core/events.ts';
import { resumeExperiment, runExperiment, type RunOutcome } from '../src/experiment/runner.ts';
import { listRuns, METRICS_HEADER, readEventsFile, RunStore } from '../src/run/runStore.ts';
import type { RunSummary } from '../src/core/summary.ts';
import { generateReport } from '../src/report/index.ts';
import { metricsCsv } from '../src/report/csv.ts';
import { readRunFolder } from '../src/run/runFolder.ts';
import { buildRunView } from '../src/core/project.ts';
import { compareEnergy } from '../renderer/src/state/energyComparison.ts';

const SMALL: ExperimentConfigInput = {
  seed: 4,
  model: { name: 'tiny' },
  data: { spec: 'mnist', trainLimit: 800, testLimit: 300 },
  training: { epochs: 4, batchSize: 64, learningRate: 0.05 },
  search: { queueLength: 2, epsilon: 0.15 },
  comparisons: { dense: true, scratchE: true },
  energy: { intervalMs: 200 },
  export: { quantize: true },
};

function configError(input: unknown): ConfigError {
  try {
    parseConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('config was accepted');
}

describe('experiment config', () => {
  test('defaults are the Early-Bird paper settings', () => {
    const c = parseConfig({ model: { name: 'vgg-s' } });
    assert.deepEqual([c.training.learningRate, c.training.momentum, c.training.weightDecay, c.training.milestones], [0.1, 0.9, 1e-4, [0.5, 0.75]]);
    assert.deepEqual([c.search.ratios, c.search.epsilon, c.search.queueLength, c.search.l1], [[0.3, 0.5, 0.7], 0.1, 5, 1e-4]);
    assert.equal(c.energy.carbonIntensity, 475);
  });

  test('every bad field is named with its path and what is allowed', () => {
    const e = configError({ model: { name: 'vgg' }, training: { epochs: 0, lr: 0.1 }, energy: { pue: 0.5 } });
    const paths = e.issues.map((i) => i.path);
    assert.ok(paths.includes('model.name') && paths.includes('training.epochs') && paths.includes('training') && paths.includes('energy.pue'), paths.join());
    assert.match(e.message, /model\.name: must be one of mlp, lenet5-bn, vgg-s, resnet-s, tiny\b/);
    assert.match(e.message, /training: Unrecognized key: "lr"/);
  });

  test('cross-field rules: the pruned ratio must be tracked', () => {
    const e = configError({ model: { name: 'tiny' }, search: { ratios: [0.3, 0.7], pruneRatio: 0.5 } });
    assert.deepEqual(e.issues, [{ path: 'search.pruneRatio', message: 'must be one of the tracked pruning ratios (search.ratios: 0.3, 0.7)' }]);
  });
});

describe('energy sensors that all fail', () => {
  test('the run still completes, says why, and reports no energy figures', async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'eb-nosensor-'));
    const broken: PowerSource = {
      name: 'broken-sensor', kind: 'measured', describe: () => 'a sensor whose every read fails',
      read: async () => {
        throw new Error('sensor unplugged');
      },
      close: () => undefined,
    };
    const config = parseConfig({ ...SMALL, training: { ...SMALL.training, epochs: 2 }, comparisons: { dense: false }, export: { quantize: false } });
    const outcome = await runExperiment(config, {
      runsDir,
      detectPowerSources: async () => ({ sources: [broken], skipped: [{ name: 'rapl', reason: 'no RAPL here' }] }),
    });
    assert.equal(outcome.status, 'completed');
    assert.ok(outcome.summary.methods.ebTrain!.testAccuracy > 0.3);
    const warnings = readEventsFile(join(outcome.runDir, 'events.jsonl')).filter((e) => e.type === 'warning');
    assert.ok(warnings.some((w) => /broken-sensor stopped: .*sensor unplugged/.test((w as { message: string }).message)), JSON.stringify(warnings));
    assert.equal(outcome.summary.energy, null);

    const failing = await runExperiment(config, { runsDir, detectPowerSources: async () => { throw new Error('no sensors at all'); } });
    assert.equal(failing.status, 'completed');
    assert.equal(failing.summary.energy, null);
  });
});

describe('a whole experiment', () => {
  let runsDir: string;
  let outcome: RunOutcome;

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-runs-'));
    outcome = await runExperiment(parseConfig(SMALL), { runsDir });
  });

  test('summary.json holds the Early-Bird facts and every method run', () => {
    const s = JSON.parse(readFileSync(join(outcome.runDir, 'summary.json'), 'utf8'));
    assert.equal(s.schemaVersion, 1);
    assert.equal(s.status, 'completed');
    for (const key of ['found', 'epoch', 'plannedEpochs', 'p', 'epsilon', 'distances']) assert.ok(key in s.earlyBird, key);
    assert.equal(s.earlyBird.plannedEpochs, 4);
    for (const method of ['dense', 'ebTrain', 'scratchE']) {
      for (const key of ['testAccuracy', 'params', 'flops', 'epochs', 'seconds']) assert.equal(typeof s.methods[method][key], 'number', `${method}.${key}`);
      assert.ok(s.methods[method].testAccuracy > 0.5, `${method} learned`);
    }
    assert.equal(s.methods.dense.epochs, 4);
    assert.ok(s.methods.ebTrain.params < s.methods.dense.params, 'the ticket is smaller');
    assert.ok(s.slim.flopReduction > 1 && s.slim.speedup.train > 0 && s.slim.maxAbsDifference < 1e-4);
    assert.ok(s.energy && s.energy.ebTrainJoules > 0 && s.energy.methods.dense.joules > 0);
    assert.equal(s.energy.methods.prunePipeline, undefined, 'no standard-pipeline energy when the pipeline did not run (its dense phase alone is not it)');
    // Sampled on its own thread, charged to this run's processes, with the model named.
    assert.ok(s.energy.sources.some((src: { name: string }) => src.name === 'cpu-estimate' || src.name === 'rapl'));
    if (s.energy.ebTrainKind === 'estimated') assert.match(s.energy.estimateModel, /W per core \(.+\) × [\d.]+ cores/);
    assert.ok(s.energy.contention.search.runCpuSeconds > 0);
    // The 8-bit ticket: a quarter of the bytes, accuracy within a point.
    assert.ok(s.quantization.bytesAfter < 0.3 * s.quantization.bytesBefore, JSON.stringify(s.quantization));
    assert.ok(Math.abs(s.quantization.accuracyAfter - s.quantization.accuracyBefore) < 0.01, JSON.stringify(s.quantization));
  });

  test('the compute ledger: FLOPs per phase = images × training FLOPs per image of the network trained', () => {
    const s = outcome.summary;
    const events = readEventsFile(join(outcome.runDir, 'events.jsonl'));
    const data = events.find((e) => e.type === 'data') as Extract<RunEvent, { type: 'data' }>;
    const epochsOf = (phase: string) => events.filter((e) => e.type === 'epoch' && e.phase === phase) as Extract<RunEvent, { type: 'epoch' }>[];
    const validated = (phase: string) => epochsOf(phase).filter((e) => e.logs.valLoss !== null).length;
    const dense = s.model.flops;
    const slim = s.slim!.flops.slim;
    const c = s.compute!;
    assert.equal(c.phases.search!.flops, epochsOf('search').length * data.train * 3 * dense + validated('search') * data.validation * dense);
    assert.equal(c.phases.retrain!.flops, epochsOf('retrain').length * data.train * 3 * slim + validated('retrain') * data.validation * slim + data.test * slim);
    assert.equal(c.phases.dense!.flops, 4 * data.train * 3 * dense + validated('dense') * data.validation * dense + data.test * dense);
    assert.equal(c.ebTrainFlops, c.phases.search!.flops + c.phases.retrain!.flops);
    assert.equal(c.denseBasis, 'counted');
    if (s.earlyBird.found) assert.equal(c.flopSavedRatio, c.denseFlops! / c.ebTrainFlops);
  });

  test('events.jsonl records every epoch once, the one record of it: metrics.csv is derived for a report', async () => {
    const events = readEventsFile(join(outcome.runDir, 'events.jsonl'));
    const epochs = events.filter((e): e is Extract<RunEvent, { type: 'epoch' }> => e.type === 'epoch');
    assert.ok(!existsSync(join(outcome.runDir, 'metrics.csv')), 'no second per-epoch file in the run folder');
    const derived = metricsCsv((await readRunFolder(outcome.runDir)).metrics).trim().split('\n');
    assert.equal(derived[0], METRICS_HEADER);
    assert.equal(derived.length - 1, epochs.length);
    const keys = epochs.map((e) => `${e.phase}:${e.logs.epoch}`);
    assert.equal(new Set(keys).size, keys.length);
    // The dense baseline trains in turns with EB Train, so it starts among EB Train's phases.
    const phases = events.filter((e) => e.type === 'phase-start').map((e) => (e as { phase: string }).phase);
    assert.deepEqual(phases.filter((p) => p !== 'dense'), ['search', 'surgery', 'retrain', 'scratchE']);
    assert.ok(phases.indexOf('dense') > 0 && phases.indexOf('dense') < phases.indexOf('scratchE'), phases.join(' '));
    assert.equal(events[events.length - 1]!.type, 'run-end');
    // One mask file per observed search epoch, and the ticket's own.
    const observed = events.filter((e) => e.type === 'mask-distance');
    for (const e of observed) {
      const file = join(outcome.runDir, 'masks', `epoch-${String((e as { epoch: number }).epoch + 1).padStart(3, '0')}.json`);
      const masks = JSON.parse(readFileSync(file, 'utf8'));
      assert.deepEqual(masks.ratios.map((r: { ratio: number }) => r.ratio), [0.3, 0.5, 0.7]);
      assert.match(Object.values(masks.ratios[1].layers).join(''), /^[01]+$/);
      assert.equal((e as { matrices: unknown[] }).matrices.length, 3);
    }
    if (outcome.summary.earlyBird.found) assert.ok(existsSync(join(outcome.runDir, 'masks', 'early-bird.json')));
    assert.equal((await listRuns(runsDir))[0]!.runId, outcome.runId);
  });

  test('exported models load in another process with identical predictions', () => {
    // The check compares against predictions the training process saved at export time.
    for (const method of ['ebTrain', 'dense']) {
      const dir = join(outcome.runDir, 'models', method);
      assert.ok(existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin')) && existsSync(join(dir, 'predictions.json')));
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/predictExported.ts', dir], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
      assert.ok(result.maxAbsDifference < 1e-6, `${method}: predictions differ by ${result.maxAbsDifference}`);
      assert.equal(result.sameClasses, true);
      assert.ok(result.images >= 8);
    }
  });

  test('a run killed mid-epoch with SIGKILL resumes to the same result', async () => {
    const configPath = join(runsDir, 'small.json');
    writeFileSync(configPath, JSON.stringify(SMALL));
    const killedRuns = mkdtempSync(join(tmpdir(), 'eb-killed-'));
    const child = spawn(process.execPath, ['bin/earlybird.mjs', 'run', configPath, '--runs', killedRuns], { stdio: 'ignore' });
    // Kill once the search has finished epoch 0 and is inside epoch 1.
    const runDir = await new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + 120_000;
      const timer = setInterval(() => {
        const runs = readdirSync(killedRuns).map((name) => ({ dir: join(killedRuns, name) }));
        if (runs.length === 1) {
          const events = readEventsFile(join(runs[0]!.dir, 'events.jsonl'));
          const inEpoch1 = events.some((e) => e.type === 'progress' && e.phase === 'search' && e.epoch === 1);
          if (inEpoch1) {
            child.kill('SIGKILL');
            clearInterval(timer);
            resolve(runs[0]!.dir);
          }
        }
        if (Date.now() > deadline) {
          clearInterval(timer);
          child.kill('SIGKILL');
          reject(new Error('the run never reached epoch 1'));
        }
      }, 20);
    });
    await new Promise((r) => child.once('exit', r));
    const store = RunStore.open(runDir);
    assert.equal(store.readSummary(), null, 'killed before the end');
    const before = store.readEvents();
    assert.ok(before.some((e) => e.type === 'epoch' && e.phase === 'search' && e.logs.epoch === 0));
    assert.ok(!before.some((e) => e.type === 'run-end'));

    const resumed = await resumeExperiment(runDir, parseConfig(store.readConfigJson()));
    assert.equal(resumed.status, 'completed');
    // Same seed, same data order, restored weights and optimizer: the same numbers as the run that was never killed.
    for (const method of ['ebTrain', 'dense', 'scratchE'] as const) {
      assert.equal(resumed.summary.methods[method]!.testAccuracy, outcome.summary.methods[method]!.testAccuracy, method);
    }
    assert.equal(resumed.summary.earlyBird.epoch, outcome.summary.earlyBird.epoch);
    const events = store.readEvents();
    const searchEpochs = events.filter((e) => e.type === 'epoch' && e.phase === 'search').map((e) => (e as { logs: { epoch: number } }).logs.epoch);
    assert.deepEqual(searchEpochs, [...new Set(searchEpochs)], 'no search epoch recorded twice');
    assert.ok(events.some((e) => e.type === 'run-start' && e.resumed));
  });
});

/** The app's energy card (its state, from the run's own events and summary) and the PDF show no saving, with the reason. */
async function assertNoSavingShown(runDir: string, summary: RunSummary): Promise<void> {
  const events = readEventsFile(join(runDir, 'events.jsonl'));
  const view = buildRunView('r', events);
  const final = compareEnergy(view, summary, 4);
  assert.deepEqual([final.savedPercent, final.ratio, final.savedKind], [null, null, null]);
  assert.equal(final.savedReason, summary.energy!.savedReason);
  // Live, from the events alone: a projection only after the ticket.
  const live = compareEnergy(buildRunView('r', events.filter((e) => e.type !== 'run-end')), null, 4);
  if (!view.earlyBird) assert.match(live.savedReason ?? '', /shown once the Early-Bird ticket is found/);
  if (live.savedPercent !== null) assert.equal(live.savedKind, 'projected');

  const report = await generateReport(runDir, { out: join(mkdtempSync(join(tmpdir(), 'eb-report-')), 'report.pdf') });
  if (spawnSync('pdftotext', ['-v']).error) return; // poppler-utils missing: the PDF itself was still built
  const text = spawnSync('pdftotext', ['-layout', report.pdfPath, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  assert.match(text, /Energy saved against dense (training )?none claimed/);
  assert.match(text, /CO₂e avoided none claimed/);
  assert.ok(text.includes('No saving is claimed'), 'the method notes give the reason');
  assert.ok(!/\d+(\.\d+)? ?% saved/.test(text), 'no percentage saved anywhere');
}

describe('no saving claimed for a run that did not get there', () => {
  const small = parseConfig({ ...SMALL, training: { ...SMALL.training, epochs: 4 }, comparisons: { dense: true }, export: { quantize: false } });

  test('a cancelled run: savedRatio null with a reason in summary.json and the runs list', async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'eb-cancel-'));
    const controller = new AbortController();
    let epochs = 0;
    const outcome = await runExperiment(small, {
      runsDir, signal: controller.signal,
      onEvent: (e) => { if (e.type === 'epoch' && ++epochs === 2) controller.abort(); },
    });
    assert.equal(outcome.status, 'cancelled');
    const s = JSON.parse(readFileSync(join(outcome.runDir, 'summary.json'), 'utf8'));
    assert.ok(s.energy, 'energy was measured until the cancel');
    assert.deepEqual([s.energy.savedRatio, s.energy.savedPercent, s.energy.savedCo2eGrams], [null, null, null]);
    assert.match(s.energy.savedReason, /^no saving: (the run was cancelled before an Early-Bird ticket was found|EB Train \(search \+ surgery \+ retrain\) did not finish)/);
    assert.equal(s.compute.flopSavedRatio, null);
    const [item] = await listRuns(runsDir);
    assert.equal(item!.savedPercent, null);
    assert.equal(item!.savedReason, s.energy.savedReason);
    await assertNoSavingShown(outcome.runDir, s);
  });

  test('a failed run: savedRatio null with a reason in summary.json and the runs list', async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'eb-fail-'));
    // The app reads the run back on its run-end: the summary must be there by then, as for a completed run.
    let summaryAtRunEnd: boolean | null = null;
    await assert.rejects(runExperiment(small, {
      runsDir,
      callbacks: (phase) => (phase === 'search' ? [{ onEpochEnd: (logs) => { if (logs.epoch >= 1) throw new Error('disk on fire'); } }] : []),
      onEvent: (e) => { if (e.type === 'run-end') summaryAtRunEnd = readdirSync(runsDir).some((d) => existsSync(join(runsDir, d, 'summary.json'))); },
    }), /disk on fire/);
    assert.equal(summaryAtRunEnd, true, 'summary.json written before the run-end event');
    const [item] = await listRuns(runsDir);
    const s = JSON.parse(readFileSync(join(item!.dir, 'summary.json'), 'utf8'));
    assert.equal(s.status, 'failed');
    assert.ok(s.energy, 'energy was measured until the failure');
    assert.equal(s.energy.savedRatio, null);
    assert.match(s.energy.savedReason, /^no saving: /);
    assert.equal(item!.savedPercent, null);
    assert.match(item!.savedReason!, /^no saving: /);
    await assertNoSavingShown(item!.dir, s);
  });
});
