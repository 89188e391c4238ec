/**
 * A seeds sweep in the app, end to end: a real `earlybird sweep` of 3 seeds on the embedded digits
 * (200 images, 2 epochs), served by `startServer`, in real Chromium at 1280 and 800 px. The Runs
 * screen shows, per method, mean ± std and the 95 % interval of accuracy, energy, compute and the
 * ticket epoch with error bars and "n = 3 seeds" — the figures of `study:get`, which are the study
 * PDF's (buildStudy), and which this test recomputes from the runs' own summaries — and opens a
 * point's run in the detail panel through its `<sweep>~<point>` id. The id's guards are checked
 * over HTTP: `.`/`..`, a point the sweep does not list, a folder whose log does not start with its
 * own run-start, and calls that stay with the sweep (resume, delete).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RunStore } from '../src/run/runStore.ts';
import type { RunSummary } from '../src/core/summary.ts';
import { startServer, type RunningServer } from '../src/server/startServer.ts';
import { buildStudy } from '../src/study/aggregate.ts';
import { chromiumMissing, onTabAtEachWidth, screenshot } from './helpers/browser.ts';
import { get, post } from './helpers/loopback.ts';
import { TINY_EXPERIMENT } from './helpers/tinyExperiment.ts';

const SWEEP = 'ui-seeds';
const SWEEP_FILE = {
  name: SWEEP,
  base: { name: 'ui seeds', ...TINY_EXPERIMENT, comparisons: { dense: true } },
  grid: { seed: [1, 2, 3] },
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

describe('a seeds sweep on the Runs screen', () => {
  let server: RunningServer;
  let runsDir: string;
  let sweepDir: string;
  let summaries: RunSummary[] = [];
  let pointIds: string[] = [];

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-study-figures-'));
    sweepDir = join(runsDir, 'sweeps', SWEEP);
    const file = join(runsDir, 'sweep-file.json');
    writeFileSync(file, JSON.stringify(SWEEP_FILE));
    // A child process: the test runner owns this process's stdout.
    const child = spawnSync(process.execPath, ['bin/earlybird.mjs', 'sweep', file, '--out', sweepDir, '--parallel', '1'], {
      encoding: 'utf8', timeout: 400_000, env: { ...process.env, SLURM_ARRAY_TASK_ID: undefined, JOB_COMPLETION_INDEX: undefined },
    });
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
    const manifest = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8')) as { points: { id: string }[] };
    pointIds = manifest.points.map((p) => p.id);
    summaries = pointIds.map((id) => new RunStore(join(sweepDir, 'runs', id)).readSummary()!);
    // A folder the manifest does not list, and one whose log names another run: neither may open.
    cpSync(join(sweepDir, 'runs', pointIds[0]!), join(sweepDir, 'runs', 'unlisted0000'), { recursive: true });
    server = await startServer({ runsDir, log: () => undefined });
  });
  after(async () => {
    await server?.close();
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  test('study:get is the study PDF\'s aggregation, and it matches the runs\' own summaries', async () => {
    assert.equal(summaries.length, 3);
    assert.ok(summaries.every((s) => s.status === 'completed'));
    const got = await post(server, 'study:get', { sweep: SWEEP });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const study = got.body.result.study;
    assert.deepEqual(study.groups, JSON.parse(JSON.stringify(buildStudy(sweepDir).groups)));
    const g = study.groups[0];
    assert.equal(g.n, 3);
    assert.deepEqual(g.points, [0, 1, 2]);
    for (const method of ['ebTrain', 'dense'] as const) {
      const xs = summaries.map((s) => s.methods[method]!.testAccuracy);
      assert.ok(Math.abs(g.methods[method].accuracy.mean - mean(xs)) < 1e-12, method);
      assert.ok(Math.abs(g.methods[method].accuracy.std - std(xs)) < 1e-12, method);
      assert.equal(g.methods[method].accuracy.n, 3);
    }
    assert.equal((await post(server, 'study:get', { sweep: 'nope' })).status, 404);
    assert.equal((await post(server, 'study:get', { sweep: '..' })).status, 400);
  });

  test('a point\'s run opens by its sweep id; the id keeps the run folder rules', async () => {
    const id = `${SWEEP}~${pointIds[1]}`;
    const run = await post(server, 'runs:get', { runId: id });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.result.summary.config.seed, 2);
    assert.ok(run.body.result.events.some((e: { type: string }) => e.type === 'run-start'));
    const report = await post(server, 'report:export', { runId: id });
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.ok(report.body.result.path.startsWith(join(sweepDir, 'runs', pointIds[1]!)));
    assert.equal(report.body.result.url, `/report/${id}.pdf?token=${server.token}`);
    const pdf = await get(server.port, report.body.result.url);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.bytes.subarray(0, 5).toString(), '%PDF-');
    assert.equal((await get(server.port, `/report/${id}.pdf`)).status, 401, 'no token, no report');

    for (const bad of [`${SWEEP}~..`, `${SWEEP}~.`, `..~${pointIds[0]}`, `${SWEEP}/${pointIds[0]}`, `${SWEEP}~a~b`]) {
      assert.equal((await post(server, 'runs:get', { runId: bad })).status, 400, bad);
    }
    const unlisted = await post(server, 'runs:get', { runId: `${SWEEP}~unlisted0000` });
    assert.equal(unlisted.status, 404);
    assert.match(unlisted.body.error, /has no point unlisted0000/);
    assert.equal((await post(server, 'runs:get', { runId: `other~${pointIds[0]}` })).status, 404);
    // Resuming and deleting a point stay with its sweep.
    assert.equal((await post(server, 'runs:delete', { runId: id })).status, 400);
    assert.equal((await post(server, 'experiment:resume', { runId: id })).status, 400);
  });

  test('a listed folder whose log does not start with its own run-start is no run', async () => {
    // The sweep's manifest lists a point whose folder holds another run's log (copied in).
    const manifestPath = join(sweepDir, 'sweep.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const stranger = 'stranger0000';
    mkdirSync(join(sweepDir, 'runs'), { recursive: true });
    cpSync(join(sweepDir, 'runs', pointIds[0]!), join(sweepDir, 'runs', stranger), { recursive: true });
    try {
      writeFileSync(manifestPath, JSON.stringify({ ...manifest, points: [...manifest.points, { index: 3, id: stranger, values: { seed: 4 } }] }));
      const res = await post(server, 'runs:get', { runId: `${SWEEP}~${stranger}` });
      assert.equal(res.status, 404);
      assert.match(res.body.error, /does not start with this run's run-start event/);
    } finally {
      writeFileSync(manifestPath, JSON.stringify(manifest));
      rmSync(join(sweepDir, 'runs', stranger), { recursive: true, force: true });
    }
  });

  test('the page draws the figures with error bars and n = 3 seeds, and opens a point', { skip: chromiumMissing() ?? false }, async () => {
    const accuracy = (m: 'ebTrain' | 'dense') => summaries.map((s) => s.methods[m]!.testAccuracy);
    const ticket = summaries.map((s) => s.earlyBird.epoch! + 1);
    // Methods (of the two run) with at least one seed lacking energy: no mean is drawn for them.
    const lostEnergy = new Set((['ebTrain', 'dense'] as const).filter((m) => summaries.some((s) => s.energy?.unmeasured?.length || !s.energy?.methods[m])));
    await onTabAtEachWidth(server.url, 'tab-runs', async (page, viewport) => {
      const card = page.locator(`[data-testid="sweep-card"][data-sweep="${SWEEP}"]`);
      await card.locator('summary').click();
      const figures = card.getByTestId('study-figures');
      await figures.waitFor();
      const figure = (id: string) => figures.locator(`[data-testid="study-figure"][data-figure="${id}"]`);
      for (const id of ['accuracy', 'energy', 'compute', 'ticket']) {
        assert.equal(await figure(id).count(), 1, id);
        // Every drawn figure says how many seeds stand behind it.
        const ns = await figure(id).getByTestId('study-n').allInnerTexts();
        assert.equal(ns.length, id === 'ticket' ? 1 : id === 'energy' ? 2 - lostEnergy.size : 2, id);
        for (const n of ns) assert.match(n, /^n = 3 seeds/, id);
      }
      // A seed whose energy was left out (its power source dropped under load) is named under the
      // energy figure, which then has no mean for the methods it touches.
      const missing = await figure('energy').getByTestId('study-missing').allInnerTexts();
      assert.equal(missing.length, lostEnergy.size);
      for (const text of missing) assert.match(text, /^no mean\n(seed \d \(point \d\): (energy left out — \d+ s of the run unmeasured|no energy recorded).*\n?)+$/);
      for (const m of ['ebTrain', 'dense'] as const) {
        const row = figure('accuracy').locator(`[data-method="${m}"]`);
        assert.equal(await row.getByTestId('study-value').innerText(), `${(100 * mean(accuracy(m))).toFixed(2)} ± ${pct(std(accuracy(m)))}`, m);
        // The error bar: a mean dot, a ± std bar, a 95 % interval with two caps, one ring per seed.
        assert.equal(await row.locator('svg circle.eb-mean').count(), 1);
        assert.equal(await row.locator('svg line.eb-std').count(), 1);
        // An interval clipped at what accuracy can be ends in an arrow instead of a cap.
        const clipped = await row.locator('svg.eb-bar').getAttribute('data-clipped') === 'true';
        assert.equal(await row.locator('svg line.eb-ci').count() + await row.locator('svg .eb-clip-mark').count(), 3);
        if (clipped) assert.match(await row.locator('svg.eb-bar').getAttribute('aria-label') ?? '', /drawn (from|to) .*the limit of what it can be/);
        assert.equal(await row.locator('svg circle.eb-seed').count(), 3);
        assert.match(await row.locator('svg.eb-bar').getAttribute('aria-label') ?? '', /95 % interval .* n = 3 seeds$/);
      }
      assert.equal(await figure('ticket').getByTestId('study-value').innerText(), `${mean(ticket).toFixed(1)} ± ${std(ticket).toFixed(1)}`);
      assert.deepEqual(await figure('accuracy').getByTestId('study-kind').allInnerTexts(), ['measured (test set)']);
      assert.deepEqual(await figure('compute').getByTestId('study-kind').allInnerTexts(), ['estimated (FLOP count)']);
      // Energy: each kind the runs recorded, or that none was; a seed without it named, never averaged.
      const kinds = [...new Set(summaries.filter((s) => !s.energy?.unmeasured?.length).flatMap((s) => Object.values(s.energy?.methods ?? {}).map((e) => e!.kind)))].sort();
      const shownKinds = (await figure('energy').getByTestId('study-kind').allInnerTexts()).sort();
      assert.deepEqual(shownKinds, kinds.length ? kinds : ['not recorded']);
      assert.equal(await figures.getByTestId('study-recommendation').innerText(), buildStudy(sweepDir).recommendation.text);
      // Every axis stays inside what its figure can be; a clipped interval is said in words.
      const study = buildStudy(sweepDir);
      const limits: Record<string, [number, number]> = { accuracy: [0, 1], energy: [0, Infinity], compute: [0, Infinity], ticket: [1, study.groups[0]!.plannedEpochs!], saving: [-Infinity, 100] };
      for (const [id, [min, max]] of Object.entries(limits)) {
        if (await figure(id).count() === 0) continue;
        const lo = Number(await figure(id).getAttribute('data-axis-min'));
        const hi = Number(await figure(id).getAttribute('data-axis-max'));
        assert.ok(lo >= min - 1e-9 && hi <= max + 1e-9 && hi > lo, `${id} axis ${lo}…${hi} outside ${min}…${max}`);
        const anyClipped = await figure(id).getAttribute('data-clipped') === 'true';
        assert.equal(await figure(id).getByTestId('study-clip-note').count(), anyClipped ? 1 : 0, id);
      }
      // EB Train's saving ± interval per setting, as the CLI and the study PDF have it (buildStudy's savings).
      const saving = study.groups[0]!.savings.dense;
      if (saving) {
        const cell = figures.getByTestId('study-savings').locator('[data-testid="study-saving"][data-reference="dense"]');
        const text = await cell.innerText();
        assert.equal(text, `${saving.mean.toFixed(1)} % ± ${saving.std!.toFixed(1)} % [${saving.ci95![0].toFixed(1)} % … ${saving.ci95![1].toFixed(1)} %] (n = ${saving.n})`);
        assert.match(text, /\(n = 3\)$/);
        assert.equal(await figure('saving').count(), 1, 'a saving figure with its error bar');
      }
      await screenshot(page, `study-figures-${viewport.width}`);

      // A point opens in the same detail panel as any run.
      await card.locator(`[data-testid="sweep-point"]`).nth(1).getByTestId('open-point').click();
      await page.getByTestId('detail-sweep').waitFor();
      assert.match(await page.getByTestId('detail-sweep').innerText(), new RegExp(`Point ${pointIds[1]} of sweep ${SWEEP}`));
      await page.getByTestId('detail-title').filter({ hasText: 'ui seeds' }).waitFor();
      await page.getByTestId('detail-export-pdf').waitFor();
      assert.equal(await page.getByTestId('detail-resume').count(), 0, 'a point is resumed by its sweep');
      assert.deepEqual(await card.locator('[data-testid="sweep-point"].current').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.runId)), [`${SWEEP}~${pointIds[1]}`]);
      await page.getByTestId('energy-comparison').last().waitFor();
      await screenshot(page, `study-point-detail-${viewport.width}`);
    });
  });
});
