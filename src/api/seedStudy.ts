/**
 * A config with seeds (or repeats) started from the app runs the study `earlybird run` runs: a seed
 * sweep under <runs>/sweeps/<name> (same name, same folders, same manifest), one run per seed, each
 * in a worker of the supervisor, one after another. Every seed's run folder is made at the start, so
 * the page lists the whole study at once; starting the same config again resumes the study (finished
 * seeds are skipped, unfinished ones continue), as running the CLI command again does.
 */
import { join } from 'node:path';
import type { ExperimentConfig } from '../core/config.ts';
import type { RunEvent } from '../core/events.ts';
import { RunStore } from '../run/runStore.ts';
import { sweepsRoot } from '../study/listSweeps.ts';
import { pointDir, pointState, writeSweepManifest } from '../study/runSweep.ts';
import { seedSweep, seedSweepName, type SweepPoint } from '../study/sweep.ts';
import { parseSweepRunId, sweepRunId } from '../study/sweepRunId.ts';
import { ApiError } from './contract.ts';
import type { ExperimentSupervisor } from './supervisor.ts';

export interface StartedStudy {
  sweep: string;
  sweepDir: string;
  /** Every seed's run, as the app addresses it (`<sweep>~<point>`), in seed order. */
  runIds: string[];
  /** The run that starts now: the first seed not finished yet. */
  runId: string;
  runDir: string;
}

export class SeedStudies {
  /** Studies running now, by sweep name: whether Cancel was asked. */
  private readonly running = new Map<string, { cancelled: boolean }>();

  constructor(
    private readonly supervisor: ExperimentSupervisor,
    /** A seed that could not be started is reported on its own run, as a failed run-end. */
    private readonly onEvent: (runId: string, event: RunEvent) => void,
  ) {}

  isRunning(sweep: string): boolean {
    return this.running.has(sweep);
  }

  /** Lays the study out and starts its first unfinished seed; the rest follow as each one ends. */
  start(runsDir: string, config: ExperimentConfig): StartedStudy {
    const name = seedSweepName(config);
    if (this.running.has(name)) throw new ApiError(`the study ${name} (this config) is already running`, [], 409);
    const sweep = seedSweep(config, name);
    const sweepDir = join(sweepsRoot(runsDir), name);
    writeSweepManifest(sweepDir, sweep);
    const todo = sweep.points.filter((p) => pointState(sweepDir, p) !== 'done');
    if (todo.length === 0) throw new ApiError(`every seed of the study ${name} has finished already (${sweepDir}): open it on the Runs screen`, [], 409);
    for (const point of todo) {
      if (pointState(sweepDir, point) === 'new') RunStore.createNamed(join(sweepDir, 'runs'), point.id, point.config, 'app study').releaseLock();
    }
    const first = todo[0]!;
    this.supervisor.start(sweepRunId(name, first.id), pointDir(sweepDir, first));
    const state = { cancelled: false };
    this.running.set(name, state);
    void this.follow(name, sweepDir, todo, state).finally(() => this.running.delete(name));
    return { sweep: name, sweepDir, runIds: sweep.points.map((p) => sweepRunId(name, p.id)), runId: sweepRunId(name, first.id), runDir: pointDir(sweepDir, first) };
  }

  /** Cancels the study a seed's run belongs to: the running seed stops after its batch, no later seed starts. */
  async cancel(runId: string): Promise<boolean> {
    const ref = parseSweepRunId(runId);
    const state = ref ? this.running.get(ref.sweep) : undefined;
    if (state) state.cancelled = true;
    return (await this.supervisor.cancel(runId)) || Boolean(state);
  }

  private async follow(name: string, sweepDir: string, todo: SweepPoint[], state: { cancelled: boolean }): Promise<void> {
    for (let i = 0; i < todo.length; i++) {
      const runId = sweepRunId(name, todo[i]!.id);
      await this.supervisor.stopped(runId);
      const next = todo[i + 1];
      // The next seed starts after one that completed or failed (its folder says why), as on the CLI;
      // a cancel (here, from another page, or the app shutting down) or a killed worker ends the study.
      if (!next || state.cancelled || !this.endedOnItsOwn(sweepDir, todo[i]!)) return;
      const nextId = sweepRunId(name, next.id);
      try {
        this.supervisor.start(nextId, pointDir(sweepDir, next));
      } catch (error) {
        this.onEvent(nextId, { type: 'run-end', time: Date.now(), status: 'failed', error: `not started: ${(error as Error).message}` });
        return;
      }
    }
  }

  /** Whether the seed's run ended by itself: its summary says completed or failed. */
  private endedOnItsOwn(sweepDir: string, point: SweepPoint): boolean {
    const status = new RunStore(pointDir(sweepDir, point)).readSummary()?.status;
    return status === 'completed' || status === 'failed';
  }
}
