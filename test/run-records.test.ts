/**
 * The page's run records: a summary.json read before a run (re)starts or ends belongs to an
 * earlier attempt and is never shown as the run's final figures. (The e2e test met this as a race:
 * a resumed run's energy card showed its cancellation's "—" as final until the new summary arrived.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunRecords, settledSummary } from '../renderer/src/state/runRecords.ts';
import type { RendererApi } from '../src/api/contract.ts';
import type { RunEvent } from '../src/core/events.ts';
import type { RunSummary } from '../src/core/summary.ts';

test('a summary read before run-start or run-end is not the settled summary until it is read again', async () => {
  const runId = 'r1';
  let stored: { summary: RunSummary | null; events: RunEvent[] } = {
    summary: { status: 'cancelled', marker: 'first attempt' } as unknown as RunSummary,
    events: [
      { type: 'run-start', time: 0, resumed: false, backend: 'wasm' } as unknown as RunEvent,
      { type: 'run-end', time: 1, status: 'cancelled' } as unknown as RunEvent,
    ],
  };
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const api = {
    async call(channel: string) {
      assert.equal(channel, 'runs:get');
      await gate;
      return { events: stored.events, summary: stored.summary, config: null, active: false };
    },
    onEvent: () => () => undefined,
  } as unknown as RendererApi;
  const records = new RunRecords(api);

  await records.load(runId);
  const cancelled = records.get(runId)!;
  assert.equal((settledSummary(cancelled) as unknown as { marker: string }).marker, 'first attempt');

  // Resumed: the old summary is gone at once.
  records.handleLive({ runId, event: { type: 'run-start', time: 1, resumed: true, backend: 'wasm' } as unknown as RunEvent } as never);
  assert.equal(records.get(runId)!.summary, null);

  // It ends; until the new summary.json is read back, nothing is shown as final.
  gate = new Promise((resolve) => { release = resolve; });
  stored = {
    summary: { status: 'completed', marker: 'second attempt' } as unknown as RunSummary,
    events: [...stored.events, { type: 'run-start', time: 1, resumed: true, backend: 'wasm' } as unknown as RunEvent, { type: 'run-end', time: 2, status: 'completed' } as unknown as RunEvent],
  };
  records.handleLive({ runId, event: { type: 'run-end', time: 2, status: 'completed', summary: 'summary.json' } as unknown as RunEvent } as never);
  assert.equal(settledSummary(records.get(runId)!), null, 'no stale summary while the new one is read');
  release();
  await records.load(runId);
  assert.equal((settledSummary(records.get(runId)!) as unknown as { marker: string }).marker, 'second attempt');
});
