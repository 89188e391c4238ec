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
import type { RunEvent } from '../src/run/events.ts';
import { finishedPhase, lastLoggedEpoch, project } from '../src/run/project.ts';

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
  .filter((p) => !p.startsWith('src/run/') && !p.includes('test-support'));

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

test('no module outside src/run/ walks a run\'s events to learn its state', () => {
  const offenders: string[] = [];
  for (const file of OUTSIDE) {
    const allowed = ALLOWED_EVENT_TESTS[file] ?? [];
    readFileSync(join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
      for (const match of line.matchAll(EVENT_TEST)) if (!allowed.includes(match[1]!)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, [], 'read the run through project(events) in src/run/project.ts');
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
