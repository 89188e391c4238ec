/**
 * src/run/ is the one place the run folder is named, read and interpreted: no module outside it
 * joins a run-folder file name by hand or walks a run's events to learn its state (the resume checks,
 * the supervisor and the report read the projection), and the projection gives the facts they need.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { RunEvent } from '../src/core/events.ts';
import { finishedPhase, lastLoggedEpoch, project } from '../src/core/project.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseConfig } from '../src/core/config.ts';
import { RunStore } from '../src/run/runStore.ts';
import { buildSummary } from '../src/run/summarise.ts';
import type { EnergyRecording } from '../src/energy/recording.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|cts)$/.test(name) ? [path] : [];
  });
}

/** Modules outside src/run/ (the engine, the CLI, the server, the API, Electron's main side). */
const OUTSIDE = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'electron'))]
  .map((p) => relative(ROOT, p))
  .filter((p) => !p.startsWith('src/run/') && p !== 'src/core/project.ts' && !p.includes('test-support'));

const RUN_FILES = /'(config\.json|events\.jsonl|summary\.json|metrics\.csv|run\.lock|report\.pdf|checkpoints|masks|models|export)'/;
const RUN_EVENT_TYPES = 'run-start|run-end|phase-start|phase-end|epoch|data|model|mask-distance|eb-found|layer-mask|warning|quantization|progress|energy[a-z.-]*';
const EVENT_TEST = new RegExp(`\\.type\\s*[!=]==?\\s*'(${RUN_EVENT_TYPES})'`, 'g');

/**
 * Where an event's type is still tested outside src/run/, and why that is not a reading of the run:
 * the meter replays its own energy events (src/energy/, the energy owner's area); the others only
 * choose which live events to keep or print.
 */
const ALLOWED_EVENT_TESTS: Record<string, string[]> = {
  'src/energy/meter.ts': ['energy.phase'],
  'src/api/engine.ts': ['progress'],
  'src/api/supervisor.ts': ['progress'],
  'src/cli/sweepCommand.ts': ['eb-found', 'run-end'],
};

test('no module outside src/run/ joins a run-folder file name by hand', () => {
  const offenders = OUTSIDE.flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8').split('\n').flatMap((line, i) => (RUN_FILES.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])));
  assert.deepEqual(offenders, [], 'use the functions of src/run/paths.ts');
});

test('the summary builder reads the run through the projection, not by walking its events', () => {
  const text = readFileSync(join(ROOT, 'src/run/summarise.ts'), 'utf8');
  assert.deepEqual([...text.matchAll(EVENT_TEST)].map((m) => m[0]), []);
  assert.doesNotMatch(text, /events\.(find|filter|some)\(|for \(const e of events\)/);
});

test('no module outside src/run/ walks a run\'s events to learn its state', () => {
  const offenders: string[] = [];
  for (const file of OUTSIDE) {
    const allowed = ALLOWED_EVENT_TESTS[file] ?? [];
    readFileSync(join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
      for (const match of line.matchAll(EVENT_TEST)) if (!allowed.includes(match[1]!)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, [], 'read the run through project(events) in src/core/project.ts');
});

const T = 1_700_000_000_000;
const start = (time: number, resumed: boolean, configHash?: string): RunEvent => ({
  type: 'run-start', time, runId: 'r', resumed, backend: 'wasm', backendDescription: 'wasm', skippedBackends: [], ...(configHash !== undefined ? { configHash } : {}),
});
const phaseStart = (time: number, phase: string, startEpoch = 0): RunEvent => ({ type: 'phase-start', time, phase, plannedEpochs: 4, startEpoch, endEpoch: 4 } as RunEvent);
const epoch = (time: number, phase: string, n: number): RunEvent => ({
  type: 'epoch', time, phase, logs: { epoch: n, learningRate: 0.1, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, seconds: 2, imagesPerSecond: 100 },
} as RunEvent);
const phaseEnd = (time: number, phase: string, status: 'completed' | 'stopped' | 'cancelled', epochs: number): RunEvent =>
  ({ type: 'phase-end', time, phase, status, seconds: epochs * 2, epochs } as RunEvent);

test('the projection gives the resume checks their facts: config hash, finished phases, last logged epoch', () => {
  const events: RunEvent[] = [
    start(T, false), // a run from before config hashes: the first one that records a hash is the run's
    start(T + 1, true, 'aaaa'),
    phaseStart(T + 2, 'search'), epoch(T + 3, 'search', 0), epoch(T + 4, 'search', 1),
    phaseEnd(T + 5, 'search', 'stopped', 2),
    phaseStart(T + 6, 'retrain', 2), epoch(T + 7, 'retrain', 2), phaseEnd(T + 8, 'retrain', 'cancelled', 1),
    { type: 'run-end', time: T + 9, status: 'cancelled' },
    start(T + 10, true, 'bbbb'),
    // Killed between a checkpoint and its epoch event, then resumed: the epoch is logged again, out of order.
    phaseStart(T + 11, 'retrain', 3), epoch(T + 12, 'retrain', 3), epoch(T + 13, 'retrain', 2),
    phaseStart(T + 14, 'dense'), epoch(T + 15, 'dense', 0),
    { type: 'run-end', time: T + 16, status: 'failed', error: 'killed' },
  ];
  const state = project(events);
  assert.equal(state.configHash, 'aaaa');
  assert.equal(state.lastRunEnd?.status, 'failed');
  assert.equal(state.startedAt, T);

  const search = finishedPhase(state, 'search');
  assert.equal(search?.status, 'stopped'); // stopped at the ticket: finished, never repeated
  assert.equal(search?.epochsTrained, 2);
  assert.equal(search?.seconds, 4);
  assert.equal(finishedPhase(state, 'retrain'), null, 'cancelled, then started again and cut off');
  assert.equal(finishedPhase(state, 'dense'), null, 'closed by the run-end, no phase-end of its own');
  assert.equal(finishedPhase(state, 'scratchE'), null);

  assert.equal(lastLoggedEpoch(state, 'search'), 1);
  assert.equal(lastLoggedEpoch(state, 'retrain'), 3);
  assert.equal(lastLoggedEpoch(state, 'dense'), 0);
  assert.equal(lastLoggedEpoch(state, 'ebReinit'), null);

  const completed = project([
    ...events, start(T + 17, true, 'aaaa'), phaseStart(T + 18, 'dense'), epoch(T + 19, 'dense', 1), phaseEnd(T + 20, 'dense', 'completed', 4),
    { type: 'run-end', time: T + 21, status: 'completed' },
  ]);
  assert.equal(finishedPhase(completed, 'dense')?.epochsTrained, 4);
  assert.equal(completed.lastRunEnd?.status, 'completed');
  assert.equal(completed.configHash, 'aaaa', 'later attempts never replace the hash the run was created with');
});

test('a resumed run\'s summary counts the retrain\'s work on the slim network (the resume logs the dense model again)', () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'eb-boundary-'));
  try {
    const config = parseConfig({ model: { name: 'tiny' }, training: { epochs: 4 } });
    const store = RunStore.create(runsDir, config);
    store.releaseLock();
    const data: RunEvent = { type: 'data', time: T, name: 'mnist', source: 'embedded', train: 100, validation: 10, test: 50, shape: [28, 28, 1], numClasses: 10 };
    const dense: RunEvent = { type: 'model', time: T, method: 'dense', params: 1000, flops: 2000 };
    const result = { method: 'ebTrain', testAccuracy: 0.9, params: 500, flops: 700, epochs: 4, seconds: 8, modelDir: 'models/ebTrain' };
    const events: RunEvent[] = [
      start(T, false, 'h'), data, dense,
      phaseStart(T + 1, 'search'), epoch(T + 2, 'search', 0), epoch(T + 3, 'search', 1), phaseEnd(T + 4, 'search', 'stopped', 2),
      phaseStart(T + 5, 'surgery', 1), { type: 'model', time: T + 6, method: 'ebTrain', params: 500, flops: 700, channels: {} } as RunEvent,
      { type: 'phase-end', time: T + 7, phase: 'surgery', status: 'completed', seconds: 1, epochs: 0 } as RunEvent,
      phaseStart(T + 8, 'retrain', 2), epoch(T + 9, 'retrain', 2), { type: 'run-end', time: T + 10, status: 'failed', error: 'killed' },
      // The resumed attempt logs its data and dense model again before the retrain goes on.
      start(T + 11, true, 'h'), data, dense,
      phaseStart(T + 12, 'retrain', 3), epoch(T + 13, 'retrain', 3),
      { type: 'phase-end', time: T + 14, phase: 'retrain', status: 'completed', seconds: 4, epochs: 2, result } as RunEvent,
    ];
    for (const e of events) store.append(e);
    const recording: EnergyRecording = { totals: {}, overheadPercent: 0, sources: [], skipped: [] };
    const summary = buildSummary({
      store, config, status: 'completed', createdAt: T, backend: { tfBackend: 'cpu', description: 'cpu', skipped: [] } as never,
      hardware: null, recording, seconds: 10, denseStats: null,
    });
    const retrain = summary.compute?.phases.retrain;
    assert.ok(retrain, 'the retrain is counted');
    assert.equal(retrain.network, 'slim');
    assert.equal(retrain.forwardFlopsPerImage, 700);
    assert.equal(retrain.trainImages, 2 * 100, 'both retrain epochs, one per attempt');
    assert.equal(retrain.evalImages, 2 * 10 + 50, 'their validations and the test evaluation');
    assert.equal(summary.compute?.phases.search?.trainImages, 2 * 100);
    assert.equal(summary.model.flops, 2000);
    assert.equal(summary.data.train, 100);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});
