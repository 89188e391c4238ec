/**
 * Adding a method is one row in the methods table and one runner: this registers a throw-away
 * method ("Probe method", one training epoch of the ticket's slim architecture through the shared
 * training phase) and sees it, with no other file touched, in every place a method shows up: the
 * run's phases, progress and epoch events, the summary and its energy, the CLI's tables, the PDF
 * report (text by pdftotext), and the modules the app draws from (its phase steps, whole-experiment
 * ETA, the projection its charts read, and the labels and colours its charts and steps take). It also guards the table itself: built-in labels and colours are
 * one each, and a method or phase key cannot be registered twice.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatSummary } from '../src/cli/formatSummary.ts';
import { parseConfig } from '../src/core/config.ts';
import type { Phase, RunEvent } from '../src/core/events.ts';
import { methodColor, methodLabel, methodRows, phaseColor, phaseLabel, phaseRows, phaseShortLabel, plannedPhases, registerMethodRow } from '../src/core/methods.ts';
import { buildRunView } from '../src/core/project.ts';
import type { PowerSource } from '../src/energy/index.ts';
import { buildModel } from '../src/models/index.ts';
import { registerMethod } from '../src/experiment/methods/index.ts';
import { surgeryOf, trainMethod } from '../src/experiment/methods/context.ts';
import { runExperiment, type RunOutcome } from '../src/experiment/runner.ts';
import { generateReport } from '../src/report/index.ts';
import { readEventsFile } from '../src/run/runStore.ts';
import { plannedPhases as appPhases } from '../renderer/src/components/runProgress.ts';
import { experimentEtaSeconds } from '../renderer/src/state/experimentEta.ts';
import type { RunRecord } from '../renderer/src/state/runRecords.ts';

const PROBE = 'probe' as Phase;
const LABEL = 'Probe method';
const COLOR = '#123456';
const HAS_POPPLER = spawnSync('pdftotext', ['-v']).status === 0;

describe('a method registered from outside the engine', () => {
  let outcome: RunOutcome;
  let events: RunEvent[];
  let unregister: () => void;

  before(async () => {
    ({ unregister } = registerMethod({
      key: 'probe', label: LABEL, shortLabel: 'probe', color: COLOR,
      phases: [{ key: 'probe', network: 'slim', plannedEpochs: () => 1 }],
      // Asked for by the config's name, so the app's plan can be compared with and without it.
      wanted: (config) => config.name?.includes('probe') === true,
    }, async (ctx) => {
      const surgery = surgeryOf(ctx, 'probe');
      const spec = { ...surgery.slimSpec, seed: surgery.slimSpec.seed + 77 };
      return trainMethod(ctx, { phase: PROBE, method: 'probe' as never, spec, model: buildModel(spec), plannedEpochs: 1, startEpoch: 0, endEpoch: 1 });
    }));
    const config = parseConfig({
      name: 'with the probe', seed: 5, model: { name: 'tiny' }, data: { spec: 'mnist', trainLimit: 400, testLimit: 200 },
      training: { epochs: 2, batchSize: 64, learningRate: 0.05 }, search: { queueLength: 2, epsilon: 0.2 },
      comparisons: { dense: false }, energy: { intervalMs: 200 },
    });
    // A steady 10 W counter: every phase, the probe's included, gets energy however busy the machine is.
    const opened = Date.now();
    const steady: PowerSource = {
      name: 'steady-10w', kind: 'measured', describe: () => 'a 10 W counter advancing with wall time (test source)',
      read: async () => [{ source: 'steady-10w', device: 'test', timeMs: Date.now(), watts: 10, kind: 'measured', counterJoules: ((Date.now() - opened) / 1000) * 10 }],
      close: () => undefined,
    };
    outcome = await runExperiment(config, { runsDir: mkdtempSync(join(tmpdir(), 'eb-probe-')), detectPowerSources: async () => ({ sources: [steady], skipped: [] }) });
    events = readEventsFile(join(outcome.runDir, 'events.jsonl'));
  });
  after(() => unregister?.());

  test('the runner runs it after the built-in methods, with progress and epoch events from the phase trainer', () => {
    assert.equal(outcome.status, 'completed');
    const phases = events.filter((e) => e.type === 'phase-start').map((e) => (e as { phase: string }).phase);
    assert.deepEqual(phases, ['search', 'surgery', 'retrain', 'probe']);
    assert.equal(events.filter((e) => e.type === 'epoch' && e.phase === PROBE).length, 1);
    assert.ok(events.some((e) => e.type === 'progress' && e.phase === PROBE), 'progress events for the probe');
  });

  test('the summary has its result and its energy', () => {
    const result = outcome.summary.methods['probe' as never] as { testAccuracy: number; epochs: number } | undefined;
    assert.ok(result, 'summary.methods.probe');
    assert.equal(result.epochs, 1);
    assert.ok(result.testAccuracy > 0);
    assert.ok((outcome.summary.energy?.methods['probe' as never] as { joules: number } | undefined)?.joules! > 0, 'summary.energy.methods.probe');
  });

  test('the CLI names it in its method table', () => {
    const text = formatSummary(outcome.summary);
    assert.match(text, new RegExp(`^${LABEL}\\s+\\d+\\.\\d\\d %`, 'm'));
  });

  test('the PDF report names it', { skip: !HAS_POPPLER && 'pdftotext missing: apt-get install -y poppler-utils' }, async () => {
    const { pdfPath: pdf } = await generateReport(outcome.runDir);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    assert.ok(text.includes(LABEL), `${LABEL} in the PDF text`);
  });

  test('the app plans it in the phase steps and the whole-experiment ETA, and draws it in its colour', () => {
    const firstEpoch = events.findIndex((e) => e.type === 'epoch' && e.phase === 'search');
    const view = buildRunView(outcome.runId, events.slice(0, firstEpoch + 1));
    const record = (config: object): RunRecord => ({ runId: outcome.runId, view, config: config as RunRecord['config'], summary: null, active: true, loaded: true } as RunRecord);
    const withProbe = record(outcome.summary.config);
    const withoutProbe = record({ ...outcome.summary.config, name: 'without' });
    assert.deepEqual(appPhases(withProbe), ['search', 'surgery', 'retrain', 'probe']);
    assert.deepEqual(appPhases(withoutProbe), ['search', 'surgery', 'retrain']);
    // One more slim epoch, timed as a search epoch until the retrain has one.
    const searchSeconds = (view.epochs.search ?? []).reduce((s, l) => s + l.seconds, 0) / (view.epochs.search ?? []).length;
    const extra = experimentEtaSeconds(withProbe, appPhases(withProbe))! - experimentEtaSeconds(withoutProbe, appPhases(withoutProbe))!;
    assert.ok(Math.abs(extra - searchSeconds) < 1e-6, `${extra} s vs one epoch of ${searchSeconds} s`);
    // The charts and steps name and colour a phase through these (the chart modules need a DOM).
    assert.equal(phaseColor('probe'), COLOR);
    assert.equal(phaseLabel('probe'), LABEL);
    assert.equal(phaseShortLabel('probe'), 'probe');
    assert.deepEqual(buildRunView(outcome.runId, events).epochs.probe?.length, 1, 'the epoch the accuracy chart draws');
  });
});

test('the table writes each label and colour once, and refuses a key twice', () => {
  const labels = methodRows().map((m) => m.label);
  assert.equal(new Set(labels).size, labels.length, `labels: ${labels.join(', ')}`);
  const colors = methodRows().map((m) => m.color);
  assert.equal(new Set(colors).size, colors.length, `colours: ${colors.join(', ')}`);
  const phaseKeys = phaseRows().map((p) => p.key);
  assert.equal(new Set(phaseKeys).size, phaseKeys.length);
  assert.equal(methodLabel('scratchB'), 'Scratch-B');
  assert.equal(methodColor('unknown', 1), methodColor('unknown', 1 + 11), 'unknown keys cycle through the palette');
  assert.throws(() => registerMethodRow({ key: 'dense', label: 'x', shortLabel: 'x', color: '#000000', phases: [], wanted: () => false }), /already in the table/);
  assert.throws(() => registerMethodRow({ key: 'other', label: 'x', shortLabel: 'x', color: '#000000', phases: [{ key: 'search', network: 'dense', plannedEpochs: () => 1 }], wanted: () => false }), /phase search already belongs/);
});

test('the plan budgets Scratch-B like the runner: epochs × dense / slim FLOPs, at most 4×, the cap before the surgery', () => {
  const config = parseConfig({ model: { name: 'tiny' }, training: { epochs: 10 }, comparisons: { scratchB: true, prunePipeline: { enabled: true, fineTuneEpochs: 3 } } });
  const epochsOf = (facts: object) => Object.fromEntries(plannedPhases(config, facts).map((p) => [p.phase, p.epochs]));
  assert.equal(epochsOf({ denseFlops: 1000, slimFlops: 400 }).scratchB, 25);
  assert.equal(epochsOf({ denseFlops: 1000, slimFlops: 100 }).scratchB, 40);
  assert.equal(epochsOf({}).scratchB, 40);
  assert.equal(epochsOf({ ebEpoch: 3 }).retrain, 6);
  assert.equal(epochsOf({}).prunePipeline, 3);
  assert.deepEqual(plannedPhases(config).map((p) => p.phase), ['search', 'surgery', 'retrain', 'dense', 'prunePipeline', 'scratchB']);
});
