/**
 * EB Train and the dense baseline in turns, an epoch each: the baton goes back and forth in order;
 * a whole run in turns trains exactly what a run one after the other trains (the same accuracies,
 * the same exported weights, byte for byte) with the two methods' epochs alternating in the log and
 * the energy meter following the baton; the like-for-like check then compares the search with the
 * dense epochs trained beside it; and a failure or a cancel in one method stops the other, so the
 * run ends instead of waiting for a baton that never comes back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../src/core/config.ts';
import { likeForLikeLine } from '../src/energy/savingWords.ts';
import type { RunEvent } from '../src/core/events.ts';
import { resumeExperiment, runExperiment, type RunOutcome } from '../src/experiment/runner.ts';
import { Turns } from '../src/experiment/turns.ts';
import { readEventsFile } from '../src/run/runStore.ts';
import { TINY_EXPERIMENT } from './helpers/tinyExperiment.ts';

const runsDir = mkdtempSync(join(tmpdir(), 'earlybird-turns-'));
after(() => rmSync(runsDir, { recursive: true, force: true }));

const CONFIG = {
  ...TINY_EXPERIMENT,
  training: { ...TINY_EXPERIMENT.training, epochs: 5 },
  search: { ...TINY_EXPERIMENT.search, stopOnFound: true },
  comparisons: { dense: true },
};
const configOf = (sequential: boolean) => parseConfig({ ...CONFIG, comparisons: { dense: true, ...(sequential ? { sequential: true } : {}) } });

type Epoch = Extract<RunEvent, { type: 'epoch' }>;
const epochsOf = (events: RunEvent[]) => events.filter((e): e is Epoch => e.type === 'epoch');
const eb = new Set(['search', 'retrain']);

describe('turns: one baton', () => {
  test('whoever holds it runs until it passes or leaves; passing with nobody waiting goes on at once', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const a = (async () => {
      await turns.enter();
      log.push('a0');
      await turns.pass();
      log.push('a1');
      await turns.pass();
      log.push('a2');
      assert.equal(await turns.pass(), false, 'b has left: nobody waits');
      log.push('a3');
      turns.leave();
    })();
    const b = (async () => {
      await turns.enter();
      log.push('b0');
      assert.equal(await turns.pass(), true);
      log.push('b1');
      turns.leave();
    })();
    await Promise.all([a, b]);
    assert.deepEqual(log, ['a0', 'b0', 'a1', 'b1', 'a2', 'a3']);
    await turns.enter();
    turns.leave();
  });
});

describe('turns: EB Train and the dense baseline', () => {
  let inTurns: RunOutcome;
  let oneAfterAnother: RunOutcome;
  let events: RunEvent[];
  before(async () => {
    inTurns = await runExperiment(configOf(false), { runsDir });
    oneAfterAnother = await runExperiment(configOf(true), { runsDir });
    events = readEventsFile(join(inTurns.runDir, 'events.jsonl'));
  });

  test('train the same networks as one after the other, their epochs alternating in the log', () => {
    assert.equal(inTurns.status, 'completed');
    for (const method of ['ebTrain', 'dense'] as const) {
      const a = inTurns.summary.methods[method]!;
      const b = oneAfterAnother.summary.methods[method]!;
      assert.equal(a.testAccuracy, b.testAccuracy, method);
      assert.deepEqual(readFileSync(join(inTurns.runDir, 'models', method, 'weights.bin')), readFileSync(join(oneAfterAnother.runDir, 'models', method, 'weights.bin')), `${method}: the same weights`);
    }
    const order = epochsOf(events).map((e) => (eb.has(e.phase) ? 'eb' : e.phase));
    const ebCount = order.filter((p) => p === 'eb').length;
    const denseCount = order.filter((p) => p === 'dense').length;
    assert.equal(denseCount, 5);
    // Alternating while both have epochs left: eb, dense, eb, dense, …
    const paired = Math.min(ebCount, denseCount);
    assert.deepEqual(order.slice(0, 2 * paired), Array.from({ length: 2 * paired }, (_, i) => (i % 2 ? 'dense' : 'eb')));
    const sequential = epochsOf(readEventsFile(join(oneAfterAnother.runDir, 'events.jsonl'))).map((e) => e.phase);
    assert.deepEqual(sequential.slice(-5), ['dense', 'dense', 'dense', 'dense', 'dense'], 'sequential: the dense baseline after EB Train');
  });

  test('the energy meter follows the baton, and the search is compared with the dense epochs beside it', () => {
    const marks = events.filter((e) => e.type === 'energy.phase').map((e) => (e as { phase: string }).phase).filter((p) => p === 'search' || p === 'dense');
    assert.ok(marks.indexOf('dense') < marks.lastIndexOf('search'), `the search's energy phase resumes after the dense one started: ${marks.join(' ')}`);
    const energy = inTurns.summary.energy!;
    assert.ok(energy.phases.search!.joules > 0 && energy.phases.dense!.joules > 0);
    const l = energy.likeForLike!;
    assert.equal(l.inTurns, true);
    assert.equal(l.phases[1]!.epochs, l.phases[0]!.epochs, 'as many dense epochs as search epochs');
    assert.match(likeForLikeLine(l), new RegExp(`dense [\\d.]+ m?J over its first ${l.phases[0]!.epochs}, trained in turns with them`));
    assert.equal(oneAfterAnother.summary.energy!.likeForLike!.inTurns, undefined);
    assert.equal(oneAfterAnother.summary.energy!.likeForLike!.phases[1]!.epochs, 5);
  });

  test('a failure in the dense baseline stops EB Train and fails the run', async () => {
    const failing = runExperiment(configOf(false), {
      runsDir,
      callbacks: (phase) => (phase === 'dense' ? [{ onEpochEnd: (logs) => { if (logs.epoch === 1) throw new Error('dense failed at its second epoch'); } }] : []),
    });
    await assert.rejects(failing, /dense failed at its second epoch/);
    const dirs = readdirNewest();
    const log = readEventsFile(join(dirs, 'events.jsonl'));
    const last = log[log.length - 1]!;
    assert.equal(last.type, 'run-end');
    assert.equal((last as { status: string }).status, 'failed');
    const ebEnd = log.filter((e) => e.type === 'phase-end' && eb.has((e as { phase: string }).phase)).pop() as { status: string } | undefined;
    assert.equal(ebEnd?.status, 'cancelled', 'EB Train stopped, not left waiting');
  });

  test('a failure in EB Train before the dense baseline\'s first turn: the dense baseline never starts', async () => {
    await assert.rejects(runExperiment(configOf(false), {
      runsDir,
      callbacks: (phase) => (phase === 'search' ? [{ onEpochEnd: () => { throw new Error('search failed at its first epoch'); } }] : []),
    }), /search failed at its first epoch/);
    const log = readEventsFile(join(readdirNewest(), 'events.jsonl'));
    assert.ok(!log.some((e) => e.type === 'phase-start' && (e as { phase: string }).phase === 'dense'), 'no dense phase');
    assert.equal((log[log.length - 1] as { status?: string }).status, 'failed');
  });

  test('a cancel stops both, and a resume finishes both in turns', async () => {
    const controller = new AbortController();
    let denseEpochs = 0;
    const cancelled = await runExperiment(configOf(false), {
      runsDir, signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.phase === 'dense' && ++denseEpochs === 2) controller.abort();
      },
    });
    assert.equal(cancelled.status, 'cancelled');
    const resumed = await resumeExperiment(cancelled.runDir, configOf(false), { runsDir });
    assert.equal(resumed.status, 'completed');
    for (const method of ['ebTrain', 'dense'] as const) {
      assert.equal(resumed.summary.methods[method]!.testAccuracy, inTurns.summary.methods[method]!.testAccuracy, method);
    }
  });
});

/** The run folder written last (the failed run leaves no outcome to ask). */
function readdirNewest(): string {
  return readdirSync(runsDir).map((d) => join(runsDir, d)).filter((d) => statSync(d).isDirectory()).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
}
