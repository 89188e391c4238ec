/**
 * Configs are checked against this machine, not only against the schema: a data folder that is not
 * there, more data-parallel workers than usable cores, or a training step the backend cannot hold, is refused at validation
 * (API validate and start, the CLI) with the field named, before any run folder exists. And a
 * cancel always ends: an experiment worker that has not stopped within the grace period is killed
 * together with every process it started (here a stand-in `nvidia-smi` on the PATH that ignores
 * SIGPIPE), with as many data-parallel workers as the machine allows.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createEngine } from '../src/api/engine.ts';
import { ApiError, type ApiEvent } from '../src/api/contract.ts';
import { ExperimentSupervisor } from '../src/api/supervisor.ts';
import { parseConfig } from '../src/core/config.ts';
import { RunStore } from '../src/run/runStore.ts';
import { usableCores } from '../src/train/parallel/cores.ts';

const work = mkdtempSync(join(tmpdir(), 'eb-bounds-'));
after(() => rmSync(work, { recursive: true, force: true }));

const cores = usableCores();
const TOO_MANY_WORKERS = { model: { name: 'tiny' }, training: { epochs: 1, workers: cores + 1 } };
// 8-bit weights aside, vgg-s at width 8 on 32x32x3 images keeps ~1.4 M floats per image for backpropagation:
// a batch of 4096 needs over 20 GiB, far past the 4 GiB the wasm backend can address.
// The batches' names are all the data check looks at (nothing is read before a run): empty files will do.
const cifarDir = join(work, 'cifar10');
mkdirSync(cifarDir);
for (const name of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) writeFileSync(join(cifarDir, name), '');
const TOO_BIG = { backend: 'wasm', data: { spec: `cifar10:${cifarDir}` }, model: { name: 'vgg-s', width: 8 }, training: { epochs: 1, batchSize: 4096 } };
const NO_DATA = { model: { name: 'tiny' }, data: { spec: `idx:${join(work, 'no-such-folder')}` }, training: { epochs: 1 } };

describe('validation bounds that follow the machine', () => {
  const runsDir = join(work, 'runs');
  const engine = createEngine({ mode: 'browser', runsDir, emit: () => {} });

  test('experiment:validate names training.workers above the usable cores, and the memory a step needs', async () => {
    const workers = await engine.api['experiment:validate']({ config: TOO_MANY_WORKERS });
    assert.equal(workers.ok, false);
    const wi = !workers.ok ? workers.issues : [];
    assert.equal(wi[0]?.path, 'training.workers');
    assert.match(wi[0]!.message, new RegExp(`${cores + 1} data-parallel replicas, but this process may use ${cores} cores?.*use at most ${cores}`));

    const memory = await engine.api['experiment:validate']({ config: TOO_BIG });
    assert.equal(memory.ok, false);
    const mi = !memory.ok ? memory.issues : [];
    assert.equal(mi[0]?.path, 'training.batchSize');
    assert.match(mi[0]!.message, /vgg-s width 8 at batch size 4096 needs at least [\d.]+ GiB to train .* more than the 4 GiB the wasm backend can address; lower training.batchSize to \d+ or less/);

    const fine = await engine.api['experiment:validate']({ config: { model: { name: 'tiny' }, training: { workers: cores } } });
    assert.equal(fine.ok, true);
  });

  test('experiment:validate names data.spec when its folder is not on this machine, and what it should hold', async () => {
    const result = await engine.api['experiment:validate']({ config: NO_DATA });
    assert.equal(result.ok, false);
    const issues = !result.ok ? result.issues : [];
    assert.deepEqual(issues.map((i) => i.path), ['data.spec']);
    assert.match(issues[0]!.message, /no folder .*no-such-folder on the machine running earlybird; expected a folder with the four IDX files/);
    // The config itself is valid: it comes back, so a form can show it as loaded.
    assert.equal(!result.ok ? result.config?.data.spec : '', NO_DATA.data.spec);
  });

  test('experiment:start refuses all three before a run folder is made', async () => {
    for (const config of [TOO_MANY_WORKERS, TOO_BIG, NO_DATA]) {
      await assert.rejects(engine.api['experiment:start']({ config }), (e: unknown) => e instanceof ApiError && e.issues.length === 1 && e.status === 400);
    }
    assert.ok(!existsSync(runsDir) || readdirSync(runsDir).length === 0, 'no run folder');
  });

  test('experiment:resume of a run whose data folder is not there says so, instead of starting another attempt', async () => {
    const otherRuns = join(work, 'resume-runs');
    const other = createEngine({ mode: 'browser', runsDir: otherRuns, emit: () => {} });
    const store = RunStore.create(otherRuns, parseConfig(NO_DATA));
    store.releaseLock();
    await assert.rejects(other.api['experiment:resume']({ runId: store.id }), (e: unknown) =>
      e instanceof ApiError && e.status === 400 && e.issues.map((i) => i.path).join() === 'data.spec' && /would fail the same way: data\.spec: no folder/.test(e.message));
    assert.equal(other.supervisor.active().length, 0);
  });

  test('the CLI refuses in one line naming the field, before a run folder is made', () => {
    const configPath = join(work, 'workers.json');
    writeFileSync(configPath, JSON.stringify(TOO_MANY_WORKERS));
    const cliRuns = join(work, 'cli-runs');
    const run = spawnSync(process.execPath, ['bin/earlybird.mjs', 'run', configPath, '--runs', cliRuns], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^earlybird: training\.workers: \d+ data-parallel replicas, but this process may use/);
    assert.ok(!/^\s+at /m.test(run.stderr), 'no stack trace');
    assert.ok(!existsSync(cliRuns) || readdirSync(cliRuns).length === 0);
  });
});

describe('cancel ends the run within a bounded time', () => {
  test('a worker that does not stop within the grace is killed with its whole process tree', { timeout: 300_000 }, async () => {
    // A stand-in nvidia-smi: answers the inventory query, streams samples in loop mode, and (unlike
    // the real one) survives a closed pipe, so only a kill of the process group ends it.
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    const pids = join(work, 'smi-pids');
    writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/sh
case "$*" in
  *-lms*) trap '' PIPE; echo $$ >> "${pids}"
    while :; do printf '%s, 0, 70.00, 30\\n' "$(date '+%Y/%m/%d %H:%M:%S.000')" 2>/dev/null; sleep 0.2; done ;;
  *) echo "Stand-in GPU, 1024" ;;
esac
`);
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${savedPath}`;
    const runsDir = join(work, 'cancel-runs');
    const config = parseConfig({
      model: { name: 'lenet5-bn' }, data: { spec: 'mnist', trainLimit: 4096, testLimit: 200 },
      training: { epochs: 3, batchSize: 2048, workers: cores }, energy: { intervalMs: 200 },
    });
    const store = RunStore.create(runsDir, config);
    store.releaseLock();
    const events: ApiEvent[] = [];
    let training!: () => void;
    const started = new Promise<void>((resolve) => (training = resolve));
    const graceMs = 500;
    const supervisor = new ExperimentSupervisor({
      onEvent: (runId, event) => {
        events.push({ runId, event });
        if (event.type === 'phase-start') training();
      },
      cancelGraceMs: graceMs,
    });
    try {
      supervisor.start(store.id, store.dir);
      const workerPid = (supervisor as unknown as { workers: Map<string, { child: { pid: number } }> }).workers.get(store.id)!.child.pid;
      await started;
      const smiPids = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      assert.ok(smiPids.length >= 1 && smiPids.every((p) => alive(p)), 'the stand-in meter runs under the worker');
      const t0 = Date.now();
      await supervisor.cancel(store.id);
      // The bound: the grace, then the kill; allow a little for a busy machine to reap.
      const bound = graceMs + 5_000;
      while ([workerPid, ...smiPids].some(alive) && Date.now() - t0 < bound) await new Promise((r) => setTimeout(r, 50));
      const left = [workerPid, ...smiPids].filter(alive);
      assert.deepEqual(left, [], `processes of the run still alive ${Date.now() - t0} ms after cancel`);
      assert.ok(!groupAlive(workerPid), 'no live process left in the worker\'s process group');
      assert.ok(events.some((e) => e.event.type === 'run-end'), 'the run has an end');
    } finally {
      process.env.PATH = savedPath;
      for (const p of readFileSync(pids, 'utf8').trim().split('\n').map(Number)) if (alive(p)) process.kill(p, 'SIGKILL');
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie awaiting its parent's wait() has exited.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether any live (not zombie) process is in the process group `pgid`. */
function groupAlive(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}
