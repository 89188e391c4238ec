/**
 * The engine as the packaged app runs it: the esbuild bundle (electron/buildEngine.ts) started by
 * bin/earlybird.mjs and bin/earlybird-worker.mjs with EARLYBIRD_ENGINE=bundle, without tsx — an
 * import of any .ts file would fail with ERR_UNKNOWN_FILE_EXTENSION. The CLI trains, and a worker
 * runs a small experiment to the end.
 */
import assert from 'node:assert/strict';
import { execFile, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { buildEngineBundle, ENGINE_BUNDLE_DIR } from '../electron/buildEngine.ts';
import { parseConfig } from '../src/core/config.ts';
import { RunStore } from '../src/run/runStore.ts';
import type { FromWorker } from '../src/api/workerProtocol.ts';

const ROOT = resolve('.');
const env = { ...process.env, EARLYBIRD_ENGINE: 'bundle', NODE_OPTIONS: '' };
let runsDir: string;

before(async () => {
  const files = await buildEngineBundle();
  assert.ok(files.some((f) => f.endsWith('engine/cli.mjs')) && files.some((f) => f.endsWith('engine/worker.mjs')));
  assert.ok(existsSync(join(ENGINE_BUNDLE_DIR, 'engine.mjs')));
  runsDir = mkdtempSync(join(tmpdir(), 'eb-bundle-runs-'));
});
after(() => rmSync(runsDir, { recursive: true, force: true }));

describe('engine bundle (dist/engine)', () => {
  test('the CLI trains from the bundle with two data-parallel workers, without tsx', { timeout: 300_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(ROOT, 'bin', 'earlybird.mjs'), 'train', '--demo', '--backend', 'wasm', '--train-limit', '64', '--test-limit', '32', '--epochs', '1', '--workers', '2', '--json',
    ], { env, cwd: ROOT, maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { backend: string; status: string; epochs: number; workers: number };
    // Two data-parallel replicas: worker threads started from the bundle's replicaWorker.mjs.
    assert.equal(result.workers, 2);
    assert.equal(result.backend, 'wasm');
    assert.equal(result.status, 'completed');
    assert.equal(result.epochs, 1);
  });

  test('a worker started from the bundle runs an experiment to the end', { timeout: 600_000 }, async () => {
    const config = parseConfig({
      model: { name: 'tiny' }, backend: 'wasm', data: { spec: 'mnist', trainLimit: 128, testLimit: 64 },
      training: { epochs: 2, batchSize: 64 }, search: { queueLength: 2 }, comparisons: { dense: false },
    });
    const store = RunStore.create(runsDir, config);
    store.releaseLock(); // the worker takes it, as after experiment:start
    const child = fork(join(ROOT, 'bin', 'earlybird-worker.mjs'), [], { env, execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const messages: FromWorker[] = [];
    child.on('message', (m: FromWorker) => messages.push(m));
    child.send({ type: 'run', runDir: store.dir });
    await new Promise<void>((done) => child.once('exit', () => done()));
    const last = messages.filter((m) => m.type === 'done' || m.type === 'error');
    assert.deepEqual(last.map((m) => m.type), ['done'], `${JSON.stringify(last)}\n${stderr}`);
    assert.equal((last[0] as { status: string }).status, 'completed');
    assert.ok(messages.some((m) => m.type === 'event' && m.event.type === 'phase-end' && m.event.phase === 'retrain'));
    // The power-sampling thread started from the bundle's samplerWorker.mjs and opened a source.
    const sources = messages.find((m) => m.type === 'event' && m.event.type === 'energy-sources');
    assert.ok(sources && sources.type === 'event' && sources.event.type === 'energy-sources' && sources.event.sources.length > 0, JSON.stringify(sources));
  });
});
