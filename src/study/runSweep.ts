/**
 * Runs a sweep's points: one point by index (a Slurm array task, a Kubernetes indexed pod, or a
 * child of the local pool), or all of them with up to N at once on this machine. A point whose run
 * folder holds a completed summary is skipped; one that started before is resumed.
 *
 * The sweep folder:
 *   sweep.json        the sweep as expanded: axes, and per point its index, run id and values
 *   runs/<id>/        one run folder per point, named by the hash of its resolved config
 *   logs/             per-point logs of the local pool and of Slurm tasks
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { appRoot } from '../appRoot.ts';
import { resumeExperiment, runExperiment, type RunOptions, type RunOutcome } from '../experiment/runner.ts';
import { writeJsonAtomic } from '../run/files.ts';
import { RunError, RunStore, defaultRunsDir } from '../run/runStore.ts';
import { configPath } from '../run/paths.ts';
import type { Sweep, SweepPoint } from './sweep.ts';

/** The CLI the pool's children and cluster tasks run (found from the sources or the bundle alike). */
export const BIN_PATH = join(appRoot(), 'bin', 'earlybird.mjs');

export type PointState = 'done' | 'unfinished' | 'new';

/** Where a sweep's folder goes unless --out says: <runs root>/sweeps/<name>. */
export function defaultSweepDir(name: string, runsDir = defaultRunsDir()): string {
  return join(runsDir, 'sweeps', name);
}

export function pointDir(sweepDir: string, point: Pick<SweepPoint, 'id'>): string {
  return join(sweepDir, 'runs', point.id);
}

export function pointState(sweepDir: string, point: Pick<SweepPoint, 'id'>): PointState {
  const dir = pointDir(sweepDir, point);
  if (!existsSync(configPath(dir))) return existsSync(dir) ? 'unfinished' : 'new';
  return new RunStore(dir).readSummary()?.status === 'completed' ? 'done' : 'unfinished';
}

/** Writes sweep.json: what a study (and a reader) needs to map run folders back to grid values. */
export function writeSweepManifest(sweepDir: string, sweep: Sweep): void {
  mkdirSync(join(sweepDir, 'runs'), { recursive: true });
  writeJsonAtomic(join(sweepDir, 'sweep.json'), {
    kind: 'earlybird-sweep',
    name: sweep.name,
    file: sweep.file,
    axes: sweep.axes,
    points: sweep.points.map((p) => ({ index: p.index, id: p.id, values: p.values })),
    spec: { ...sweep.spec, base: undefined },
  });
}

/**
 * The index of the point this process runs: --index, else SLURM_ARRAY_TASK_ID, else
 * JOB_COMPLETION_INDEX (Kubernetes indexed jobs); null when none is set.
 */
export function pointIndexFrom(flag: string | undefined, env: NodeJS.ProcessEnv, count: number): number | null {
  const [source, text] = flag !== undefined ? ['--index', flag]
    : env.SLURM_ARRAY_TASK_ID !== undefined ? ['SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID]
    : env.JOB_COMPLETION_INDEX !== undefined ? ['JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX]
    : [null, null];
  if (source === null) return null;
  const index = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || !Number.isInteger(index) || index >= count) {
    throw new RunError(`${source}=${text}: expected a point index from 0 to ${count - 1} (the sweep has ${count} points)`);
  }
  return index;
}

export interface PointOutcome {
  index: number;
  id: string;
  /** What happened: skipped (already done), ran (new), resumed (continued an unfinished folder). */
  action: 'skipped' | 'ran' | 'resumed';
  status: RunOutcome['status'] | 'completed';
}

/** Runs one point in this process: skip, resume or start. */
export async function runPoint(sweepDir: string, point: SweepPoint, options: Omit<RunOptions, 'runsDir' | 'runId'> = {}): Promise<PointOutcome> {
  const state = pointState(sweepDir, point);
  if (state === 'done') return { index: point.index, id: point.id, action: 'skipped', status: 'completed' };
  const runsDir = join(sweepDir, 'runs');
  const dir = pointDir(sweepDir, point);
  if (state === 'unfinished' && existsSync(configPath(dir))) {
    const outcome = await resumeExperiment(dir, point.config, options);
    return { index: point.index, id: point.id, action: 'resumed', status: outcome.status };
  }
  if (state === 'unfinished') throw new RunError(`${dir} exists but is no run folder (no config.json); remove it to run point ${point.index}`);
  const outcome = await runExperiment(point.config, { ...options, runsDir, runId: point.id });
  return { index: point.index, id: point.id, action: 'ran', status: outcome.status };
}

/** Points at once on this machine: one per GPU where there are GPUs, else one per two cores. */
export function defaultParallel(gpus: number, cores = availableParallelism()): number {
  return gpus > 0 ? gpus : Math.max(1, Math.floor(cores / 2));
}

export interface LocalSweepOptions {
  parallel: number;
  /** The sweep file the children read (required for parallel > 1). */
  sweepFile: string | null;
  log(line: string): void;
  signal?: AbortSignal;
  runOptions?: Omit<RunOptions, 'runsDir' | 'runId' | 'signal'>;
}

/**
 * All points on this machine. parallel = 1 runs them one after another in this process; more
 * runs each in a child process (`earlybird sweep <file> --index I --out <dir>`), up to N at once,
 * each with its own log under logs/.
 */
export async function runSweepLocally(sweep: Sweep, sweepDir: string, options: LocalSweepOptions): Promise<PointOutcome[]> {
  writeSweepManifest(sweepDir, sweep);
  const todo = sweep.points.filter((p) => pointState(sweepDir, p) !== 'done');
  const outcomes: PointOutcome[] = sweep.points.filter((p) => !todo.includes(p)).map((p) => ({ index: p.index, id: p.id, action: 'skipped', status: 'completed' }));
  if (outcomes.length) options.log(`${outcomes.length} of ${sweep.points.length} points already finished: skipped`);
  if (options.parallel <= 1 || todo.length <= 1) {
    for (const point of todo) {
      if (options.signal?.aborted) break;
      options.log(`point ${point.index + 1}/${sweep.points.length} (${describeValues(point.values)}) → runs/${point.id}`);
      const wasState = pointState(sweepDir, point);
      try {
        outcomes.push(await runPoint(sweepDir, point, { ...options.runOptions, signal: options.signal }));
      } catch (error) {
        // One failed point does not stop the sweep; its folder says why and a rerun resumes it.
        options.log(`point ${point.index + 1}/${sweep.points.length} failed: ${(error as Error).message}`);
        outcomes.push({ index: point.index, id: point.id, action: wasState === 'new' ? 'ran' : 'resumed', status: 'failed' });
      }
    }
    return outcomes.sort((a, b) => a.index - b.index);
  }
  if (!options.sweepFile) throw new RunError('running points in parallel needs the sweep file (the children read it)');
  mkdirSync(join(sweepDir, 'logs'), { recursive: true });
  const queue = [...todo];
  const children = new Set<ReturnType<typeof spawn>>();
  const onAbort = () => { for (const child of children) child.kill('SIGTERM'); };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const worker = async () => {
    for (let point = queue.shift(); point; point = queue.shift()) {
      if (options.signal?.aborted) return;
      const logPath = join(sweepDir, 'logs', `point-${point.index}.log`);
      options.log(`point ${point.index + 1}/${sweep.points.length} (${describeValues(point.values)}) started → runs/${point.id}, log ${logPath}`);
      const wasState = pointState(sweepDir, point);
      const fd = openSync(logPath, 'a');
      const child = spawn(process.execPath, [BIN_PATH, 'sweep', resolve(options.sweepFile!), '--index', String(point.index), '--out', sweepDir], {
        stdio: ['ignore', fd, fd], env: { ...process.env, SLURM_ARRAY_TASK_ID: undefined, JOB_COMPLETION_INDEX: undefined },
      });
      closeSync(fd);
      children.add(child);
      const code = await new Promise<number>((done) => child.once('exit', (c, signal) => done(c ?? (signal ? 128 : 1))));
      children.delete(child);
      const status = pointState(sweepDir, point) === 'done' ? 'completed' : code === 130 ? 'cancelled' : 'failed';
      options.log(`point ${point.index + 1}/${sweep.points.length} ${status}${status === 'failed' ? ` (exit ${code}; see ${logPath})` : ''}`);
      outcomes.push({ index: point.index, id: point.id, action: wasState === 'new' ? 'ran' : 'resumed', status });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.parallel, todo.length) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

export function describeValues(values: Record<string, unknown>): string {
  const entries = Object.entries(values);
  return entries.length ? entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') : 'base config';
}
