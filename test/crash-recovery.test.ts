/**
 * A run survives a crash at any file operation and a full disk. Real `earlybird run` processes kill
 * themselves with SIGKILL (src/run/faultPoints.ts) at 20 points: every step of two checkpoint swaps
 * (including the window between its two renames, where no copy is in place) and points spread over
 * the whole run's appends and atomic writes. Each killed run is resumed by a second process and must
 * end with exactly the numbers of an uninterrupted run, leaving no swap copies or temp files. A run
 * whose disk fills up (a small tmpfs) must stop with one line naming the file and the free space,
 * record itself failed, remove its temp files, keep what it wrote before, and resume to the same
 * numbers once space is freed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FAULT_LOG_ENV, KILL_AT_ENV, REPLACE_STEPS } from '../src/run/faultPoints.ts';
import { parsePidStat } from '../src/energy/estimate/processCpu.ts';
import { verifiedManifest } from '../src/run/files.ts';
import { readEventsFile } from '../src/run/runStore.ts';
import type { RunSummary } from '../src/core/summary.ts';

const CONFIG = {
  seed: 4,
  model: { name: 'tiny' },
  data: { spec: 'mnist', trainLimit: 240, testLimit: 100 },
  training: { epochs: 4, batchSize: 40, learningRate: 0.05, workers: 1 },
  search: { queueLength: 2, epsilon: 0.15 },
  comparisons: { dense: true },
  energy: { intervalMs: 1000 },
  export: { quantize: false },
};

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function earlybird(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/earlybird.mjs', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The numbers a run ends with that do not depend on time: accuracy per method, the ticket, the slim network. */
function finalNumbers(summary: RunSummary): unknown {
  return {
    methods: Object.fromEntries(Object.entries(summary.methods).map(([m, r]) => [m, { testAccuracy: r!.testAccuracy, params: r!.params, epochs: r!.epochs }])),
    earlyBird: { found: summary.earlyBird.found, epoch: summary.earlyBird.epoch },
  };
}

function lastJson(stdout: string): { runDir: string; status: string; summary: RunSummary } {
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** Every path under `dir` whose name marks a swap copy or a temp file. */
function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (/\.(tmp|old)-\d+$/.test(entry.name)) found.push(join(d, entry.name));
      if (entry.isDirectory()) walk(join(d, entry.name));
    }
  };
  walk(dir);
  return found;
}

const onlyRun = (runsDir: string) => {
  const names = readdirSync(runsDir);
  assert.equal(names.length, 1, `one run folder in ${runsDir}: ${names.join(', ')}`);
  return join(runsDir, names[0]!);
};

let work: string;
let configPath: string;
let reference: unknown;
let points: string[];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'eb-crash-'));
  configPath = join(work, 'tiny.json');
  writeFileSync(configPath, JSON.stringify(CONFIG));
  const faultLog = join(work, 'points.log');
  const run = await earlybird(['run', configPath, '--runs', join(work, 'reference'), '--json'], { [FAULT_LOG_ENV]: faultLog });
  assert.equal(run.code, 0, run.stderr);
  reference = finalNumbers(lastJson(run.stdout).summary);
  points = readFileSync(faultLog, 'utf8').trim().split('\n');
});

after(() => rmSync(work, { recursive: true, force: true }));

/** 20 kill points: each step of the second and the second-to-last checkpoint swap, and 12 spread over all. */
function killPoints(): string[] {
  const swaps = points.filter((p) => p === REPLACE_STEPS[0]).length;
  assert.ok(swaps >= 4, `the run swaps at least 4 checkpoints (${swaps})`);
  const chosen = [2, swaps - 1].flatMap((k) => REPLACE_STEPS.map((step) => `${step}#${k}`));
  const spread = 20 - chosen.length;
  for (let i = 0; i < spread; i++) chosen.push(String(1 + Math.floor(((i + 0.5) * points.length) / spread)));
  return chosen;
}

describe('kill and resume', () => {
  test('SIGKILL at 20 points of the run\'s file operations: every resumed run ends with the uninterrupted numbers', { timeout: 1_200_000 }, async () => {
    const kills = killPoints();
    assert.equal(kills.length, 20);
    const failures: string[] = [];
    let next = 0;
    const trial = async (at: string, index: number) => {
      const runsDir = join(work, `kill-${index}`);
      mkdirSync(runsDir);
      const killed = await earlybird(['run', configPath, '--runs', runsDir, '--json'], { [KILL_AT_ENV]: at });
      if (killed.signal !== 'SIGKILL') return failures.push(`${at}: the run was not killed there (exit ${killed.code}): ${killed.stderr.slice(-300)}`);
      const runDir = onlyRun(runsDir);
      const resumed = await earlybird(['run', '--resume', runDir, '--json']);
      if (resumed.code !== 0) return failures.push(`${at}: resume failed (exit ${resumed.code}): ${resumed.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      const numbers = finalNumbers(lastJson(resumed.stdout).summary);
      try {
        assert.deepEqual(numbers, reference);
      } catch {
        return failures.push(`${at}: resumed to ${JSON.stringify(numbers)}, uninterrupted ${JSON.stringify(reference)}`);
      }
      const left = leftovers(runDir);
      if (left.length > 0) failures.push(`${at}: left ${left.join(', ')}`);
      const epochs = readEventsFile(join(runDir, 'events.jsonl')).filter((e) => e.type === 'epoch').map((e) => `${(e as { phase: string }).phase}:${(e as { logs: { epoch: number } }).logs.epoch}`);
      if (new Set(epochs).size !== epochs.length) failures.push(`${at}: an epoch was logged twice (${epochs.join(' ')})`);
    };
    // Two at a time: each process trains on one thread.
    const lane = async () => {
      while (next < kills.length) {
        const index = next++;
        await trial(kills[index]!, index);
      }
    };
    await Promise.all([lane(), lane()]);
    assert.deepEqual(failures, [], `${failures.length} of 20 kill points did not resume to the uninterrupted result:\n${failures.join('\n')}`);
  });
});

/** Whether the process is stopped (SIGSTOP has taken effect on every thread). */
function isStopped(pid: number): boolean {
  try {
    return parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).state === 'T';
  } catch {
    return false;
  }
}

/**
 * Fills the file system at `mountPoint` with `ballast` until `headroom` bytes are left, at a moment
 * when the run writes nothing: it is stopped (SIGSTOP) while no checkpoint swap or temp file of its
 * own is on the disk. Filled while a swap is half done, the headroom would be whatever the swap
 * frees or takes next: enough to go on for epochs, or so little that not even the run-end line fits.
 */
async function fillWhileStopped(child: ChildProcess, runDir: string, mountPoint: string, ballast: string, headroom: number): Promise<void> {
  for (let attempt = 1; attempt <= 200; attempt++) {
    child.kill('SIGSTOP');
    try {
      for (const deadline = Date.now() + 5000; !isStopped(child.pid!); ) {
        assert.ok(Date.now() < deadline, 'the run did not stop on SIGSTOP');
        await new Promise((r) => setTimeout(r, 1));
      }
      if (leftovers(runDir).length === 0) {
        const s = statfsSync(mountPoint);
        writeFileSync(ballast, Buffer.alloc(Math.max(0, Number(s.bavail) * Number(s.bsize) - headroom)));
        return;
      }
    } finally {
      child.kill('SIGCONT');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail('the run was always in the middle of writing a checkpoint');
}

describe('disk full', () => {
  test('ENOSPC on a small tmpfs: one line with the path and free space, failed and resumable, temp files gone, earlier files kept', { timeout: 600_000 }, async (t) => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'eb-full-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      rmSync(mountPoint, { recursive: true, force: true });
      t.skip(`cannot mount a tmpfs here (${mounted.stderr.trim()})`);
      return;
    }
    try {
      const runsDir = join(mountPoint, 'runs');
      mkdirSync(runsDir);
      const child = spawn(process.execPath, ['bin/earlybird.mjs', 'run', configPath, '--runs', runsDir], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b) => (stderr += b));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Once the search has a checkpoint, fill the disk up to 64 KiB: the next checkpoint (about 190 KiB) cannot be written.
      let runDir = '';
      let eventsBefore = '';
      let configBefore = '';
      const ballast = join(mountPoint, 'ballast');
      for (const deadline = Date.now() + 300_000; ; ) {
        assert.ok(Date.now() < deadline, 'the run never finished its first epoch');
        const names = readdirSync(runsDir);
        if (names.length === 1) {
          runDir = join(runsDir, names[0]!);
          const events = (() => {
            try {
              return readEventsFile(join(runDir, 'events.jsonl'));
            } catch {
              return [];
            }
          })();
          if (events.some((e) => e.type === 'epoch' && e.phase === 'search')) {
            await fillWhileStopped(child, runDir, mountPoint, ballast, 64 * 1024);
            eventsBefore = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
            configBefore = readFileSync(join(runDir, 'config.json'), 'utf8');
            break;
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const code = await exited;
      const lines = stderr.trim().split('\n');
      assert.equal(code, 2, stderr.slice(-2000));
      assert.match(lines[lines.length - 1]!, /^earlybird: disk full: could not write \/\S+ \(ENOSPC; [\d.]+ (bytes|KiB|MiB) free on its file system\)/);
      assert.ok(lines[lines.length - 1]!.includes(runDir), 'the line names a file of the run');
      assert.ok(!/^\s+at /m.test(stderr), `no stack trace:\n${stderr.slice(-1500)}`);
      assert.deepEqual(leftovers(runDir), [], 'temp files and swap copies removed');
      // Nothing written before the disk filled was touched.
      assert.ok(readFileSync(join(runDir, 'events.jsonl'), 'utf8').startsWith(eventsBefore), 'events.jsonl only grew');
      assert.equal(readFileSync(join(runDir, 'config.json'), 'utf8'), configBefore);
      assert.ok(verifiedManifest(join(runDir, 'checkpoints', 'search')), 'the search checkpoint written before is complete');
      const events = readEventsFile(join(runDir, 'events.jsonl'));
      const end = events[events.length - 1]!;
      assert.ok(end.type === 'run-end' && end.status === 'failed' && /^disk full: /.test(end.error ?? ''), JSON.stringify(end));

      rmSync(ballast);
      const resumed = await earlybird(['run', '--resume', runDir, '--json']);
      assert.equal(resumed.code, 0, resumed.stderr.slice(-2000));
      assert.deepEqual(finalNumbers(lastJson(resumed.stdout).summary), reference);
      assert.deepEqual(leftovers(runDir), []);
    } finally {
      spawnSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});
