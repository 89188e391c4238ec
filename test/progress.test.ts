/**
 * Progress for every phase: the lottery ticket, whose rounds are several training calls, sends
 * progress events with the epoch counted across its rounds and an ETA for the whole phase.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../src/core/config.ts';
import { runExperiment } from '../src/experiment/runner.ts';
import type { RunEvent } from '../src/core/events.ts';
import { plannedLotteryEpochs } from '../src/prune/lotteryTicket.ts';

test('the lottery-ticket phase reports progress across its rounds, with an ETA', { timeout: 300_000 }, async () => {
  const config = parseConfig({
    seed: 5,
    model: { name: 'tiny' },
    data: { spec: 'mnist', trainLimit: 320, testLimit: 100 },
    training: { epochs: 2, batchSize: 32, learningRate: 0.05 },
    search: { queueLength: 2, epsilon: 0.5 },
    comparisons: { dense: false, lotteryTicket: { enabled: true, mode: 'iterative', rounds: 2 } },
    energy: { intervalMs: 500 },
    export: { quantize: false },
  });
  const events: RunEvent[] = [];
  const outcome = await runExperiment(config, { runsDir: mkdtempSync(join(tmpdir(), 'eb-progress-')), onEvent: (e: RunEvent) => events.push(e) });
  assert.equal(outcome.status, 'completed');
  const start = events.find((e) => e.type === 'phase-start' && e.phase === 'lotteryTicket') as Extract<RunEvent, { type: 'phase-start' }>;
  // No dense baseline in this run: round 0 trains it (2 epochs), then 2 rounds of 2 epochs.
  assert.equal(plannedLotteryEpochs(config.comparisons.lotteryTicket, 2, false), 6);
  assert.equal(start.endEpoch, 6);
  const progress = events.filter((e): e is Extract<RunEvent, { type: 'progress' }> => e.type === 'progress' && e.phase === 'lotteryTicket');
  assert.ok(progress.length >= 6, `${progress.length} progress events`);
  const epochs = [...new Set(progress.map((p) => p.epoch))];
  assert.deepEqual(epochs, [0, 1, 2, 3, 4, 5], 'epochs counted across rounds, each reported');
  for (const p of progress) assert.ok(p.etaSeconds !== null && Number.isFinite(p.etaSeconds) && p.etaSeconds >= 0);
  assert.ok(progress[0]!.etaSeconds! > progress[progress.length - 1]!.etaSeconds!, 'the ETA counts down');
});
