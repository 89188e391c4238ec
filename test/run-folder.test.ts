/**
 * The run folder under attack and under clumsy hands, with real parts: a second process holding the
 * lock, a FIFO, symlinks out of the runs folder, a 600 MiB sparse events.jsonl, a torn log, damaged
 * checkpoints. Each must give a clear refusal (naming the file) or a correct result, and lose nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, ftruncateSync, appendFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../src/api/engine.ts';
import { ApiError } from '../src/api/contract.ts';
import { parseConfig, type ExperimentConfig } from '../src/core/config.ts';
import { readOptimizerState } from '../src/experiment/checkpoint.ts';
import { resumeExperiment, runExperiment } from '../src/experiment/runner.ts';
import { configHash } from '../src/run/configHash.ts';
import { readEventLog } from '../src/run/eventLog.ts';
import type { RunEvent } from '../src/core/events.ts';
import { acquireRunLock, inspectLock, lockRefusal } from '../src/run/lock.ts';
import { lockPath, runMarkerPath } from '../src/run/paths.ts';
import { deleteRun, listRuns, RunStore } from '../src/run/runStore.ts';
import { readRegularFile } from '../src/run/safeRead.ts';

const CONFIG: ExperimentConfig = parseConfig({
  seed: 4,
  model: { name: 'tiny' },
  data: { spec: 'mnist', trainLimit: 256, testLimit: 128 },
  training: { epochs: 3, batchSize: 64 },
  search: { queueLength: 2 },
  comparisons: { dense: false },
  energy: { intervalMs: 200 },
});

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'eb-runfolder-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A run folder as the runner leaves it after run-start: config.json, metrics header, one event. */
function makeRun(runsDir: string, extra: object[] = []): RunStore {
  const store = RunStore.create(runsDir, CONFIG);
  store.releaseLock();
  const start = { type: 'run-start', time: Date.now(), runId: store.id, resumed: false, configHash: configHash(CONFIG), backend: 'wasm', backendDescription: 'wasm', skippedBackends: [] };
  for (const event of [start, ...extra]) store.append(event as RunEvent);
  return store;
}

/** Spawns a real process that takes the run's lock; resolves once it holds it. */
async function holdLock(runDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/holdRunLock.ts', runDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before locking`)));
  });
  return child;
}

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('the call was accepted');
}

describe('one writer per run', () => {
  test('a run locked by another live process is refused by resume, delete, the API and the CLI; its lock goes stale when it dies', async () => {
    const runsDir = join(scratch, 'locked');
    const store = makeRun(runsDir);
    const holder = await holdLock(store.dir);
    try {
      const pid = holder.pid!;
      const lock = inspectLock(store.dir);
      assert.equal(lock.state, 'held');
      assert.equal(lock.state === 'held' && lock.holder.pid, pid);

      await assert.rejects(resumeExperiment(store.dir, CONFIG), new RegExp(`cannot resume .*being written by pid ${pid} on ${hostname()}`));
      await assert.rejects(deleteRun(runsDir, store.id), new RegExp(`cannot delete .*pid ${pid}`));

      const engine = createEngine({ mode: 'browser', runsDir, emit() {} });
      const resume = await apiError(engine.api['experiment:resume']({ runId: store.id }));
      assert.equal(resume.status, 409);
      assert.match(resume.message, new RegExp(`pid ${pid}`));
      const remove = await apiError(engine.api['runs:delete']({ runId: store.id }));
      assert.equal(remove.status, 409);
      const listed = (await engine.api['runs:list']({})).runs.find((r) => r.runId === store.id)!;
      assert.match(listed.lockedBy ?? '', new RegExp(`pid ${pid}`));

      let cliError = '';
      try {
        execFileSync(process.execPath, ['bin/earlybird.mjs', 'run', '--resume', store.dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        cliError = String((error as { stderr: string }).stderr);
      }
      assert.match(cliError, new RegExp(`cannot resume .*being written by pid ${pid}`));

      // Nothing was written by the refused writers.
      const log = await readEventLog(store.eventsPath);
      assert.deepEqual(log.events.map((e) => e.type), ['run-start']);
      assert.ok(existsSync(store.dir));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // The holder died without releasing: the lock is stale, named, and taken over.
    const stale = inspectLock(store.dir);
    assert.equal(stale.state, 'stale');
    assert.match(stale.state === 'stale' ? stale.why : '', new RegExp(`stale lock .*run\\.lock: pid ${holder.pid} on ${hostname()}.*that process is gone`));
    assert.equal(lockRefusal(store.dir, 'resume'), null);
    const mine = acquireRunLock(store.dir, 'resume');
    assert.match(mine.tookOver ?? '', new RegExp(`pid ${holder.pid}`));
    assert.equal(JSON.parse(readFileSync(lockPath(store.dir), 'utf8')).pid, process.pid);
    mine.release();
    assert.ok(!existsSync(lockPath(store.dir)));
  });

  test('a lock whose pid now belongs to a later process (pid reuse) is stale', { skip: process.platform !== 'linux' }, () => {
    const dir = join(scratch, 'reused');
    mkdirSync(dir);
    // This test process is alive, but it started long after 2001: the pid in the lock was reused.
    writeFileSync(lockPath(dir), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2001-01-01T00:00:00.000Z', purpose: 'run' }));
    const lock = inspectLock(dir);
    assert.equal(lock.state, 'stale');
    assert.match(lock.state === 'stale' ? lock.why : '', new RegExp(`pid ${process.pid} now belongs to a process started later`));
    // The live lock of this very process is not mistaken for a reused one.
    rmSync(lockPath(dir));
    const mine = acquireRunLock(dir, 'run');
    assert.equal(inspectLock(dir).state, 'held');
    mine.release();
  });
});

describe('delete only runs', () => {
  test('a folder that merely holds a config.json, a symlink out of the runs folder, or the runs folder itself is never deleted', async () => {
    const project = join(scratch, 'projects');
    const myproject = join(project, 'myproject');
    mkdirSync(join(myproject, 'src'), { recursive: true });
    writeFileSync(join(myproject, 'config.json'), '{"name":"not a run"}');
    writeFileSync(join(myproject, 'src', 'precious.ts'), 'keep me');
    const elsewhere = makeRun(join(scratch, 'elsewhere'));
    symlinkSync(elsewhere.dir, join(project, 'linked'));

    const engine = createEngine({ mode: 'browser', runsDir: join(scratch, 'default-runs'), emit() {} });
    await engine.api['settings:set']({ settings: { runsDir: project } });
    const notRun = await apiError(engine.api['runs:delete']({ runId: 'myproject' }));
    assert.match(notRun.message, /not deleted: .*events\.jsonl.*not an earlybird run/);
    assert.equal(readFileSync(join(myproject, 'src', 'precious.ts'), 'utf8'), 'keep me');
    const link = await apiError(engine.api['runs:delete']({ runId: 'linked' }));
    assert.match(link.message, /symbolic link/);
    assert.ok(existsSync(join(elsewhere.dir, 'config.json')));

    // A real run is deleted; a symlink inside it is removed, its target kept.
    const real = makeRun(project);
    const outside = join(scratch, 'outside.txt');
    writeFileSync(outside, 'outside');
    symlinkSync(outside, join(real.dir, 'escape'));
    assert.deepEqual(await engine.api['runs:delete']({ runId: real.id }), { deleted: true });
    assert.ok(!existsSync(real.dir));
    assert.equal(readFileSync(outside, 'utf8'), 'outside');
  });

  test('a run that failed before its run-start (no backend) is listed as failed and can be deleted; a forged marker is not enough', async () => {
    const runsDir = join(scratch, 'failed-early');
    // tfjs-node-gpu is not a dependency: the backend cannot start, so the run fails before run-start.
    await assert.rejects(runExperiment({ ...CONFIG, backend: 'tensorflow-gpu' }, { runsDir }), /backend: could not start tensorflow-gpu/);
    const [run] = await listRuns(runsDir);
    assert.ok(run, 'the failed run is listed');
    assert.equal(run.status, 'failed');
    const first = JSON.parse(readFileSync(join(run.dir, 'events.jsonl'), 'utf8').split('\n')[0]!) as RunEvent;
    assert.equal(first.type, 'run-end', 'its log starts with its run-end: there was never a run-start');
    const marker = JSON.parse(readFileSync(runMarkerPath(run.dir), 'utf8'));
    assert.deepEqual({ ...marker, createdAt: typeof marker.createdAt }, { kind: 'earlybird-run', runId: run.runId, createdAt: 'string', configHash: configHash({ ...CONFIG, backend: 'tensorflow-gpu' }) });

    // Folders that copy the look of such a run, but not made for this id by the engine, stay.
    const forge = (name: string, markerRunId: string) => {
      const dir = join(runsDir, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), '{}');
      writeFileSync(join(dir, 'events.jsonl'), `${JSON.stringify({ type: 'run-end', time: 1, status: 'failed', error: 'x' })}\n`);
      writeFileSync(join(dir, 'keep.txt'), 'keep');
      writeFileSync(runMarkerPath(dir), JSON.stringify({ ...marker, runId: markerRunId }));
      return dir;
    };
    const otherId = forge('copied', run.runId); // a marker copied from another run names that run
    const linked = forge('linked-marker', 'linked-marker');
    rmSync(runMarkerPath(linked));
    symlinkSync(runMarkerPath(run.dir), runMarkerPath(linked)); // a link to a real marker is not read
    const engine = createEngine({ mode: 'browser', runsDir, emit() {} });
    for (const dir of [otherId, linked]) {
      const refused = await apiError(engine.api['runs:delete']({ runId: basename(dir) }));
      assert.match(refused.message, /not deleted: .*does not start with this run's run-start event and it has no earlybird-run\.json naming it/);
      assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'keep');
    }

    assert.deepEqual(await engine.api['runs:delete']({ runId: run.runId }), { deleted: true });
    assert.ok(!existsSync(run.dir));
  });

  test('runsDir expands ~ and must be a directory, and the API says so', async () => {
    const home = join(scratch, 'home');
    mkdirSync(home);
    const previousHome = process.env.HOME;
    process.env.HOME = home;
    try {
      const engine = createEngine({ mode: 'browser', runsDir: join(scratch, 'r0'), emit() {} });
      const set = await engine.api['settings:set']({ settings: { runsDir: '~/eb-runs' } });
      assert.equal(set.runsDir, join(home, 'eb-runs'));
      assert.ok(existsSync(join(home, 'eb-runs')));
      assert.ok(!existsSync(join(process.cwd(), '~')));
      const file = join(scratch, 'a-file');
      writeFileSync(file, 'x');
      const refused = await apiError(engine.api['settings:set']({ settings: { runsDir: file } }));
      assert.match(refused.message, new RegExp(`runs folder ${file}: exists and is not a directory`));
      assert.equal((await engine.api['settings:get']({})).runsDir, join(home, 'eb-runs'));
    } finally {
      process.env.HOME = previousHome;
    }
  });
});

describe('reads that cannot hang or explode', () => {
  test('a FIFO named config.json, events.jsonl -> /dev/zero and a 600 MiB sparse events.jsonl never break the list', async () => {
    const runsDir = join(scratch, 'hostile');
    const good = makeRun(runsDir);

    const fifoRun = join(runsDir, 'fifo-run');
    mkdirSync(fifoRun);
    execFileSync('mkfifo', [join(fifoRun, 'config.json')]);

    const zeroRun = makeRun(runsDir);
    rmSync(zeroRun.eventsPath);
    symlinkSync('/dev/zero', zeroRun.eventsPath);

    const bigRun = makeRun(runsDir);
    const fd = openSync(bigRun.eventsPath, 'r+');
    ftruncateSync(fd, 600 * 1024 * 1024); // sparse: 600 MiB of zeros after the run-start line, no newline
    closeSync(fd);

    const engine = createEngine({ mode: 'browser', runsDir, emit() {} });
    const runs = (await engine.api['runs:list']({})).runs;
    const byId = new Map(runs.map((r) => [r.runId, r]));
    // The FIFO holds no regular config.json: not a run, skipped without waiting on it.
    assert.ok(!byId.has('fifo-run'));
    assert.equal(byId.get(good.id)!.status, 'incomplete');
    assert.equal(byId.get(zeroRun.id)!.status, 'unreadable');
    assert.match(byId.get(zeroRun.id)!.problem ?? '', /events\.jsonl: is a symbolic link/);
    // The big log is streamed: its run-start is read, the 600 MiB line of zeros skipped.
    assert.equal(byId.get(bigRun.id)!.status, 'incomplete');
    assert.ok(byId.get(bigRun.id)!.createdAt);

    const get = await apiError(engine.api['runs:get']({ runId: zeroRun.id }));
    assert.match(get.message, /events\.jsonl: is a symbolic link/);

    // A FIFO where a run's own file should be is refused at once, named.
    const fifoSummary = makeRun(runsDir);
    execFileSync('mkfifo', [join(fifoSummary.dir, 'summary.json')]);
    await assert.rejects(readRegularFile(join(fifoSummary.dir, 'summary.json'), 1024), /summary\.json: is a FIFO, not a regular file/);
    const listed = (await engine.api['runs:list']({})).runs.find((r) => r.runId === fifoSummary.id)!;
    assert.match(listed.problem ?? '', /summary\.json: is a FIFO/);

    // Size caps name the file and the cap.
    const capped = join(scratch, 'capped.json');
    writeFileSync(capped, 'x'.repeat(3000));
    await assert.rejects(readRegularFile(capped, 2048), /capped\.json: 0\.00 MiB is over the 0\.00 MiB cap|capped\.json: .* is over the .* cap for this file/);
  });
});

describe('resume that tells the truth', () => {
  test('a torn tail is closed, missing and impossible checkpoints are one line naming the file, one run-end per attempt', async () => {
    const runsDir = join(scratch, 'resume');
    const epoch = (n: number) => ({ type: 'epoch', time: Date.now(), phase: 'search', logs: { epoch: n, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, learningRate: 0.1, seconds: 1, imagesPerSecond: 100 } });
    const store = makeRun(runsDir, [epoch(0)]);
    appendFileSync(store.eventsPath, '{"type":"epoch","time":17'); // torn: the writer died mid-line

    await assert.rejects(resumeExperiment(store.dir, CONFIG), /cannot resume search: events\.jsonl records its epochs up to 1, but .*checkpoints\/search\/checkpoint\.json is missing/);
    const text = readFileSync(store.eventsPath, 'utf8');
    assert.ok(text.includes('{"type":"epoch","time":17\n'), 'the torn bytes are kept, closed by a newline');
    const log = await readEventLog(store.eventsPath);
    assert.equal(log.lastLineTorn, false);
    const types = log.events.map((e) => e.type);
    assert.equal(types.filter((t) => t === 'run-start').length, 2, 'the resumed run-start is not swallowed');
    assert.equal(types.filter((t) => t === 'run-end').length, 1);
    assert.ok(log.events.some((e) => e.type === 'warning' && /stopped mid-line/.test(e.message)));

    // A checkpoint claiming epoch 1e6 is not believed.
    mkdirSync(join(store.dir, 'checkpoints', 'search'), { recursive: true });
    writeFileSync(join(store.dir, 'checkpoints', 'search', 'checkpoint.json'), JSON.stringify({ phase: 'search', epoch: 1e6, spec: {}, history: [] }));
    await assert.rejects(resumeExperiment(store.dir, CONFIG), /checkpoint\.json holds search epoch 1000001, but the run log expects epoch 1 \(the last one events\.jsonl records for search\)/);
    const ends = (await readEventLog(store.eventsPath)).events.filter((e) => e.type === 'run-end');
    assert.equal(ends.length, 2, 'one run-end per attempt');
    assert.ok(!existsSync(lockPath(store.dir)), 'the lock is released after a failed attempt');

    // A changed config.json is refused before anything is written.
    const before = readFileSync(store.eventsPath, 'utf8');
    await assert.rejects(resumeExperiment(store.dir, { ...CONFIG, seed: 5 }), /config\.json changed since the run started/);
    assert.equal(readFileSync(store.eventsPath, 'utf8'), before);
  });

  test('a damaged optimizer file is one line naming it', () => {
    const dir = join(scratch, 'ckpt');
    mkdirSync(dir);
    writeFileSync(join(dir, 'optimizer.json'), JSON.stringify({ kind: 'sgd', step: 3, slots: [{ key: 'a', shape: [2], offset: 0, length: 2 }] }));
    writeFileSync(join(dir, 'optimizer.bin'), Buffer.alloc(7));
    assert.throws(() => readOptimizerState(dir), (error: Error) => {
      assert.equal(error.name, 'RunError');
      assert.match(error.message, /^checkpoint file .*optimizer\.bin is damaged: 7 bytes where optimizer\.json's slots need 8 \(2 float32 values\)$/);
      return true;
    });
  });
});

describe('small ones', () => {
  test('pruneRatio 0.1 + 0.2 is matched the same way by the config and the detector', async () => {
    const { EarlyBirdDetector } = await import('../src/prune/earlyBirdDetector.ts');
    const config = parseConfig({ model: { name: 'tiny' }, search: { ratios: [0.3, 0.5], pruneRatio: 0.1 + 0.2 } });
    assert.equal(config.search.pruneRatio, 0.3, 'normalised to the tracked ratio');
    const detector = new EarlyBirdDetector({ ratios: [0.3, 0.5] });
    assert.equal(detector.foundFor(0.1 + 0.2), false); // no RangeError: the same ratio
    assert.throws(() => detector.foundFor(0.4), /ratio 0\.4 is not tracked/);
  });

  test('a ticket at the last epoch says "no fine-tuning epochs left" in the summary, the CLI table and the report', { timeout: 240_000 }, async () => {
    const { runExperiment } = await import('../src/experiment/runner.ts');
    const { formatSummary } = await import('../src/cli/formatSummary.ts');
    const { loadReportModel } = await import('../src/report/index.ts');
    // ε = 1: the ticket is "found" as soon as two masks exist, i.e. at epoch 2 of 2, the last one.
    const config = parseConfig({
      seed: 3, model: { name: 'tiny' }, data: { spec: 'mnist', trainLimit: 256, testLimit: 128 },
      training: { epochs: 2, batchSize: 64 }, search: { queueLength: 2, epsilon: 1 }, comparisons: { dense: false }, energy: { intervalMs: 200 },
    });
    const outcome = await runExperiment(config, { runsDir: join(scratch, 'last-epoch') });
    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.summary.earlyBird.epoch, 1);
    assert.equal(outcome.summary.earlyBird.fineTuneEpochs, 0);
    assert.match(formatSummary(outcome.summary), /EB Train: no fine-tuning epochs left/);
    const model = await loadReportModel(outcome.runDir);
    assert.ok(model.notes.some((line) => /no fine-tuning epochs left/.test(line)), model.notes.join(' | '));
    assert.ok(!existsSync(lockPath(outcome.runDir)), 'the lock is released when the run ends');
  });
});

describe('bounds before work', () => {
  test('CLI flags take their bounds, defaults and help from the schema', async () => {
    const { trainCommand, TRAIN_USAGE } = await import('../src/cli/trainCommand.ts');
    const { fieldDefault } = await import('../src/cli/configFlags.ts');
    const defaults = parseConfig({ model: { name: 'tiny' } });
    assert.equal(fieldDefault(['training', 'epochs']), defaults.training.epochs);
    assert.match(TRAIN_USAGE, new RegExp(`--epochs <n> +planned epochs \\(integer ≥ 1, ≤ 10000; default ${defaults.training.epochs}\\)`));
    assert.match(TRAIN_USAGE, new RegExp(`--batch-size <n> +images per batch \\(integer ≥ 1, ≤ 4096; default ${defaults.training.batchSize}\\)`));
    await assert.rejects(trainCommand(['--model', 'tiny', '--epochs', '1e9', '--batch-size', '99999999']), (error: Error) => {
      assert.equal(error.name, 'UsageError');
      assert.match(error.message, /--epochs: .*10000.*\(got "1e9"\)/);
      assert.match(error.message, /--batch-size: .*4096.*\(got "99999999"\)/);
      return true;
    });
    await assert.rejects(trainCommand(['--model', 'tiny', '--lr', 'fast']), /--lr: .*\(got "fast"\); expected number > 0, ≤ 10/);
  });

  test('a batch that cannot fit in memory is refused before the first epoch, with the figure', async () => {
    const { runExperiment } = await import('../src/experiment/runner.ts');
    const config = parseConfig({ model: { name: 'vgg-s' }, data: { spec: 'mnist', trainLimit: 64, testLimit: 64 }, training: { batchSize: 4096 }, backend: 'wasm' });
    const runsDir = join(scratch, 'too-big');
    await assert.rejects(runExperiment(config, { runsDir }), /vgg-s at batch size 4096 needs at least \d+\.\d GiB to train .* more than the 4 GiB the wasm backend can address; lower training\.batchSize to \d+ or less/);
    const [run] = await listRuns(runsDir);
    const events = (await readEventLog(join(run!.dir, 'events.jsonl'))).events;
    assert.ok(!events.some((e) => e.type === 'phase-start'), 'no phase started');
    assert.equal(events.filter((e) => e.type === 'run-end').length, 1);
  });

  test('the app runs at most maxWorkers experiments, and cancel kills a worker that ignores it', async () => {
    const { ExperimentSupervisor, TooManyRunsError } = await import('../src/api/supervisor.ts');
    const ends: RunEvent[] = [];
    // A real process that ignores every message, as a worker stuck in a long batch would.
    const deaf = () => spawn(process.execPath, ['-e', 'process.on("message", () => {}); setInterval(() => {}, 1000);'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const supervisor = new ExperimentSupervisor({ onEvent: (_id, e) => ends.push(e), spawnWorker: deaf, maxWorkers: 1, cancelGraceMs: 300 });
    supervisor.start('a', join(scratch, 'a'));
    assert.throws(() => supervisor.start('b', join(scratch, 'b')), (error: Error) => error instanceof TooManyRunsError && /most this app runs at once is 1/.test(error.message));
    assert.equal(await supervisor.cancel('a'), true);
    assert.equal(supervisor.isActive('a'), false);
    const end = ends.find((e) => e.type === 'run-end');
    assert.ok(end?.type === 'run-end' && /SIGKILL/.test(end.error ?? ''), JSON.stringify(ends));
  });
});

describe('one projection', () => {
  test('project(events) gives back the methods, slim network and Early-Bird facts the summary holds', async () => {
    const { project, methodResults } = await import('../src/core/project.ts');
    const dir = join(process.cwd(), 'test', 'fixtures', 'report', 'run-complete');
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const state = project((await readEventLog(join(dir, 'events.jsonl'))).events);
    assert.deepEqual(methodResults(state), summary.methods);
    assert.deepEqual(state.slim, summary.slim);
    assert.equal(state.earlyBird?.epoch, summary.earlyBird.epoch);
    for (const r of summary.earlyBird.ratios as { ratio: number; epoch: number | null }[]) assert.equal(state.foundByRatio[String(r.ratio)] ?? null, r.epoch);
    const distances = Object.entries(state.maskDistance).flatMap(([ratio, points]) => points.map((p) => ({ epoch: p.x - 1, ratio: Number(ratio), maxDistance: p.y })));
    const byKey = (d: { epoch: number; ratio: number }) => `${d.epoch}/${d.ratio}`;
    assert.deepEqual(distances.map(byKey).sort(), (summary.earlyBird.distances as { epoch: number; ratio: number }[]).map(byKey).sort());
    assert.equal(state.status, summary.status);
  });
});
