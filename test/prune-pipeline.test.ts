/**
 * The standard pruning pipeline as a method: the dense baseline is trained once, with the L1 term,
 * and reused; its prune follows the same global |γ| rule as the ticket; the fine-tune's epochs and
 * the pipeline's energy (dense + prune/fine-tune) are its own; savings name their reference.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { formatSummary } from '../src/cli/formatSummary.ts';
import type { PowerSource } from '../src/energy/index.ts';
import { parseConfig } from '../src/core/config.ts';
import { savingsAgainstReferences } from '../src/experiment/references.ts';
import { runExperiment, type RunOutcome } from '../src/experiment/runner.ts';
import { readEventsFile } from '../src/run/runStore.ts';
import { loadModelFromDir } from '../src/experiment/modelFiles.ts';
import { channelMask } from '../src/prune/channelMask.ts';
import { gammaLayers } from '../src/prune/slimModel.ts';

describe('prunePipeline (network slimming) as a method', () => {
  let outcome: RunOutcome;
  before(async () => {
    const config = parseConfig({
      seed: 3, model: { name: 'tiny' }, data: { spec: 'mnist', trainLimit: 500, testLimit: 200 },
      training: { epochs: 3, batchSize: 64, learningRate: 0.05 },
      search: { queueLength: 2, epsilon: 0.15, l1: 1e-3 },
      // dense itself is not asked for: the pipeline needs it and runs it once.
      comparisons: { dense: false, prunePipeline: { enabled: true, fineTuneEpochs: 2 } },
      energy: { intervalMs: 200 },
    });
    assert.equal(parseConfig({ model: { name: 'tiny' }, comparisons: { prunePipeline: { enabled: true } } }).comparisons.prunePipeline.fineTuneEpochs, undefined);
    // A steady 10 W counter (like RAPL's energy_uj) instead of this machine's utilisation estimate,
    // whose reads a machine shared by many jobs can delay past the sampler's timeout: the test is
    // about which phases the pipeline is charged, and needs energy in every phase.
    const opened = Date.now();
    const steady: PowerSource = {
      name: 'steady-10w', kind: 'measured', describe: () => 'a 10 W counter advancing with wall time (test source)',
      read: async () => [{ source: 'steady-10w', device: 'test', timeMs: Date.now(), watts: 10, kind: 'measured', counterJoules: ((Date.now() - opened) / 1000) * 10 }],
      close: () => undefined,
    };
    outcome = await runExperiment(config, { runsDir: mkdtempSync(join(tmpdir(), 'eb-pipeline-')), detectPowerSources: async () => ({ sources: [steady], skipped: [] }) });
  });

  test('dense is trained once, with the L1 term, and the pipeline fine-tunes the pruned network', () => {
    const s = outcome.summary;
    assert.equal(outcome.status, 'completed');
    const events = readEventsFile(join(outcome.runDir, 'events.jsonl'));
    const phases = events.filter((e) => e.type === 'phase-start').map((e) => (e as { phase: string }).phase);
    // The dense baseline trains in turns with EB Train, so it starts among EB Train's phases.
    assert.deepEqual(phases.filter((p) => p !== 'dense'), ['search', 'surgery', 'retrain', 'prunePipeline']);
    assert.ok(phases.indexOf('dense') > 0 && phases.indexOf('dense') < phases.indexOf('prunePipeline'), phases.join(' '));
    assert.equal(s.methods.dense!.notes?.l1, 1e-3);
    const pipeline = s.methods.prunePipeline!;
    assert.equal(pipeline.epochs, 3 + 2, 'train 3 + fine-tune 2');
    assert.equal(events.filter((e) => e.type === 'epoch' && e.phase === 'prunePipeline').length, 2);
    assert.equal(pipeline.notes?.fineTuneEpochs, 2);
    assert.ok(pipeline.params < s.methods.dense!.params && pipeline.flops < s.methods.dense!.flops, 'the pipeline yields a pruned model');
    assert.ok(pipeline.testAccuracy > 0.3, `fine-tuned accuracy ${pipeline.testAccuracy}`);
  });

  test('the prune follows the global |γ| rule on the trained dense network', async () => {
    const dense = await loadModelFromDir(join(outcome.runDir, 'models', 'dense'));
    const mask = channelMask(await gammaLayers(dense), 0.5);
    const kept = mask.layers.reduce((n, l) => n + l.kept, 0);
    const total = mask.layers.reduce((n, l) => n + l.total, 0);
    dense.dispose();
    const pruned = await loadModelFromDir(join(outcome.runDir, 'models', 'prunePipeline'));
    const channels = (await gammaLayers(pruned)).reduce((n, l) => n + l.gamma.length, 0);
    pruned.dispose();
    assert.equal(channels, kept, `kept ${kept} of ${total} channels`);
    assert.ok(kept < total);
  });

  test('its energy includes the dense phase it reuses, and savings name their reference', () => {
    const energy = outcome.summary.energy!;
    const phases = energy.phases;
    assert.ok(phases.dense!.joules > 0 && phases.prunePipeline!.joules > 0);
    assert.ok(Math.abs(energy.methods.prunePipeline!.joules - (phases.dense!.joules + phases.prunePipeline!.joules)) < 1e-6);
    const savings = savingsAgainstReferences(energy.methods);
    assert.deepEqual(savings.map((x) => x.reference), ['dense', 'prunePipeline']);
    const vsPipeline = savings[1]!;
    assert.ok(Math.abs(vsPipeline.ratio - energy.methods.prunePipeline!.joules / energy.methods.ebTrain!.joules) < 1e-9);
    const text = formatSummary(outcome.summary);
    assert.match(text, /Standard pipeline/);
    assert.match(text, /energy saved against dense training/);
    assert.match(text, /energy saved against the standard pipeline/);
  });
});
