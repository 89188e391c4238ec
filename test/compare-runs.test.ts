/**
 * Comparing and browsing runs in real Chromium against `startServer`, at 1280 and 800 px: two real
 * tiny runs of different length (2 epochs, and 3 epochs with Scratch-B on a bigger slice) made by the
 * engine's runner, beside the report fixture. The runs table sorts by the energy saving (`aria-sort`
 * follows, the order is the summaries') and filters by model without scrolling sideways; two runs
 * compared are overlaid in one chart per metric on an x axis covering both, the config diff lists
 * exactly the keys that differ; an opened run's title and actions are in the window, below the header.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parseConfig } from '../src/core/config.ts';
import { runExperiment } from '../src/experiment/runner.ts';
import { startServer, type RunningServer } from '../src/server/startServer.ts';
import { chromiumMissing, launchChromium, openPage } from './helpers/browser.ts';
import { TINY_EXPERIMENT } from './helpers/tinyExperiment.ts';

const missing = chromiumMissing();
const FIXTURE = 'test/fixtures/report/run-complete';
const FIXTURE_ID = '20251120-140312-lenet5-bn-mnist';
const SHOTS = process.env.EARLYBIRD_SHOTS ?? join(process.cwd(), 'test-artifacts', 'screenshots');

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** The keys the two real runs' configs differ in, and nothing else. */
const DIFFERING = ['name', 'seed', 'data.trainLimit', 'training.epochs', 'training.batchSize', 'comparisons.scratchB'];
const METRIC_CHARTS = ['overlay-accuracy', 'overlay-loss', 'overlay-energy', 'overlay-power', 'overlay-mask'];

/** The run ids in the order the table shows them (top-level run rows). */
const rowOrder = (page: Page) => page.locator('[data-testid="run-row"]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.runId!));

describe('comparing and browsing runs', { skip: missing ?? false }, () => {
  let server: RunningServer;
  let browser: Browser;
  let runsDir: string;
  let shortRun: string;
  let longRun: string;

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-compare-runs-'));
    cpSync(FIXTURE, join(runsDir, FIXTURE_ID), { recursive: true });
    shortRun = (await runExperiment(parseConfig({ ...TINY_EXPERIMENT, name: 'short run' }), { runsDir })).runId;
    longRun = (await runExperiment(parseConfig({
      ...TINY_EXPERIMENT, name: 'long run', seed: 2,
      data: { ...TINY_EXPERIMENT.data, trainLimit: 300 },
      training: { ...TINY_EXPERIMENT.training, epochs: 3, batchSize: 32 },
      comparisons: { scratchB: true },
    }), { runsDir })).runId;
    assert.notEqual(shortRun, longRun);
    server = await startServer({ runsDir });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  /** The saving the runs list gives each run, from its summary (null when none may be claimed). */
  const savedPercent = (id: string): number | null => {
    const summary = JSON.parse(readFileSync(join(runsDir, id, 'summary.json'), 'utf8')) as { energy: { savedPercent: number | null } | null };
    return summary.energy?.savedPercent ?? null;
  };
  /** Nulls last either way; equal savings keep the newest id first. */
  const bySaving = (ids: string[], direction: 1 | -1) => [...ids].sort((a, b) => {
    const x = savedPercent(a);
    const y = savedPercent(b);
    if (x === null || y === null) return x === y ? b.localeCompare(a) : x === null ? 1 : -1;
    return x === y ? b.localeCompare(a) : direction * (x - y);
  });

  for (const width of [1280, 800]) {
    test(`at ${width} px: the table sorts and filters, two runs overlay per metric, the diff is exact, Open shows the title`, { timeout: 120_000 }, async () => {
      const { page, context, problems } = await openPage(browser, { width, height: 900 });
      try {
        await page.goto(`${server.url}#screen=runs`);
        await page.locator('[data-testid="run-row"]').nth(2).waitFor();
        const all = [FIXTURE_ID, shortRun, longRun];
        const overflow = await page.locator('.runs-screen > .table-scroll').evaluate((e) => e.scrollWidth - e.clientWidth);
        assert.ok(overflow <= 1, `the runs table scrolls sideways by ${overflow} px`);
        await shot(page, `runs-table-${width}`);

        // Sort by the saving: largest first, then smallest first; aria-sort says which.
        const saved = page.locator('th[data-column="saved"]');
        assert.equal(await saved.getAttribute('aria-sort'), null);
        assert.equal(await page.locator('th[data-column="started"]').getAttribute('aria-sort'), 'descending', 'newest first to begin with');
        await saved.getByRole('button').click();
        assert.equal(await saved.getAttribute('aria-sort'), 'descending');
        assert.equal(await page.locator('th[aria-sort]').count(), 1, 'one column says it is sorted');
        assert.deepEqual(await rowOrder(page), bySaving(all, -1));
        await saved.getByRole('button').click();
        assert.equal(await saved.getAttribute('aria-sort'), 'ascending');
        assert.deepEqual(await rowOrder(page), bySaving(all, 1));

        // Filter by model: the tiny runs, then the fixture's lenet5-bn.
        const filter = page.getByTestId('runs-filter');
        await filter.fill('tiny');
        assert.deepEqual((await rowOrder(page)).sort(), [shortRun, longRun].sort());
        for (const model of await page.getByTestId('run-model').allInnerTexts()) assert.equal(model, 'tiny');
        await filter.fill('lenet5-bn');
        assert.deepEqual(await rowOrder(page), [FIXTURE_ID]);
        await filter.fill('no such model');
        await page.getByTestId('runs-no-match').waitFor();
        await filter.fill('');
        assert.equal((await rowOrder(page)).length, 3);

        // Compare the two real runs: one chart per metric, both overlaid, on an axis covering both.
        for (const id of [shortRun, longRun]) await page.locator(`[data-testid="run-row"][data-run-id="${id}"]`).getByTestId('select-run').check();
        await page.getByTestId('compare-runs').click();
        await page.getByTestId('compare-table').getByText('Energy saved').waitFor();
        for (const chart of METRIC_CHARTS) {
          await page.waitForFunction(({ chart, ids }) => {
            const runs = (document.querySelector(`[data-testid="${chart}"]`)?.getAttribute('data-runs') ?? '').split(' ');
            return ids.every((id) => runs.includes(id));
          }, { chart, ids: [shortRun, longRun] }, { timeout: 15_000 });
          const card = page.getByTestId(chart);
          const extents = JSON.parse((await card.getAttribute('data-run-extents'))!) as Record<string, [number, number]>;
          const xMin = Number(await card.getAttribute('data-x-min'));
          const xMax = Number(await card.getAttribute('data-x-max'));
          for (const id of [shortRun, longRun]) {
            assert.ok(xMin <= extents[id]![0] && xMax >= extents[id]![1], `${chart}: the axis ${xMin}..${xMax} covers ${id}'s ${extents[id]}`);
          }
          assert.ok(Number(await card.getAttribute('data-series')) >= 2, `${chart}: a series per run at least`);
        }
        const accuracy = JSON.parse((await page.getByTestId('overlay-accuracy').getAttribute('data-run-extents'))!) as Record<string, [number, number]>;
        assert.equal(accuracy[shortRun]![1], 2, 'the short run ends at epoch 2');
        assert.ok(accuracy[longRun]![1] >= 3, `the long run goes to epoch ${accuracy[longRun]![1]}`);
        // Readable narrow: one chart per row below 1100 px (each as wide as the grid).
        const boxes = await Promise.all(METRIC_CHARTS.map(async (c) => (await page.getByTestId(c).boundingBox())!));
        if (width === 800) assert.equal(new Set(boxes.map((b) => Math.round(b.x))).size, 1, 'one chart per row');

        const keys = await page.getByTestId('config-diff-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.key!));
        assert.deepEqual([...keys].sort(), [...DIFFERING].sort());
        const batch = await page.locator('[data-testid="config-diff-row"][data-key="training.batchSize"]').innerText();
        assert.match(batch, /^training\.batchSize\s+64\s+32$/);
        assert.doesNotMatch(await page.getByTestId('compare-config-diff').innerText(), /\(\+|\(−|±/, 'no difference given on a config value');
        await page.getByTestId('run-compare').scrollIntoViewIfNeeded();
        await shot(page, `compare-${width}`, true);

        // Open a run: its title and actions are in the window, below the sticky header.
        await page.getByTestId('close-compare').click();
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.locator(`[data-testid="run-row"][data-run-id="${longRun}"]`).getByTestId('open-run').click();
        await page.getByTestId('detail-title').filter({ hasText: 'long run' }).waitFor();
        await page.getByTestId('close-detail').waitFor();
        await page.waitForTimeout(300);
        const header = (await page.locator('.app-header').boundingBox())!;
        for (const part of ['detail-title', 'close-detail', 'detail-export-pdf']) {
          const box = (await page.getByTestId(part).boundingBox())!;
          assert.ok(box.y >= header.y + header.height - 1 && box.y + box.height <= 900, `${part} at y ${box.y}..${box.y + box.height}, header ends at ${header.y + header.height}`);
        }
        await shot(page, `opened-${width}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});
