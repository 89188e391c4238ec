/**
 * Studies in the app: `studies:list` groups a sweep's runs under the sweep, `study:export` writes
 * the study PDF, and browser mode serves it at /study/<name>.pdf behind the token; the Runs screen
 * in real Chromium shows the sweep with its runs and its Study PDF button. The sweep folder is
 * built from the report fixture (a real finished run) copied as two seeds, plus one point never
 * started, so no training runs here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type RunningServer } from '../src/server/startServer.ts';
import { buildStudy } from '../src/study/aggregate.ts';
import { chromiumMissing, onTabAtEachWidth, screenshot } from './helpers/browser.ts';
import { get, post } from './helpers/loopback.ts';

const FIXTURE = join('test', 'fixtures', 'report', 'run-complete');

/** <runs>/sweeps/fixture-seeds: seeds 1 and 2 finished (copies of the fixture run), seed 3 not started. */
function makeSweep(runsDir: string): void {
  const dir = join(runsDir, 'sweeps', 'fixture-seeds');
  mkdirSync(join(dir, 'runs'), { recursive: true });
  const points = [{ index: 0, id: 'aaaa000000000001', values: { seed: 1 } }, { index: 1, id: 'aaaa000000000002', values: { seed: 2 } }, { index: 2, id: 'aaaa000000000003', values: { seed: 3 } }];
  for (const p of points.slice(0, 2)) {
    cpSync(FIXTURE, join(dir, 'runs', p.id), { recursive: true });
    const summaryPath = join(dir, 'runs', p.id, 'summary.json');
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    summary.config.seed = p.values.seed;
    // The second seed scored a little lower: the study must show a spread.
    if (p.index === 1) for (const m of Object.values(summary.methods) as { testAccuracy: number }[]) m.testAccuracy -= 0.01;
    writeFileSync(summaryPath, JSON.stringify(summary));
  }
  // Seed 2 lost its last power source for 42 s: its energy must be left out of the study, its accuracy kept.
  const lostPath = join(dir, 'runs', points[1]!.id, 'summary.json');
  const lost = JSON.parse(readFileSync(lostPath, 'utf8'));
  lost.energy.unmeasured = [{ fromMs: 1, toMs: 42_001, seconds: 42, reason: 'rapl stopped: read took longer than 5000 ms' }];
  writeFileSync(lostPath, JSON.stringify(lost));
  writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ kind: 'earlybird-sweep', name: 'fixture-seeds', file: null, axes: ['seed'], points }));
}

describe('studies in the app', () => {
  let server: RunningServer;
  let runsDir: string;

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-study-app-'));
    makeSweep(runsDir);
    server = await startServer({ runsDir, log: () => undefined });
  });
  after(async () => {
    await server?.close();
    rmSync(runsDir, { recursive: true, force: true });
  });

  test('studies:list groups the runs under their sweep; study:export writes the PDF served behind the token', async () => {
    const list = await post(server, 'studies:list', {});
    assert.equal(list.status, 200);
    const [sweep] = list.body.result.sweeps;
    assert.equal(sweep.name, 'fixture-seeds');
    assert.deepEqual([sweep.finished, sweep.total, sweep.hasStudy], [2, 3, false]);
    assert.deepEqual(sweep.points.map((p: { run: { status: string } | null }) => p.run?.status ?? null), ['completed', 'completed', null]);

    const exported = await post(server, 'study:export', { sweep: 'fixture-seeds' });
    assert.equal(exported.status, 200, JSON.stringify(exported.body));
    assert.equal(exported.body.result.pages >= 2, true);
    assert.match(exported.body.result.recommendation, /1 point of dense/);
    const study = buildStudy(join(runsDir, 'sweeps', 'fixture-seeds'));
    assert.deepEqual(study.energyLeftOut, ['point 1 (seed = 2): energy left out — 42 s of the run unmeasured (rapl stopped: read took longer than 5000 ms)']);
    const g = study.groups[0]!;
    assert.equal(g.methods.ebTrain!.accuracy.n, 2);
    assert.equal(g.methods.ebTrain!.energy, null, 'one seed without complete energy: no energy mean for the group');
    assert.equal(g.savings.dense?.n, 1);
    const url = exported.body.result.url as string;
    assert.match(url, /^\/study\/fixture-seeds\.pdf\?token=/);
    // The PDF's table names the seed whose energy is in no mean, rather than saying "not recorded".
    const text = spawnSync('pdftotext', ['-layout', exported.body.result.path, '-'], { encoding: 'utf8' }).stdout;
    assert.match(text, /no mean: seed 2 without/);
    const pdf = await get(server.port, url);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.type, 'application/pdf');
    assert.equal(pdf.bytes.subarray(0, 5).toString(), '%PDF-');
    assert.equal((await get(server.port, '/study/fixture-seeds.pdf')).status, 401, 'no token, no study');
    assert.equal((await get(server.port, `/study/other.pdf?token=${server.token}`)).status, 404);
    assert.equal((await post(server, 'study:export', { sweep: 'nope' })).status, 404);
    assert.equal((await post(server, 'study:export', { sweep: '../x' })).status, 400);
  });

  test('the Runs screen shows the sweep with its runs and a Study PDF button', { skip: chromiumMissing() ?? false }, async () => {
    await onTabAtEachWidth(server.url, 'tab-runs', async (page, viewport) => {
      const card = page.getByTestId('sweep-card');
      await card.waitFor();
      assert.match(await card.locator('summary').innerText(), /fixture-seeds\s+2 of 3 runs finished · seed/);
      await card.locator('summary').click();
      assert.equal(await page.getByTestId('sweep-point').count(), 3);
      // Seed 2 lost its power source: named in the box and under the energy figure, which has no
      // mean; accuracy keeps both finished seeds; the seed never started is said, not counted.
      await card.getByTestId('study-figures').waitFor();
      assert.match(await card.getByTestId('energy-left-out').innerText(), /point 1 \(seed = 2\): energy left out — 42 s of the run unmeasured \(rapl stopped/);
      assert.match(await card.getByTestId('study-unfinished').innerText(), /point 2 \(seed = 3\), runs\/aaaa000000000003: not started/);
      const energy = card.locator('[data-figure="energy"]');
      assert.equal(await energy.locator('svg').count(), 0, 'no energy mean over one seed');
      for (const text of await energy.getByTestId('study-missing').allInnerTexts()) {
        assert.match(text, /^no mean\nseed 2 \(point 1\): energy left out — 42 s of the run unmeasured/);
      }
      assert.ok((await energy.getByTestId('study-missing').count()) >= 2);
      for (const n of await card.locator('[data-figure="accuracy"]').getByTestId('study-n').allInnerTexts()) assert.equal(n, 'n = 2 seeds');
      // A copied folder whose log names another run is no run of this sweep: it does not open.
      const copied = await post(server, 'runs:get', { runId: 'fixture-seeds~aaaa000000000001' });
      assert.equal(copied.status, 404);
      assert.match(copied.body.error, /does not start with this run's run-start event/);
      await page.getByTestId('export-study').click();
      await page.getByTestId('study-link').waitFor({ timeout: 60_000 });
      await screenshot(page, `runs-sweep-light-${viewport.width}`);
    });
  });
});
