/**
 * Every path the server and the CLI read or write below the runs folder follows one rule (src/run/
 * safePath.ts, safeRead.ts): no write through a symlink at any level, no read that follows a link out
 * of the runs folder, no zip entry that is not a regular file of the run, FIFOs and devices refused
 * with the file named, and no synchronous read the user can stall. Tried with real symlinks, FIFOs
 * (mkfifo), /dev/zero and real loopback servers — in a child process where the old behaviour was to
 * freeze the server, so a regression fails on a timeout instead of hanging the test. Also: a summary
 * of any shape never breaks `earlybird runs` or `show`, the runs index re-reads only changed runs, and
 * the event stream refuses connections over its cap.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, writeSync, closeSync, appendFileSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig, type ExperimentConfig } from '../src/core/config.ts';
import { configHash } from '../src/run/configHash.ts';
import type { RunEvent } from '../src/core/events.ts';
import { listRuns, RunStore } from '../src/run/runStore.ts';
import { cachedItemSchema, runsIndexPath } from '../src/run/runsIndex.ts';
import { startServer, type RunningServer } from '../src/server/startServer.ts';

const CONFIG: ExperimentConfig = parseConfig({
  seed: 4,
  model: { name: 'tiny' },
  data: { spec: 'mnist', trainLimit: 256, testLimit: 128 },
  training: { epochs: 3, batchSize: 64 },
});
const FIXTURE_RUN = new URL('./fixtures/report/run-complete', import.meta.url).pathname;

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'eb-paths-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function runStart(store: RunStore): RunEvent {
  return { type: 'run-start', time: Date.now(), runId: store.id, resumed: false, configHash: configHash(CONFIG), backend: 'wasm', backendDescription: 'wasm', skippedBackends: [] } as unknown as RunEvent;
}

/** A run folder as the runner leaves it after run-start. */
function makeRun(runsDir: string, id?: string): RunStore {
  const store = id ? RunStore.createNamed(runsDir, id, CONFIG) : RunStore.create(runsDir, CONFIG);
  store.releaseLock();
  store.append(runStart(store));
  return store;
}

/** A run with a retrained ticket in models/ebTrain (model.json + weights.bin). */
function makeTicketRun(runsDir: string): RunStore {
  const store = makeRun(runsDir);
  const dir = join(store.dir, 'models', 'ebTrain');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ userDefinedMetadata: { classNames: ['zero', 'one'] } }));
  writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(64, 7));
  return store;
}

/** <runs>/sweeps/<name> with sweep.json listing `points`; returns the sweep folder. */
function makeSweep(runsDir: string, name: string, points: string[]): string {
  const dir = join(runsDir, 'sweeps', name);
  mkdirSync(join(dir, 'runs'), { recursive: true });
  writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ kind: 'earlybird-sweep', name, axes: ['seed'], points: points.map((id, index) => ({ index, id, values: { seed: index + 1 } })) }));
  return dir;
}

interface Reply { status: number; body: string }

function http(port: number, path: string, options: { method?: string; token: string; body?: unknown; timeoutMs?: number }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method: options.method ?? 'GET',
      headers: { authorization: `Bearer ${options.token}`, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(options.timeoutMs ?? 20_000, () => req.destroy(new Error(`${path}: no answer within ${options.timeoutMs ?? 20_000} ms (the server is frozen)`)));
    req.on('error', reject);
    req.end(options.body !== undefined ? JSON.stringify(options.body) : undefined);
  });
}

const call = (s: { port: number; token: string }, channel: string, body: unknown = {}, timeoutMs?: number) =>
  http(s.port, `/api/${channel}`, { method: 'POST', token: s.token, body, timeoutMs });

/** The server in its own process: a frozen event loop there fails a request's timeout here, not the test runner. */
async function childServer(runsDir: string): Promise<{ port: number; token: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
    `const { startServer } = await import(${JSON.stringify(new URL('../src/server/startServer.ts', import.meta.url).href)});
     const s = await startServer({ runsDir: ${JSON.stringify(runsDir)}, build: false, log() {} });
     process.stdout.write(JSON.stringify({ port: s.port, token: s.token }) + '\\n');`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
  return { ...(JSON.parse(line) as { port: number; token: string }), child };
}

describe('writes: never through a link, at any level', () => {
  let server: RunningServer;
  let runsDir: string;
  before(async () => {
    runsDir = join(scratch, 'writes-runs');
    mkdirSync(runsDir);
    server = await startServer({ runsDir, build: false, log: () => undefined });
  });
  after(() => server.close());

  test('ticket:export refuses a symlinked export/ folder and writes nothing at its target', async () => {
    const run = makeTicketRun(runsDir);
    const outside = join(scratch, 'export-target');
    mkdirSync(outside);
    symlinkSync(outside, join(run.dir, 'export'));
    const reply = await call(server, 'ticket:export', { runId: run.id });
    assert.equal(reply.status, 409, reply.body);
    assert.match(JSON.parse(reply.body).error, /export: is a symbolic link; not written through/);
    assert.deepEqual(readdirSync(outside), []);

    // The same run with a real export/ folder exports, and the zip holds exactly the model's files.
    rmSync(join(run.dir, 'export'));
    const ok = await call(server, 'ticket:export', { runId: run.id });
    assert.equal(ok.status, 200, ok.body);
    const names = execFileSync('unzip', ['-Z1', join(run.dir, 'export', 'ticket.zip')], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(names, [`${run.id}/README.txt`, `${run.id}/ebTrain/model.json`, `${run.id}/ebTrain/weights.bin`]);
  });

  test('the ticket zip never packs what a link in models/<method>/ points to; the download serves no link', async () => {
    const run = makeTicketRun(runsDir);
    const secret = join(scratch, 'secret.txt');
    writeFileSync(secret, 'private key material', { mode: 0o600 });
    symlinkSync('/etc/passwd', join(run.dir, 'models', 'ebTrain', 'passwd'));
    symlinkSync(secret, join(run.dir, 'models', 'ebTrain', 'secret.txt'));
    const reply = await call(server, 'ticket:export', { runId: run.id });
    assert.equal(reply.status, 409, reply.body);
    assert.match(JSON.parse(reply.body).error, /models\/ebTrain\/passwd: is a symbolic link; the ticket packs only regular files/);
    assert.ok(!existsSync(join(run.dir, 'export', 'ticket.zip')));
    const download = await http(server.port, `/ticket/${run.id}.zip`, { token: server.token });
    assert.equal(download.status, 404);

    // A link planted as export/ticket.zip itself is not served either.
    mkdirSync(join(run.dir, 'export'));
    symlinkSync('/etc/passwd', join(run.dir, 'export', 'ticket.zip'));
    const planted = await http(server.port, `/ticket/${run.id}.zip`, { token: server.token });
    assert.equal(planted.status, 404);
    assert.doesNotMatch(planted.body, /root:/);
    assert.match(planted.body, /ticket\.zip: is a symbolic link/);

    // A whole models/ebTrain that is a link to a folder elsewhere is refused too.
    const other = makeTicketRun(runsDir);
    const elsewhere = join(scratch, 'model-elsewhere');
    cpSync(join(other.dir, 'models', 'ebTrain'), elsewhere, { recursive: true });
    rmSync(join(other.dir, 'models', 'ebTrain'), { recursive: true });
    symlinkSync(elsewhere, join(other.dir, 'models', 'ebTrain'));
    const linkedDir = await call(server, 'ticket:export', { runId: other.id });
    assert.equal(linkedDir.status, 409, linkedDir.body);
    assert.match(JSON.parse(linkedDir.body).error, /models\/ebTrain: is a symbolic link/);
  });

  test('/study/<sweep>.pdf serves the study PDF only, never what study.pdf or study/ links to', async () => {
    const sweep = makeSweep(runsDir, 'served', []);
    mkdirSync(join(sweep, 'study'));
    writeFileSync(join(sweep, 'study', 'study.pdf'), '%PDF-1.7\n%real\n');
    const real = await http(server.port, '/study/served.pdf', { token: server.token });
    assert.equal(real.status, 200);
    assert.ok(real.body.startsWith('%PDF'));

    const linkedFile = makeSweep(runsDir, 'linked-file', []);
    mkdirSync(join(linkedFile, 'study'));
    symlinkSync('/etc/passwd', join(linkedFile, 'study', 'study.pdf'));
    const passwd = await http(server.port, '/study/linked-file.pdf', { token: server.token });
    assert.equal(passwd.status, 404);
    assert.doesNotMatch(passwd.body, /root:/);

    const linkedDir = makeSweep(runsDir, 'linked-dir', []);
    const decoy = join(scratch, 'decoy-study');
    mkdirSync(decoy);
    writeFileSync(join(decoy, 'study.pdf'), '%PDF-1.7\n%decoy\n');
    symlinkSync(decoy, join(linkedDir, 'study'));
    const viaDir = await http(server.port, '/study/linked-dir.pdf', { token: server.token });
    assert.equal(viaDir.status, 404);
    assert.doesNotMatch(viaDir.body, /decoy/);
  });

  test('study:export refuses a symlinked study/ folder and a symlinked sweep folder', { timeout: 120_000 }, async () => {
    const make = (name: string) => {
      const sweep = makeSweep(runsDir, name, ['point-0']);
      cpSync(FIXTURE_RUN, join(sweep, 'runs', 'point-0'), { recursive: true });
      return sweep;
    };
    const sweep = make('study-link');
    const outside = join(scratch, 'study-target');
    mkdirSync(outside);
    symlinkSync(outside, join(sweep, 'study'));
    const refused = await call(server, 'study:export', { sweep: 'study-link' }, 60_000);
    assert.equal(refused.status, 409, refused.body);
    assert.match(JSON.parse(refused.body).error, /study: is a symbolic link; not written through/);
    assert.deepEqual(readdirSync(outside), []);

    // A sweep folder that is itself a link to a sweep elsewhere: refused before anything is read or written.
    const elsewhere = join(scratch, 'sweep-elsewhere');
    cpSync(make('moved'), elsewhere, { recursive: true });
    rmSync(join(runsDir, 'sweeps', 'moved'), { recursive: true });
    symlinkSync(elsewhere, join(runsDir, 'sweeps', 'moved'));
    const linked = await call(server, 'study:export', { sweep: 'moved' }, 60_000);
    assert.equal(linked.status, 400, linked.body);
    assert.match(JSON.parse(linked.body).error, /sweeps\/moved: is a symbolic link/);
    assert.ok(!existsSync(join(elsewhere, 'study')));

    // A real sweep exports into its own study/.
    make('study-real');
    const ok = await call(server, 'study:export', { sweep: 'study-real' }, 60_000);
    assert.equal(ok.status, 200, ok.body);
    assert.ok(statSync(join(runsDir, 'sweeps', 'study-real', 'study', 'study.pdf')).size > 1000);
  });
});

describe('reads: no FIFO, device or link freezes or leaks through the server', () => {
  test('a FIFO or a link to /dev/zero as sweep.json: studies:list answers at once, leaves them out, the server stays small', { timeout: 90_000 }, async () => {
    const runsDir = join(scratch, 'fifo-sweeps');
    makeSweep(runsDir, 'good', []);
    const fifo = makeSweep(runsDir, 'fifo', []);
    rmSync(join(fifo, 'sweep.json'));
    execFileSync('mkfifo', [join(fifo, 'sweep.json')]);
    const zero = makeSweep(runsDir, 'zero', []);
    rmSync(join(zero, 'sweep.json'));
    symlinkSync('/dev/zero', join(zero, 'sweep.json'));
    const server = await childServer(runsDir);
    try {
      const reply = await call(server, 'studies:list', {}, 15_000);
      assert.equal(reply.status, 200, reply.body);
      assert.deepEqual(JSON.parse(reply.body).result.sweeps.map((s: { name: string }) => s.name), ['good']);
      const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
      const rssMiB = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
      assert.ok(rssMiB < 1024, `server grew to ${rssMiB.toFixed(0)} MiB`);
      const info = await call(server, 'app:info', {}, 15_000);
      assert.equal(info.status, 200);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('a FIFO as models/ebTrain/model.json: ticket:export answers with the file named, and the server keeps serving', { timeout: 90_000 }, async () => {
    const runsDir = join(scratch, 'fifo-ticket');
    const run = makeTicketRun(runsDir);
    rmSync(join(run.dir, 'models', 'ebTrain', 'model.json'));
    execFileSync('mkfifo', [join(run.dir, 'models', 'ebTrain', 'model.json')]);
    const server = await childServer(runsDir);
    try {
      const reply = await call(server, 'ticket:export', { runId: run.id }, 15_000);
      assert.equal(reply.status, 409, reply.body);
      assert.match(JSON.parse(reply.body).error, /models\/ebTrain\/model\.json: is a FIFO, not a regular file/);
      assert.equal((await call(server, 'app:info', {}, 15_000)).status, 200);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('a sweep whose runs/ is a link: runs:get and runs:reveal refuse the point, its target is not read', async () => {
    const runsDir = join(scratch, 'linked-runs');
    const sweep = makeSweep(runsDir, 'escape', ['point-0']);
    const target = join(scratch, 'other-runs');
    const victim = makeRun(target, 'point-0');
    rmSync(join(sweep, 'runs'), { recursive: true });
    symlinkSync(target, join(sweep, 'runs'));
    const server = await startServer({ runsDir, build: false, log: () => undefined });
    try {
      for (const channel of ['runs:get', 'runs:reveal', 'report:export', 'ticket:export']) {
        const reply = await call(server, channel, { runId: 'escape~point-0' });
        assert.equal(reply.status, 404, `${channel}: ${reply.body}`);
        assert.match(JSON.parse(reply.body).error, /escape\/runs: is a symbolic link/, channel);
        assert.doesNotMatch(reply.body, new RegExp(victim.dir));
      }
      const listed = JSON.parse((await call(server, 'studies:list')).body).result.sweeps;
      assert.equal(listed[0].points[0].run, null, 'the point is not read through the link');
    } finally {
      await server.close();
    }
  });
});

describe('summaries of any shape', () => {
  test('a summary.json of the wrong shape is named in `earlybird runs`, which lists every run; `show` says what is broken and suggests no resume', async () => {
    const runsDir = join(scratch, 'bad-summaries');
    const good = makeRun(runsDir);
    cpSync(join(FIXTURE_RUN, 'summary.json'), join(good.dir, 'summary.json'));
    const shapes = [{ status: 'completed', energy: {} }, { status: 'completed', methods: 'all', earlyBird: null }, [1, 2, 3], 'text', null];
    const bad = shapes.map((shape) => {
      const run = makeRun(runsDir);
      writeFileSync(join(run.dir, 'summary.json'), JSON.stringify(shape));
      return run;
    });
    const cli = (args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, ['bin/earlybird.mjs', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
      } catch (error) {
        const e = error as { status: number; stdout: string; stderr: string };
        return { code: e.status, out: `${e.stdout}${e.stderr}` };
      }
    };
    const runs = cli(['runs', '--runs', runsDir]);
    assert.equal(runs.code, 0, runs.out);
    assert.doesNotMatch(runs.out, /TypeError/);
    for (const run of [good, ...bad]) assert.match(runs.out, new RegExp(run.id), `${run.id} listed`);
    assert.match(runs.out, /summary\.json: not a run summary this version can read \(runId: Invalid input: expected string/);
    assert.equal(runs.out.match(/summary\.json: (not a run summary|unreadable)/g)?.length, bad.length);

    const show = cli(['show', bad[0]!.dir]);
    assert.equal(show.code, 1, show.out);
    assert.match(show.out, /its summary cannot be shown:\n {2}.*summary\.json: not a run summary this version can read \(/);
    assert.doesNotMatch(show.out, /TypeError|resume it with/);
    const shown = cli(['show', good.dir]);
    assert.equal(shown.code, 0, shown.out);
    assert.match(shown.out, /Early-Bird ticket: found at epoch/);
  });
});

describe('the runs index', () => {
  test('a second list reads no unchanged run again; a changed run is read again; a broken index file is ignored', async () => {
    const runsDir = join(scratch, 'indexed');
    const runs = Array.from({ length: 5 }, () => makeRun(runsDir));
    const stamp = Math.floor(Date.now() / 1000) - 60; // whole seconds: restored exactly below
    utimesSync(runs[0]!.eventsPath, stamp, stamp);
    const first = await listRuns(runsDir);
    assert.equal(first.length, 5);
    assert.ok(first.every((r) => r.status === 'incomplete'));
    assert.ok(existsSync(runsIndexPath(runsDir)));

    // Rewrite one log in place to the same size and mtime: an unchanged (size, mtime, inode) is not
    // read again, so the list still shows what it read before — proof that it came from the index.
    const log = runs[0]!.eventsPath;
    const ended = `${JSON.stringify({ type: 'run-end', time: Date.now(), status: 'failed', error: 'x' })}\n`;
    const original = readFileSync(log, 'utf8');
    const sameSize = `${ended}${' '.repeat(Math.max(0, original.length - ended.length - 1))}\n`.slice(0, original.length);
    assert.equal(sameSize.length, original.length);
    const fd = openSync(log, 'r+');
    writeSync(fd, sameSize, 0);
    closeSync(fd);
    utimesSync(log, stamp, stamp);
    const second = await listRuns(runsDir);
    assert.equal(second.find((r) => r.runId === runs[0]!.id)!.status, 'incomplete', 'served from the index');

    // A changed mtime is a changed run: read again.
    utimesSync(log, new Date(), new Date(Date.now() + 5000));
    assert.equal((await listRuns(runsDir)).find((r) => r.runId === runs[0]!.id)!.status, 'failed');

    // Appending changes the size: read again.
    appendFileSync(runs[1]!.eventsPath, `${JSON.stringify({ type: 'run-end', time: Date.now(), status: 'cancelled', error: null })}\n`);
    assert.equal((await listRuns(runsDir)).find((r) => r.runId === runs[1]!.id)!.status, 'cancelled');

    // The CLI (a new process each time) uses the index file; a garbage or FIFO index is just ignored.
    const cli = () => execFileSync(process.execPath, ['bin/earlybird.mjs', 'runs', '--runs', runsDir], { encoding: 'utf8' });
    assert.equal(cli().split('\n').filter(Boolean).length, 5);
    writeFileSync(runsIndexPath(runsDir), '{"kind":"earlybird-runs-index","version":1,"runs":{"x":{"stamps":5}}}');
    assert.equal(cli().split('\n').filter(Boolean).length, 5);
    rmSync(runsIndexPath(runsDir));
    execFileSync('mkfifo', [runsIndexPath(runsDir)]);
    assert.equal(cli().split('\n').filter(Boolean).length, 5);
  });
});

describe('the runs index file', () => {
  test('holds every field a list line has, so the next process reads it instead of every run', async () => {
    const runsDir = join(scratch, 'index-fields');
    mkdirSync(runsDir);
    cpSync(new URL('./fixtures/report/run-complete', import.meta.url).pathname, join(runsDir, '20250101-000000-lenet5-bn-mnist'), { recursive: true });
    makeRun(runsDir);
    for (const { runId: _runId, dir: _dir, lockedBy: _lockedBy, ...line } of await listRuns(runsDir)) {
      const parsed = cachedItemSchema.safeParse(line);
      assert.ok(parsed.success, `a list line the index file would drop: ${parsed.error?.message}`);
    }
  });
});

describe('event stream connections', () => {
  test('one stream over the cap is refused with 429 and a sentence saying why; a freed slot is taken again', async () => {
    const runsDir = join(scratch, 'sse');
    mkdirSync(runsDir);
    const server = await startServer({ runsDir, build: false, maxEventStreams: 3, log: () => undefined });
    const open: ClientRequest[] = [];
    const connect = () => new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { authorization: `Bearer ${server.token}` } }, resolve);
      req.on('error', reject);
      req.end();
      open.push(req);
    });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await connect()).statusCode, 200);
      const refused = await connect();
      assert.equal(refused.statusCode, 429);
      const body = await new Promise<string>((resolve) => {
        let text = '';
        refused.on('data', (d) => (text += d));
        refused.on('end', () => resolve(text));
      });
      assert.match(body, /too many event streams: 3 of at most 3 are open for this access token/);
      open[0]!.destroy();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await connect()).statusCode, 200);
    } finally {
      for (const req of open) req.destroy();
      await server.close();
    }
  });
});
