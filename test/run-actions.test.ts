/**
 * The engine side of a run's actions: the folder is revealed through the desktop's hook (Electron
 * passes shell.openPath) or, in a browser, only named; a run without a retrained ticket says so.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../src/api/contract.ts';
import { createEngine } from '../src/api/engine.ts';

const RUN = '20251120-140312-lenet5-bn-mnist';

test('runs:reveal opens the folder where the app can, and names it everywhere', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'eb-actions-'));
  cpSync('test/fixtures/report/run-complete', join(runsDir, RUN), { recursive: true });
  const opened: string[] = [];
  const desktop = createEngine({ mode: 'electron', runsDir, emit: () => undefined, revealFolder: async (path) => void opened.push(path) });
  assert.deepEqual(await desktop.api['runs:reveal']({ runId: RUN }), { path: join(runsDir, RUN), revealed: true });
  assert.deepEqual(opened, [join(runsDir, RUN)]);
  const browser = createEngine({ mode: 'browser', runsDir, emit: () => undefined });
  assert.deepEqual(await browser.api['runs:reveal']({ runId: RUN }), { path: join(runsDir, RUN), revealed: false });
  await assert.rejects(browser.api['runs:reveal']({ runId: 'no-such-run' }), (e: unknown) => e instanceof ApiError && e.status === 404);
  // The fixture has no models/ folder: no ticket to pack, and the message says why.
  await assert.rejects(browser.api['ticket:export']({ runId: RUN }), (e: unknown) => e instanceof ApiError && e.status === 409 && /no retrained ticket yet \(models\/ebTrain\)/.test(e.message));
});
