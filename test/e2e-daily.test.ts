/**
 * The app as a daily tool, in real Chromium against `startServer`, on run folders copied from the
 * report fixture (a completed run, and the same run as cancelled), at 1280 and 800 px: the Runs
 * list keeps its status and actions in view and opens a run on a row click; a run's PDF (cancelled
 * too), its ticket as a zip another program opens, its folder's path with Copy, and Run again; Live
 * after a reload points at the latest run; and the page loads without console warnings.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { saveModelToDir } from '../src/experiment/modelFiles.ts';
import { buildModel } from '../src/models/index.ts';
import { startServer, type RunningServer } from '../src/server/startServer.ts';
import { chromiumMissing, launchChromium, openPage, screenshot } from './helpers/browser.ts';

const missing = chromiumMissing();
const FIXTURE = 'test/fixtures/report/run-complete';
const COMPLETED = '20251120-140312-lenet5-bn-mnist';
const CANCELLED = '20251121-090000-lenet5-bn-mnist';

/** The fixture as a cancelled run: same history, its summary and run-end say cancelled. */
function cancelledCopy(runsDir: string): void {
  const dir = join(runsDir, CANCELLED);
  cpSync(FIXTURE, dir, { recursive: true });
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ ...summary, runId: CANCELLED, status: 'cancelled' }));
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').replace('"type":"run-end","status":"completed"', '"type":"run-end","status":"cancelled"');
  writeFileSync(join(dir, 'events.jsonl'), events);
}

describe('the app as a daily tool', { skip: missing ?? false }, () => {
  let server: RunningServer;
  let browser: Browser;
  let runsDir: string;

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-daily-'));
    cpSync(FIXTURE, join(runsDir, COMPLETED), { recursive: true });
    // A real exported model where the summary says the ticket is (weights are untrained: the zip is what is checked).
    const modelDir = join(runsDir, COMPLETED, 'models', 'ebTrain');
    mkdirSync(modelDir, { recursive: true });
    const model = buildModel({ name: 'tiny', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    await saveModelToDir(model, modelDir, { input: { mean: [0.13], std: [0.31], classNames: [...'0123456789'], dataset: 'mnist-embedded', method: 'ebTrain', producedBy: 'test' } });
    model.dispose();
    cancelledCopy(runsDir);
    server = await startServer({ runsDir });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  for (const width of [1280, 800]) {
    test(`at ${width} px the Runs list shows status and actions, and a row click opens the run`, async () => {
      const { page, context, problems } = await openPage(browser, { width, height: 800 });
      const messages: string[] = [];
      page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
      try {
        await page.goto(`${server.url}#screen=runs`);
        const rows = page.getByTestId('run-row');
        await rows.nth(1).waitFor();
        for (const row of await rows.all()) {
          for (const part of [row.locator('.status'), ...(await row.locator('.row-actions button').all())]) {
            assert.ok(await part.isVisible(), `${await part.innerText()} is visible`);
            const box = (await part.boundingBox())!;
            assert.ok(box.x >= 0 && box.x + box.width <= width, `${await part.innerText()} at x ${box.x}..${box.x + box.width} inside ${width} px`);
          }
          assert.equal(await row.getByTestId('export-pdf').count(), 1, 'completed and cancelled runs both export a PDF');
        }
        const overflow = await page.locator('.runs-screen > .table-scroll').evaluate((e) => e.scrollWidth - e.clientWidth);
        assert.ok(overflow <= 1, `the list scrolls sideways by ${overflow} px`);
        await screenshot(page, `daily-runs-${width}`, false);

        await page.locator(`[data-testid="run-row"][data-run-id="${COMPLETED}"] .cell-data`).click();
        await page.getByTestId('detail-panel').waitFor();
        await page.getByTestId('detail-export-ticket').waitFor();
        assert.equal(await page.locator(`[data-testid="run-row"][data-run-id="${COMPLETED}"]`).getAttribute('class'), 'clickable current');
        const facts = await page.getByTestId('detail-panel').getByTestId('run-facts').innerText();
        assert.match(facts, /EB Train 97\.41 %.*Lottery ticket \(LTH\) 97\.72 %.*Scratch-E/s);
        assert.doesNotMatch(facts, /ebTrain|lotteryTicket|scratchE|ebReinit/, 'no config keys in the run facts');
        // The PDF's measured speed-ups (training step and inference), from the same summary field.
        const { speedup } = JSON.parse(readFileSync(join(FIXTURE, 'summary.json'), 'utf8')).slim;
        assert.ok(facts.includes(`${speedup.train.toFixed(2)}× training step`) && facts.includes(`${speedup.inference.toFixed(2)}× inference`), facts);
        await screenshot(page, `daily-detail-${width}`, false);
        assert.deepEqual(problems, []);
        assert.deepEqual(messages.filter((m) => /Permissions-Policy|warning/i.test(m)), [], 'no console warnings on load');
      } finally {
        await context.close();
      }
    });
  }

  test('a run\'s PDF (cancelled too), its ticket as a zip, its folder, and Run again', { timeout: 180_000 }, async () => {
    const { page, context, problems } = await openPage(browser, { width: 800, height: 800 });
    try {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${server.port}` });
      await page.goto(`${server.url}#screen=runs`);
      await page.locator(`[data-testid="run-row"][data-run-id="${CANCELLED}"] .cell-eb`).click();
      await page.getByTestId('detail-export-pdf').waitFor();
      assert.equal(await page.getByTestId('detail-export-ticket').count(), 1);
      const pdf = page.waitForEvent('download', { timeout: 120_000 });
      await page.getByTestId('detail-export-pdf').click();
      await page.locator('[data-testid="detail-notice"][data-kind="ok"], [data-testid="detail-notice"][data-kind="error"]').waitFor({ timeout: 120_000 });
      assert.equal(await page.getByTestId('detail-notice').getAttribute('data-kind'), 'ok', await page.getByTestId('detail-notice').innerText());
      assert.equal(readFileSync((await (await pdf).path())!).subarray(0, 5).toString('latin1'), '%PDF-');

      await page.locator(`[data-testid="run-row"][data-run-id="${COMPLETED}"] .cell-run`).click();
      await page.getByTestId('detail-title').getByText(/lenet5|MNIST|mnist/i).first().waitFor();
      const zip = page.waitForEvent('download', { timeout: 60_000 });
      await page.getByTestId('detail-export-ticket').click();
      const zipPath = (await (await zip).path())!;
      const listing = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist())); print(z.read(sys.argv[2]).decode())', zipPath, `${COMPLETED}/ebTrain/model.json`], { encoding: 'utf8' });
      assert.equal(listing.status, 0, listing.stderr);
      for (const name of ['README.txt', 'ebTrain/model.json', 'ebTrain/weights.bin']) assert.ok(listing.stdout.includes(`${COMPLETED}/${name}`), listing.stdout);
      assert.match(listing.stdout, /"userDefinedMetadata":\{"classNames":\["0"/);
      const base = `http://127.0.0.1:${server.port}`;
      assert.equal((await page.request.get(`${base}/ticket/${COMPLETED}.zip`)).status(), 401, 'the zip needs the token');
      const token = new URL(server.url).searchParams.get('token');
      assert.equal((await page.request.get(`${base}/ticket/...zip?token=${token}`)).status(), 404, '"." is no run id');
      await screenshot(page, 'daily-ticket-800', false);

      await page.getByTestId('detail-show-folder').click();
      assert.equal(await page.getByTestId('folder-path').innerText(), join(runsDir, COMPLETED));
      await page.getByTestId('copy-folder-path').click();
      await page.getByTestId('copy-folder-path').getByText('Copied').waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), join(runsDir, COMPLETED));

      await page.getByTestId('detail-run-again').click();
      assert.equal(await page.getByTestId('tab-setup').getAttribute('aria-selected'), 'true');
      await page.getByTestId('setup-notice').getByText(`Settings of ${COMPLETED} loaded`).waitFor();
      const config = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8'));
      assert.equal(await page.getByTestId('field-model.name').inputValue(), config.model.name);
      assert.equal(await page.getByTestId('field-training.epochs').inputValue(), String(config.training.epochs));
      await page.getByTestId('form-validity').getByText('Ready to start').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('after a reload, Live points at the latest run', async () => {
    const { page, context, problems } = await openPage(browser, { width: 1280, height: 800 });
    try {
      await page.goto(`${server.url}#screen=live`);
      await page.getByTestId('live-empty').waitFor();
      const link = page.getByTestId('open-last-run');
      await link.waitFor();
      assert.match(await link.innerText(), /cancelled/);
      await screenshot(page, 'daily-live-empty-1280', false);
      await link.click();
      assert.equal(await page.getByTestId('tab-runs').getAttribute('aria-selected'), 'true');
      await page.getByTestId('detail-panel').waitFor();
      assert.equal(await page.locator('tr.current').getAttribute('data-run-id'), CANCELLED);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('charts a researcher can read', { skip: missing ?? false }, () => {
  let server: RunningServer;
  let browser: Browser;
  let runsDir: string;

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-charts-'));
    cpSync(FIXTURE, join(runsDir, COMPLETED), { recursive: true });
    server = await startServer({ runsDir });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  for (const width of [1280, 800]) {
    test(`at ${width} px: accuracy axis fitted to the data, one legend entry per phase, data tables, distinct ratio shapes`, async () => {
      const { page, context, problems } = await openPage(browser, { width, height: 900 });
      try {
        await page.goto(`${server.url}#screen=runs`);
        await page.locator(`[data-testid="run-row"][data-run-id="${COMPLETED}"] .cell-data`).click();
        const accuracy = page.getByTestId('detail-panel').getByTestId('chart-accuracy');
        await page.waitForFunction(() => Number(document.querySelector('[data-testid="detail-panel"] [data-testid="chart-accuracy"]')?.getAttribute('data-points') ?? 0) > 0);
        const metrics = readFileSync(join(FIXTURE, 'metrics.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
        const lowest = Math.min(...metrics.flatMap((r) => [Number(r[5]), Number(r[7])]).filter((v) => Number.isFinite(v) && v > 0));
        const yMin = Number(await accuracy.getAttribute('data-y-min'));
        assert.ok(yMin > 0 && yMin <= lowest, `accuracy axis from ${yMin}, lowest value ${lowest}`);
        const phases = new Set(metrics.map((r) => r[0])).size;
        assert.equal(Number(await accuracy.getAttribute('data-legend-items')), phases, 'one legend entry per phase');

        await accuracy.getByTestId('show-chart-data').click();
        const table = accuracy.getByTestId('chart-data-table');
        await table.waitFor();
        const epochs = new Set(metrics.map((r) => r[2])).size;
        assert.equal(await table.locator('tbody tr').count(), epochs, 'a row per epoch');
        assert.match(await table.locator('thead').innerText(), /search · train[\s\S]*search · validation/);
        assert.match(await table.locator('tbody tr').first().innerText(), /\d+\.\d\d %/);

        // A button per phase; EB Train's phases and the dense baseline shown at first, the others one click away.
        const present = [...new Set(metrics.map((r) => r[0]!))];
        const toggles = accuracy.getByTestId('chart-toggle');
        assert.equal(await toggles.count(), phases);
        const pressed = () => accuracy.locator('[data-testid="chart-toggle"][aria-pressed="true"]').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.group));
        assert.deepEqual((await pressed()).sort(), present.filter((p) => ['search', 'surgery', 'retrain', 'dense'].includes(p)).sort());
        const shown = async () => Number(await accuracy.getAttribute('data-shown-series'));
        assert.ok(await shown() <= 6 && await shown() < Number(await accuracy.getAttribute('data-series')), `${await shown()} lines shown at first`);
        assert.match(await accuracy.getByTestId('chart-line-key').innerText(), /training \(solid\)[\s\S]*validation \(dashed\)/);
        const off = accuracy.locator('[data-testid="chart-toggle"][aria-pressed="false"]').first();
        const group = await off.getAttribute('data-group');
        const before = await shown();
        await off.click();
        assert.equal(await accuracy.locator(`[data-testid="chart-toggle"][data-group="${group}"]`).getAttribute('aria-pressed'), 'true');
        assert.ok(await shown() > before, `${group} switched on`);
        // Nice ticks: no axis repeats a label; energy in one unit, power and accuracy at one number of decimals.
        for (const id of ['chart-accuracy', 'chart-loss', 'chart-mask', 'chart-power', 'chart-energy']) {
          const card = page.getByTestId('detail-panel').getByTestId(id);
          for (const axis of ['data-x-ticks', 'data-y-ticks']) {
            const labels = (await card.getAttribute(axis) ?? '').split('|').filter(Boolean);
            assert.ok(labels.length >= 2, `${id} ${axis}: ${labels}`);
            assert.equal(new Set(labels).size, labels.length, `${id} ${axis} repeats a label: ${labels}`);
            if (axis === 'data-y-ticks' && id !== 'chart-mask') {
              assert.equal(new Set(labels.map((l) => /\.(\d+)/.exec(l)?.[1]?.length ?? 0)).size, 1, `${id}: mixed decimals ${labels}`);
              if (labels.some((l) => l.includes(' '))) assert.equal(new Set(labels.map((l) => l.split(' ').at(-1))).size, 1, `${id}: mixed units ${labels}`);
            }
          }
        }

        const mask = page.getByTestId('detail-panel').getByTestId('chart-mask');
        await mask.getByTestId('show-chart-data').click();
        assert.match(await mask.getByTestId('chart-data-table').locator('thead').innerText(), /p = 0\.3[\s\S]*p = 0\.5[\s\S]*p = 0\.7/);
        await accuracy.scrollIntoViewIfNeeded();
        await screenshot(page, `daily-charts-${width}`, false);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});

describe('comparing runs', { skip: missing ?? false }, () => {
  let server: RunningServer;
  let browser: Browser;
  let runsDir: string;
  const OTHER = '20251122-100000-lenet5-bn-mnist';

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-compare-'));
    cpSync(FIXTURE, join(runsDir, COMPLETED), { recursive: true });
    cancelledCopy(runsDir);
    // A third run: another seed, named, and a worse first search epoch (its accuracy axis starts lower).
    const dir = join(runsDir, OTHER);
    cpSync(FIXTURE, dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, seed: 11, name: 'seed 11' }));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ ...summary, runId: OTHER, name: 'seed 11', config: { ...summary.config, seed: 11, name: 'seed 11' } }));
    const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const first = events.find((e) => e.type === 'epoch' && e.phase === 'search' && e.logs.epoch === 0);
    first.logs.accuracy = 0.42;
    writeFileSync(join(dir, 'events.jsonl'), `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    server = await startServer({ runsDir });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  for (const width of [1280, 800]) {
    test(`at ${width} px: three runs, named columns, the config keys that differ, runs overlaid per metric`, async () => {
      const { page, context, problems } = await openPage(browser, { width, height: 900 });
      try {
        await page.goto(`${server.url}#screen=runs`);
        for (const id of [COMPLETED, OTHER, CANCELLED]) await page.locator(`[data-testid="run-row"][data-run-id="${id}"]`).getByTestId('select-run').check();
        assert.equal(await page.getByTestId('compare-runs').innerText(), 'Compare the 3 selected');
        await page.getByTestId('compare-runs').click();
        const table = page.getByTestId('compare-table');
        await table.getByText('Energy saved').waitFor();
        const head = await table.locator('thead').innerText();
        assert.match(head, /seed 11/);
        assert.match(head, /demo: lenet5-bn on the embedded digits/);
        // The configs differ in their name and seed only; the seed is an identifier: no difference given.
        const diff = page.getByTestId('config-diff-row');
        assert.deepEqual(await diff.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.key)), ['name', 'seed']);
        const seed = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')).seed as number;
        assert.match(await diff.filter({ has: page.locator('code', { hasText: /^seed$/ }) }).innerText(), new RegExp(`^seed\\s+${seed}\\s+11\\s+${seed}$`));
        // One chart per metric, every run on it; training accuracy shows run OTHER's 42 % first epoch.
        const accuracy = page.getByTestId('overlay-accuracy');
        await page.getByTestId('compare-curve').selectOption('train');
        await page.waitForFunction((ids) => ids.every((id) => (document.querySelector('[data-testid="overlay-accuracy"]')?.getAttribute('data-runs') ?? '').split(' ').includes(id)), [COMPLETED, OTHER, CANCELLED]);
        assert.ok(Number(await accuracy.getAttribute('data-y-min')) <= 0.42, `the accuracy axis shows the 42 % epoch (from ${await accuracy.getAttribute('data-y-min')})`);
        await page.getByTestId('run-compare').scrollIntoViewIfNeeded();
        await screenshot(page, `daily-compare-${width}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});
