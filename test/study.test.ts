/**
 * From one run to a study: the statistics (mean, std, Student-t 95 % interval), the sweep grid and
 * its config-hash run ids, the point index from the cluster's environment, the cluster files, and
 * on the embedded digits a config with seeds run end to end into a study PDF and CSV, then a sweep
 * that skips finished points and resumes an unfinished one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../src/core/config.ts';
import { configHash } from '../src/run/summarise.ts';
import { RunStore } from '../src/run/runStore.ts';
import { buildStudy, recommend, type StudyGroup } from '../src/study/aggregate.ts';
import { kubernetesJob, slurmScript, toYaml } from '../src/study/cluster.ts';
import { pointIndexFrom, pointState } from '../src/study/runSweep.ts';
import { describe as describeStats, tQuantile975 } from '../src/study/stats.ts';
import { expandSweep, loadSweepFile, sweepSchema } from '../src/study/sweep.ts';
import { TINY_EXPERIMENT } from './helpers/tinyExperiment.ts';

describe('statistics over seeds', () => {
  test('mean, sample std and the Student-t 95 % interval', () => {
    const s = describeStats([1, 2, 3])!;
    assert.equal(s.mean, 2);
    assert.equal(s.std, 1);
    const half = 4.303 / Math.sqrt(3);
    assert.ok(Math.abs(s.ci95![0] - (2 - half)) < 1e-12 && Math.abs(s.ci95![1] - (2 + half)) < 1e-12);
    assert.deepEqual(describeStats([5]), { n: 1, mean: 5, std: null, ci95: null, min: 5, max: 5 });
    assert.equal(describeStats([]), null);
    assert.equal(tQuantile975(1), 12.706);
    assert.equal(tQuantile975(1000), 1.96);
    assert.throws(() => tQuantile975(0), /degrees of freedom/);
  });
});

describe('sweep grid', () => {
  const spec = sweepSchema.parse({ base: TINY_EXPERIMENT, grid: { 'search.pruneRatio': [0.3, 0.7], seed: [1, 2] } });

  test('every combination is a point named by the hash of its resolved config', () => {
    const sweep = expandSweep(spec, 'g', null);
    assert.deepEqual(sweep.points.map((p) => p.values), [
      { 'search.pruneRatio': 0.3, seed: 1 }, { 'search.pruneRatio': 0.3, seed: 2 },
      { 'search.pruneRatio': 0.7, seed: 1 }, { 'search.pruneRatio': 0.7, seed: 2 },
    ]);
    for (const p of sweep.points) {
      assert.equal(p.id, configHash(parseConfig({ ...TINY_EXPERIMENT, seed: p.values.seed, search: { ...TINY_EXPERIMENT.search, pruneRatio: p.values['search.pruneRatio'] } })));
    }
    // The same grid written in another key order gives the same ids (open_lth's rule).
    const again = expandSweep(sweepSchema.parse({ grid: { seed: [1, 2], 'search.pruneRatio': [0.3, 0.7] }, base: { ...TINY_EXPERIMENT } }), 'g', null);
    assert.deepEqual(new Set(again.points.map((p) => p.id)), new Set(sweep.points.map((p) => p.id)));
  });

  test('seeds in the base config become the seed axis', () => {
    const sweep = expandSweep(sweepSchema.parse({ base: { ...TINY_EXPERIMENT, seeds: [7, 9] }, grid: { 'search.epsilon': [0.1, 0.2] } }), 's', null);
    assert.deepEqual(sweep.axes, ['search.epsilon', 'seed']);
    assert.deepEqual(sweep.points.map((p) => [p.values['search.epsilon'], p.config.seed, p.config.seeds]), [[0.1, 7, undefined], [0.1, 9, undefined], [0.2, 7, undefined], [0.2, 9, undefined]]);
    const repeats = parseConfig({ ...TINY_EXPERIMENT, seed: 4, repeats: 3 });
    assert.deepEqual(expandSweep(sweepSchema.parse({ base: repeats }), 'r', null).points.map((p) => p.config.seed), [4, 5, 6]);
  });

  test('bad grids are refused with the field named', () => {
    assert.throws(() => expandSweep(sweepSchema.parse({ base: TINY_EXPERIMENT, grid: { 'search.pruneRatio': [0.5] } }), 'b', null),
      (e: Error) => e instanceof ConfigError && /search\.pruneRatio=0\.5.*search\.pruneRatio: must be one of .*search\.ratios.*0\.3, 0\.7/s.test(e.message));
    assert.throws(() => expandSweep(sweepSchema.parse({ base: TINY_EXPERIMENT, grid: { 'training.epochs.value': [1] } }), 'b', null), /training\.epochs is 2, not an object/);
    assert.throws(() => expandSweep(sweepSchema.parse({ base: TINY_EXPERIMENT, grid: { seed: [1, 1] } }), 'b', null), /resolve to the same config/);
    assert.throws(() => parseConfig({ ...TINY_EXPERIMENT, seeds: [1, 2], repeats: 2 }), /repeats: give seeds or repeats, not both/);
    const dir = mkdtempSync(join(tmpdir(), 'eb-sweepfile-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ grid: { 'search.l1': [0] } }));
    assert.throws(() => loadSweepFile(join(dir, 'bad.json')), /base: give exactly one of base/);
  });

  test('the point index comes from --index, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX', () => {
    assert.equal(pointIndexFrom('2', { SLURM_ARRAY_TASK_ID: '0' }, 4), 2);
    assert.equal(pointIndexFrom(undefined, { SLURM_ARRAY_TASK_ID: '3' }, 4), 3);
    assert.equal(pointIndexFrom(undefined, { JOB_COMPLETION_INDEX: '1' }, 4), 1);
    assert.equal(pointIndexFrom(undefined, {}, 4), null);
    assert.throws(() => pointIndexFrom(undefined, { SLURM_ARRAY_TASK_ID: '4' }, 4), /SLURM_ARRAY_TASK_ID=4: expected a point index from 0 to 3/);
    assert.throws(() => pointIndexFrom('x', {}, 4), /--index=x/);
  });

  test('the Slurm job array and the Kubernetes Indexed Job', () => {
    const sweep = expandSweep(sweepSchema.parse({ base: TINY_EXPERIMENT, grid: { seed: [1, 2, 3] }, slurm: { parallel: 2, gpusPerTask: 1, partition: 'gpu', memory: '8G' } }), 'arr', null);
    const script = slurmScript({ sweep, sweepDir: '/shared/sw', sweepFile: '/shared/sw/sweep-input.json', settings: sweep.spec.slurm, workDir: '/opt/eb', node: '/usr/bin/node' });
    for (const line of ['#SBATCH --array=0-2%2', '#SBATCH --cpus-per-task=2', '#SBATCH --mem=8G', '#SBATCH --gres=gpu:1', '#SBATCH --partition=gpu', '#SBATCH --output=/shared/sw/logs/slurm-%A_%a.out']) {
      assert.ok(script.split('\n').includes(line), `${line} in\n${script}`);
    }
    assert.match(script, /sweep \/shared\/sw\/sweep-input\.json --out \/shared\/sw --index "\$SLURM_ARRAY_TASK_ID"$/m);
    assert.throws(() => sweepSchema.parse({ base: TINY_EXPERIMENT, slurm: { memory: 'lots' } }), /Slurm memory like 4G/);

    const job = kubernetesJob({ sweep, settings: { image: 'eb:1', workingDir: '/app', volumeClaim: 'runs', mountPath: '/runs', cpu: '2', memory: '4Gi', gpus: 1, parallel: 2 }, sweepFile: '/runs/sweeps/arr/sweep-input.json', sweepDir: '/runs/sweeps/arr' }) as any;
    assert.equal(job.kind, 'Job');
    assert.deepEqual([job.spec.completionMode, job.spec.completions, job.spec.parallelism], ['Indexed', 3, 2]);
    assert.equal(job.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'], 1);
    const yaml = toYaml(job);
    assert.match(yaml, /^  completionMode: "Indexed"$/m);
    assert.match(yaml, /^ {8}- name: "point"$/m);
    assert.match(yaml, /^ {12}- "--out"$/m);
  });

  test('the recommendation: earliest ticket within 1 point of dense', () => {
    const group = (label: string, ticket: number, eb: number, dense: number, found = 2): StudyGroup => ({
      values: { p: label }, label, seeds: [1, 2], points: [0, 1], n: 2, found, plannedEpochs: 10,
      ticketEpoch: describeStats([ticket, ticket]), savings: {},
      methods: {
        ebTrain: { accuracy: describeStats([eb, eb])!, energy: null, energyKinds: [], energyLabels: [], energyMissing: [], compute: describeStats([1, 1])!, params: 1, flops: 1 },
        dense: { accuracy: describeStats([dense, dense])!, energy: null, energyKinds: [], energyLabels: [], energyMissing: [], compute: describeStats([1, 1])!, params: 1, flops: 1 },
      },
    });
    const r = recommend([group('late', 6, 0.97, 0.975), group('early-but-bad', 2, 0.9, 0.975), group('early', 3, 0.968, 0.975), group('never', 1, 0.99, 0.975, 1)], 0.01);
    assert.equal(r.best?.label, 'early');
    assert.match(r.text, /^Earliest ticket within 1 point of dense: early — ticket at epoch 3\.0 ± 0\.0 of 10 \(2 seeds\)/);
    assert.match(r.text, /1 other setting also stayed within 1 point/);
    assert.match(recommend([group('bad', 2, 0.5, 0.9)], 0.01).text, /^No swept setting found a ticket in every seed with EB Train within 1 point of dense\. Closest: bad/);
  });
});

describe('seeds and sweeps on the embedded digits', () => {
  let runsDir: string;
  let stdout: string;
  let code: number;

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-seeds-'));
    const configPath = join(runsDir, 'seeds.json');
    writeFileSync(configPath, JSON.stringify({ ...TINY_EXPERIMENT, name: 'seeds test', seeds: [1, 2], comparisons: { dense: true, prunePipeline: { enabled: true, fineTuneEpochs: 1 } } }));
    // A child process: the test runner owns this process's stdout.
    const child = spawnSync(process.execPath, ['bin/earlybird.mjs', 'run', configPath, '--runs', runsDir], { encoding: 'utf8', timeout: 400_000 });
    code = child.status ?? -1;
    stdout = `${child.stdout}\n${code !== 0 ? child.stderr : ''}`;
  });

  test('earlybird run with seeds reports mean ± std per method and writes the study with error bars', () => {
    assert.equal(code, 0, stdout);
    const sweepDir = /sweep folder: (.*)/.exec(stdout)![1]!;
    const study = buildStudy(sweepDir);
    assert.equal(study.groups.length, 1);
    const g = study.groups[0]!;
    assert.equal(g.n, 2);
    assert.deepEqual(g.seeds.sort(), [1, 2]);
    // The figures are the seeds' own: mean and std of the two runs' summaries.
    const summaries = study.points.map((p) => new RunStore(join(sweepDir, 'runs', p.id)).readSummary()!);
    for (const method of ['ebTrain', 'dense', 'prunePipeline'] as const) {
      const xs = summaries.map((s) => s.methods[method]!.testAccuracy);
      const mean = (xs[0]! + xs[1]!) / 2;
      assert.ok(Math.abs(g.methods[method]!.accuracy.mean - mean) < 1e-12, method);
      assert.ok(Math.abs(g.methods[method]!.accuracy.std! - Math.abs(xs[0]! - xs[1]!) / Math.SQRT2) < 1e-12, method);
      assert.match(stdout, new RegExp(`${method === 'ebTrain' ? 'EB Train' : method === 'dense' ? 'Dense' : 'Standard pipeline'}.* accuracy ${(100 * mean).toFixed(2)} % ± [0-9.]+ % \\[.*\\] \\(n = 2\\)`));
    }
    const pdf = /study: (.*\.pdf)/.exec(stdout)![1]!;
    const text = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).stdout;
    assert.match(text, /Early-Bird study/);
    assert.match(text, /2 seeds per setting/);
    assert.match(text, /mean ± std/);
    assert.match(text, /\(n = 2\)/);
    assert.match(text, /Student's t/);
    assert.match(text, /(Earliest ticket within 1 point of dense|No (swept )?setting found)/);
    const csv = readFileSync(join(sweepDir, 'study', 'study.csv'), 'utf8').trim().split('\n');
    assert.match(csv[0]!, /^seeds,n,ticketsFound,method,accuracyMean,accuracyStd,accuracyCi95Low/);
    assert.equal(csv.length, 1 + 3);
  });

  test('a sweep skips finished points, resumes an unfinished one, and a second call does nothing', async () => {
    const sweepFile = join(runsDir, 'sweep.json');
    writeFileSync(sweepFile, JSON.stringify({ name: 'two', base: { ...TINY_EXPERIMENT, comparisons: { dense: false } }, grid: { 'search.pruneRatio': [0.3, 0.7] } }));
    const sweepDir = join(runsDir, 'two');
    const sweep = loadSweepFile(sweepFile);
    const run = () => spawnSync(process.execPath, ['bin/earlybird.mjs', 'sweep', sweepFile, '--out', sweepDir, '--parallel', '1'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, SLURM_ARRAY_TASK_ID: undefined, JOB_COMPLETION_INDEX: undefined } });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /0 skipped \(already finished\), 2 run/);
    assert.deepEqual(sweep.points.map((p) => pointState(sweepDir, p)), ['done', 'done']);
    // Point 1 as if killed right after its surgery: the log ends there and there is no summary.
    // The sweep resumes it (from its checkpoints), it does not redo it.
    const dir = join(sweepDir, 'runs', sweep.points[1]!.id);
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    const cut = lines.findIndex((l) => { const e = JSON.parse(l); return e.type === 'phase-end' && e.phase === 'surgery'; });
    assert.ok(cut > 0);
    writeFileSync(join(dir, 'events.jsonl'), `${lines.slice(0, cut + 1).join('\n')}\n`);
    rmSync(join(dir, 'summary.json'));
    assert.equal(pointState(sweepDir, sweep.points[1]!), 'unfinished');
    const second = run();
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /1 skipped \(already finished\), 1 run/);
    assert.ok(new RunStore(dir).readEvents().some((e) => e.type === 'run-start' && e.resumed));
    const third = run();
    assert.match(third.stdout, /2 skipped \(already finished\), 0 run/);
    const list = spawnSync(process.execPath, ['bin/earlybird.mjs', 'sweep', sweepFile, '--out', sweepDir, '--list'], { encoding: 'utf8' });
    assert.match(list.stdout, new RegExp(`0  ${sweep.points[0]!.id}  done`));
  });
});
