/**
 * A config with seeds started through the app's contract (`experiment:start` on a real engine, real
 * worker processes): it lays out the study `earlybird run` would (same sweep folder, one run folder
 * per seed, each config the loaded one with that seed), runs the seeds one after another, and
 * Cancel on a seed's run stops the whole study — no later seed starts. Starting the same config
 * again resumes the study instead of making a second one, and a finished study is not started twice.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiError, type ApiEvent } from '../src/api/contract.ts';
import { createEngine } from '../src/api/engine.ts';
import { parseConfig, withSeed } from '../src/core/config.ts';
import { eventsPath } from '../src/run/paths.ts';
import { seedSweepName } from '../src/study/sweep.ts';
import { TINY_EXPERIMENT } from './helpers/tinyExperiment.ts';

const runsDir = mkdtempSync(join(tmpdir(), 'eb-app-study-'));
after(() => rmSync(runsDir, { recursive: true, force: true }));

test('seeds started from the app: the CLI\'s study, seed after seed; Cancel stops it; Start again resumes it', { timeout: 300_000 }, async () => {
  const events: ApiEvent[] = [];
  const engine = createEngine({ mode: 'browser', runsDir, emit: (e) => events.push(e) });
  try {
    const input = { ...TINY_EXPERIMENT, name: 'app study', repeats: 2, training: { ...TINY_EXPERIMENT.training, epochs: 3 } };
    const config = parseConfig(input);
    const started = await engine.api['experiment:start']({ config: input });
    const sweep = seedSweepName(config);
    assert.ok(started.study, 'a config with repeats starts a study');
    assert.equal(started.study.sweep, sweep);
    assert.equal(started.study.runIds.length, 2);
    assert.equal(started.runId, started.study.runIds[0]);
    const sweepDir = join(runsDir, 'sweeps', sweep);
    const manifest = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8')) as { points: { id: string; values: { seed: number } }[] };
    assert.deepEqual(manifest.points.map((p) => p.values.seed), [1, 2]);
    for (const p of manifest.points) {
      assert.deepEqual(JSON.parse(readFileSync(join(sweepDir, 'runs', p.id, 'config.json'), 'utf8')), withSeed(config, p.values.seed));
    }
    // The same config while it runs is refused, not started as a second study.
    await assert.rejects(engine.api['experiment:start']({ config: input }), (e: unknown) => e instanceof ApiError && e.status === 409 && /already running/.test(e.message));

    // Cancel the first seed once it has trained an epoch: the study stops, the second seed never starts.
    const [first, second] = started.study.runIds;
    const secondDir = join(sweepDir, 'runs', manifest.points[1]!.id);
    const firstEpoch = () => events.some((e) => e.runId === first && e.event.type === 'epoch');
    while (!firstEpoch()) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await engine.api['experiment:cancel']({ runId: first! }), { cancelled: true });
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(engine.supervisor.isActive(second!), false);
    assert.equal(existsSync(eventsPath(secondDir)), false, 'the second seed did not start');
    assert.ok(events.some((e) => e.runId === first && e.event.type === 'run-end' && e.event.status === 'cancelled'));

    // Start again: the same study, the first seed resumed, then the second; both complete.
    const again = await engine.api['experiment:start']({ config: input });
    assert.equal(again.runId, first);
    assert.equal(again.study?.sweep, sweep);
    const ended = (id: string) => events.some((e) => e.runId === id && e.event.type === 'run-end' && e.event.status === 'completed');
    while (!ended(second!)) await new Promise((r) => setTimeout(r, 500));
    assert.ok(ended(first!));
    await engine.supervisor.stopped(second!);
    const studies = await engine.api['studies:list']({});
    assert.equal(studies.sweeps.find((s) => s.name === sweep)?.finished, 2);
    // A finished study is not started again.
    await assert.rejects(engine.api['experiment:start']({ config: input }), (e: unknown) => e instanceof ApiError && e.status === 409 && /finished already/.test(e.message));
  } finally {
    await engine.supervisor.shutdown();
  }
});
