/**
 * States that must not mislead, and focus and position, in real Chromium against `startServer`: at
 * 1280 and 800 px every element Setup's Tab order reaches is clear of the sticky header and the
 * sticky Start bar (WCAG 2.4.11) and the cards keep their columns when the data set changes; a data
 * folder that is not there is named at data.spec as it is typed and refused at Start before any run
 * folder exists; a run whose data fails to load says it failed while preparing, with no Resume, no
 * chart waiting for an epoch and no PDF, and "Run again…" opens Setup at its top; a preset's name goes
 * once its data changes; the live region starts afresh with the next run; a run cancelled before
 * its first epoch is not called one that found no ticket; a bad loaded value is named with the value
 * found and does not blank the Model field; and a wrong token gets a page that says what happened and
 * where the right URL is printed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../src/server/startServer.ts';
import { chromiumMissing, launchChromium, openPage } from './helpers/browser.ts';

const missing = chromiumMissing();
if (missing) process.stderr.write(`setup-states: skipped — ${missing}\n`);

const SHOTS = process.env.EARLYBIRD_SHOTS ?? join(tmpdir(), 'i23states-shots');

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Folders in the runs dir (run folders; files such as an index are not runs). */
function runFolders(runsDir: string): string[] {
  return readdirSync(runsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

async function ready(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('setup-form').waitFor();
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
}

async function liveStatus(page: Page, status: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction((s) => document.querySelector('.live-body [data-testid="progress"]')?.getAttribute('data-status') === s, status, { timeout });
}

describe('setup states, focus and position in Chromium', { skip: missing ?? false }, () => {
  let server: RunningServer;
  let browser: Browser;
  let work: string;
  let runsDir: string;
  let base: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'eb-setup-states-'));
    runsDir = join(work, 'runs');
    mkdirSync(runsDir);
    server = await startServer({ runsDir });
    base = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const viewport of [{ width: 1280, height: 800 }, { width: 800, height: 800 }]) {
    test(`at ${viewport.width} px no element Tab reaches in Setup is under a sticky bar, and the cards keep their columns`, { timeout: 90_000 }, async () => {
      const { page, context, problems } = await openPage(browser, viewport);
      try {
        await ready(page, server.url);
        // Every "More settings" open, so their fields are in the Tab order too.
        await page.evaluate(() => document.querySelectorAll('.setup-form details').forEach((d) => d.setAttribute('open', '')));
        await page.getByTestId('preset-demo').focus();
        const seen: string[] = [];
        for (let i = 0; i < 200; i++) {
          const where = await page.evaluate(() => {
            const el = document.activeElement as HTMLElement | null;
            if (!el || !el.closest('.setup-screen')) return null;
            const header = document.querySelector('.app-header')!.getBoundingClientRect();
            const bar = document.querySelector('.panel:not([hidden]) .action-bar')!.getBoundingClientRect();
            const box = el.getBoundingClientRect();
            const inBar = Boolean(el.closest('.action-bar'));
            const name = el.dataset.testid ?? el.getAttribute('name') ?? `${el.tagName.toLowerCase()}:${el.textContent?.trim().slice(0, 30)}`;
            return { name, inBar, top: box.top, bottom: box.bottom, headerBottom: header.bottom, barTop: bar.top };
          });
          if (!where) break;
          seen.push(where.name);
          if (!where.inBar) {
            assert.ok(where.top >= where.headerBottom - 0.5, `${where.name}: top ${where.top} under the header (to ${where.headerBottom})`);
            assert.ok(where.bottom <= where.barTop + 0.5, `${where.name}: bottom ${where.bottom} under the Start bar (from ${where.barTop})`);
          }
          if (where.name === 'start-experiment') break;
          await page.keyboard.press('Tab');
        }
        for (const name of ['field-data.trainLimit', 'field-energy.intervalMs', 'field-energy.accuracyTarget', 'field-comparisons.scratchB', 'field-name', 'start-experiment']) {
          assert.ok(seen.includes(name), `Tab reached ${name} (reached ${seen.length}: ${seen.join(', ')})`);
        }
        await shot(page, `setup-focus-end-${viewport.width}`);

        // The cards' places do not depend on what the data set row shows.
        const places = () => page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('.setup-form fieldset.group')).map((g) => `${g.dataset.testid}@${Math.round(g.getBoundingClientRect().left)}`));
        await page.evaluate(() => window.scrollTo(0, 0));
        const before = await places();
        await page.getByTestId('data-kind-idx').check();
        await page.getByTestId('field-data.path').fill('/nowhere');
        await page.getByTestId('error-data.spec').waitFor();
        assert.deepEqual(await places(), before, 'no card moved to another column');
        await shot(page, `setup-idx-${viewport.width}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }

  test('a missing data folder is named as it is typed and refused at Start before a run folder exists', { timeout: 60_000 }, async () => {
    const { page, context } = await openPage(browser);
    try {
      await ready(page, server.url);
      const folders = runFolders(runsDir);
      const absent = join(work, 'no-such-folder');
      await page.getByTestId('data-kind-idx').check();
      await page.getByTestId('field-data.path').fill(absent);
      const error = page.getByTestId('error-data.spec');
      await error.getByText(`no folder ${absent} on the machine running earlybird`).waitFor();
      assert.match(await error.innerText(), /expected a folder with the four IDX files/);
      await page.getByTestId('form-validity').getByText('1 field needs attention').waitFor();
      await page.getByTestId('start-experiment').click();
      await page.getByTestId('setup-notice').getByText('Fix the highlighted fields first.').waitFor();
      // Past the form, straight to the API: the engine refuses it too, naming the field.
      const refusal = await page.evaluate(async (spec) => {
        try {
          const { api } = window as unknown as { api: { call(channel: string, input: unknown): Promise<unknown> } };
          await api.call('experiment:start', { config: { model: { name: 'tiny' }, data: { spec }, training: { epochs: 1 } } });
          return null;
        } catch (e) {
          return { message: (e as Error).message, paths: ((e as { issues?: { path: string }[] }).issues ?? []).map((i) => i.path) };
        }
      }, `idx:${absent}`);
      assert.deepEqual(refusal?.paths, ['data.spec'], JSON.stringify(refusal));
      assert.match(refusal!.message, /data\.spec: no folder/);
      assert.deepEqual(runFolders(runsDir), folders, 'no run folder was created');
      await shot(page, 'setup-missing-data-1280');

      // A bad loaded value is named with the value found, and the Model field is not blanked by it.
      await page.getByTestId('load-config-input').setInputFiles({ name: 'model-string.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ model: 'tiny', training: { epochs: 0 } })) });
      const notice = page.getByTestId('setup-notice');
      await notice.getByText('model: must be an object (found "tiny")').waitFor();
      await notice.getByText('training.epochs: must be at least 1 (found 0); allowed: whole number, at least 1 and at most 10000').waitFor();
      assert.equal(await page.getByTestId('field-model.name').inputValue(), 'tiny');
    } finally {
      await context.close();
    }
  });

  test('a run whose data fails to load: worded as such, no Resume, no PDF; Run again opens Setup at its top; the next run starts afresh', { timeout: 120_000 }, async () => {
    // The four IDX names are there (the check before the run passes) but the files are empty: the loader fails.
    const corrupt = join(work, 'corrupt-idx');
    mkdirSync(corrupt, { recursive: true });
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(corrupt, name), '');
    const { page, context, problems } = await openPage(browser, { width: 800, height: 800 });
    try {
      await ready(page, server.url);
      await page.getByTestId('preset-demo').click();
      const demoName = await page.getByTestId('field-name').inputValue();
      assert.match(demoName, /^demo/);
      await page.getByTestId('setup-notice').getByText('Demo settings loaded.').waitFor();
      await page.getByTestId('field-model.name').selectOption('tiny');
      // The demo's name named its model and data: changed, the name goes (and so does the notice about loading it).
      assert.equal(await page.getByTestId('field-name').inputValue(), '');
      assert.equal(await page.getByTestId('setup-notice').isVisible(), false);
      await page.getByTestId('data-kind-idx').check();
      await page.getByTestId('field-data.path').fill(corrupt);
      await page.getByTestId('field-training.epochs').fill('1');
      await page.getByTestId('form-validity').getByText('Ready to start').waitFor();
      await page.getByTestId('start-experiment').click();
      await liveStatus(page, 'failed');

      const body = page.locator('.live-body');
      // The end actions appear once the worker has gone.
      await page.getByTestId('live-run-again').waitFor();
      await body.getByTestId('progress-label').getByText(/failed (while preparing|before its first epoch)/).waitFor();
      assert.equal(await page.getByTestId('resume-run').isVisible(), false, 'no Resume: it would fail the same way');
      assert.match(await page.getByTestId('live-no-resume').innerText(), /Resume would fail the same way: the data set must change first/);
      assert.equal(await page.getByTestId('live-export-pdf').count(), 0, 'no PDF for a run with nothing to report');
      assert.equal(await body.getByTestId('chart-accuracy').isVisible(), false);
      assert.match(await body.getByTestId('no-charts').innerText(), /failed before its first epoch finished: there is no energy to compare and no curve to chart/);
      assert.equal(await body.getByTestId('energy-comparison').isVisible(), false, 'no energy card saying "no saving yet" for a run that is over');
      await body.getByTestId('run-facts').getByText(/corrupt-idx \(not loaded\)/).waitFor(); // from the summary, read in as the run ends
      assert.equal(await page.getByText('Waiting for the first finished epoch').filter({ visible: true }).count(), 0);
      await page.waitForFunction(() => document.querySelector('[data-testid="live-announcer"]')?.textContent === 'Run failed.');
      await shot(page, 'live-failed-800');

      // Run again from the bottom of the page: Setup opens at its top.
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await page.getByTestId('live-run-again').click();
      assert.equal(await page.getByTestId('tab-setup').getAttribute('aria-selected'), 'true');
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'Setup opens at its top');
      await shot(page, 'setup-run-again-800');

      // The next run: the live region no longer says how the last one ended; cancelled before its
      // first epoch, it is not said to have found no ticket.
      await page.getByTestId('data-kind-mnist').check();
      await page.getByTestId('field-data.trainLimit').fill('300');
      await page.getByTestId('form-validity').getByText('Ready to start').waitFor();
      const failedRun = ((await page.getByTestId('live-run-id').textContent()) ?? '').trim();
      await page.getByTestId('start-experiment').click();
      await page.waitForFunction((id) => {
        const shown = document.querySelector('[data-testid="live-run-id"]')?.textContent?.trim();
        return Boolean(shown) && shown !== id;
      }, failedRun);
      assert.notEqual(await page.getByTestId('live-announcer').textContent(), 'Run failed.');
      await page.getByTestId('cancel-run').click();
      await liveStatus(page, 'cancelled');
      await page.getByTestId('live-notice').getByText('Cancelled').waitFor();
      await page.getByTestId('live-run-again').waitFor(); // the worker has gone, the summary is read in
      const label = await body.getByTestId('progress-label').innerText();
      const saving = await body.getByTestId('energy-comparison').textContent();
      assert.doesNotMatch(saving ?? '', /no Early-Bird ticket was found/, 'a run cancelled early never searched');
      if (/cancelled (while preparing|before its first epoch)/.test(label)) {
        await body.getByTestId('run-facts').getByText('not searched').waitFor();
        assert.equal(await page.getByTestId('live-export-pdf').count(), 0);
        assert.ok(await page.getByTestId('resume-run').isVisible(), 'a cancel is resumed, unlike a data failure');
      }
      await shot(page, 'live-cancelled-800');

      // The runs table offers what the Live view does: the failed run neither Resume nor a PDF, the cancelled one a Resume.
      const cancelledRun = ((await page.getByTestId('live-run-id').textContent()) ?? '').trim();
      await page.getByTestId('tab-runs').click();
      const failedRow = page.locator(`[data-testid="run-row"][data-run-id="${failedRun}"]`);
      const cancelledRow = page.locator(`[data-testid="run-row"][data-run-id="${cancelledRun}"]`);
      await cancelledRow.waitFor();
      await failedRow.getByTestId('open-run').waitFor();
      assert.equal(await failedRow.getByTestId('row-resume').count(), 0, 'no Resume in the table either');
      assert.equal(await failedRow.getByTestId('export-pdf').count(), 0, 'no PDF in the table either');
      assert.equal(await cancelledRow.getByTestId('row-resume').count(), 1, 'a cancel is resumed from the table too');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  for (const width of [1280, 800]) {
    test(`at ${width} px a wrong token gets a page that says what happened and where the URL is printed`, async () => {
      const { page, context } = await openPage(browser, { width, height: 800 });
      try {
        const response = await page.goto(`${base}/?token=not-the-token`);
        assert.equal(response?.status(), 403);
        const text = await page.locator('body').innerText();
        assert.match(text, /This access token is not the server's/);
        assert.match(text, /new token each time it starts/);
        assert.match(text, /earlybird serve printed in its terminal/);
        await shot(page, `token-wrong-${width}`);
      } finally {
        await context.close();
      }
    });
  }
});
