/**
 * A sweep through a REAL Slurm: munged, slurmctld and slurmd from the Debian packages on a
 * generated single-node config in a temp dir (test/helpers/localSlurm.ts); `earlybird sweep
 * --slurm --submit` submits the job array through sbatch, every array task runs its point by
 * SLURM_ARRAY_TASK_ID, and the study aggregates the folder. Where the daemons cannot start here
 * (not root, packages missing), this case is skipped with the reason; the daemons are always stopped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateStudy } from '../src/study/studyReport.ts';
import { loadSweepFile } from '../src/study/sweep.ts';
import { pointState } from '../src/study/runSweep.ts';
import { startLocalSlurm, waitForJob } from './helpers/localSlurm.ts';
import { TINY_EXPERIMENT } from './helpers/tinyExperiment.ts';

const SWEEP = {
  name: 'slurm-test',
  base: { ...TINY_EXPERIMENT, comparisons: { dense: true } },
  grid: { 'search.pruneRatio': [0.3, 0.7] },
  slurm: { cpusPerTask: 1, memory: '1500M', time: '00:20:00', parallel: 2 },
};

test('a sweep runs as a Slurm job array on a real single-node Slurm', { timeout: 600_000 }, async (t) => {
  const started = await startLocalSlurm();
  if ('reason' in started) {
    t.skip(`no local Slurm: ${started.reason}`);
    return;
  }
  const { slurm } = started;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'eb-slurm-sweep-'));
    const sweepFile = join(dir, 'sweep.json');
    writeFileSync(sweepFile, JSON.stringify(SWEEP));
    const sweepDir = join(dir, 'out');
    const submit = spawnSync(process.execPath, ['bin/earlybird.mjs', 'sweep', sweepFile, '--out', sweepDir, '--slurm', '--submit'], { env: slurm.env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(submit.status, 0, `${submit.stdout}\n${submit.stderr}`);
    const jobId = /submitted: job (\d+)/.exec(submit.stdout)?.[1];
    assert.ok(jobId, submit.stdout);
    const script = readFileSync(join(sweepDir, 'sweep.sbatch'), 'utf8');
    assert.match(script, /^#SBATCH --array=0-1%2$/m);
    assert.match(script, /^#SBATCH --cpus-per-task=1$/m);

    const finished = await waitForJob(slurm, jobId, 480_000);
    const taskLogs = () => readdirSync(join(sweepDir, 'logs')).filter((f) => f.startsWith('slurm-')).map((f) => `--- ${f}\n${readFileSync(join(sweepDir, 'logs', f), 'utf8').slice(-1500)}`).join('\n');
    assert.ok(finished, `job ${jobId} still queued after 8 minutes\n${taskLogs()}\n${slurm.logs()}`);

    // Each array task ran its own point, found by SLURM_ARRAY_TASK_ID (no --index on the command line).
    const sweep = loadSweepFile(join(sweepDir, 'sweep-input.json'));
    assert.equal(sweep.points.length, 2);
    for (const point of sweep.points) {
      assert.equal(pointState(sweepDir, point), 'done', `point ${point.index} did not finish\n${taskLogs()}`);
      const log = join(sweepDir, 'logs', `slurm-${jobId}_${point.index}.out`);
      assert.ok(existsSync(log), `no Slurm log for task ${point.index}`);
      assert.match(readFileSync(log, 'utf8'), new RegExp(`point ${point.index} of 2 .*runs/${point.id}`));
    }
    assert.doesNotMatch(script, /--index \d/);

    // A second invocation does nothing: every point is finished.
    const again = spawnSync(process.execPath, ['bin/earlybird.mjs', 'sweep', sweepFile, '--out', sweepDir, '--parallel', '1'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SLURM_ARRAY_TASK_ID: undefined } });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /2 skipped \(already finished\), 0 run/);

    // Aggregated: one row per setting and method.
    const result = await generateStudy(sweepDir);
    assert.equal(result.study.groups.length, 2);
    assert.deepEqual(result.study.groups.map((g) => g.values['search.pruneRatio']), [0.3, 0.7]);
    const csv = readFileSync(result.csv, 'utf8').trim().split('\n');
    assert.equal(csv.length, 1 + 2 * 2, csv.join('\n'));
  } finally {
    await slurm.stop();
  }
});
