/**
 * The sweeps under a runs folder (<runs>/sweeps/<name>/sweep.json), each with its points' run
 * headlines, for the app's Runs screen and `study:export`. Points are read through RunStore.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkIsRun, describeRunIndexed, RunStore, type RunListItem } from '../run/runStore.ts';
import { RunsIndex } from '../run/runsIndex.ts';
import { configPath, isRunId, studyDir, studyPdfPath, sweepRunsDir, sweepsDir } from '../run/paths.ts';
import { assertRealDirBelow, realDirProblem } from '../run/safePath.ts';
import { readSweepManifestAsync } from './aggregate.ts';
import { parseSweepRunId, SWEEP_NAME_PART } from './sweepRunId.ts';

export interface SweepListItem {
  name: string;
  dir: string;
  axes: string[];
  total: number;
  finished: number;
  /** The study PDF exists already. */
  hasStudy: boolean;
  points: { index: number; id: string; values: Record<string, unknown>; run: RunListItem | null }[];
}

export const SWEEP_NAME = new RegExp(`^${SWEEP_NAME_PART}$`);

export function sweepsRoot(runsDir: string): string {
  return sweepsDir(runsDir);
}

/** A sweep folder's headline and its points' runs; every level from the runs folder down must be a real folder. */
export async function describeSweep(dir: string, runsDir?: string): Promise<SweepListItem> {
  if (runsDir !== undefined) await assertRealDirBelow(runsDir, dir);
  const manifest = await readSweepManifestAsync(dir);
  const runsOk = (await realDirProblem(dir, sweepRunsDir(dir))) === null;
  // Points whose files did not change since the last list are not read again (kept in memory only).
  const index = await RunsIndex.open(sweepRunsDir(dir), { persist: false });
  const points = await Promise.all(manifest.points.map(async (p) => {
    const runDir = join(sweepRunsDir(dir), p.id);
    const real = runsOk && isRunId(p.id) && (await lstat(runDir).catch(() => null))?.isDirectory() === true;
    const hasConfig = real && (await lstat(configPath(runDir)).catch(() => null))?.isFile() === true;
    return { index: p.index, id: p.id, values: p.values, run: hasConfig ? await describeRunIndexed(index, new RunStore(runDir)) : null };
  }));
  index.save();
  const study = await lstat(studyPdfPath(dir)).catch(() => null);
  return {
    name: manifest.name, dir, axes: manifest.axes, total: points.length,
    finished: points.filter((p) => p.run?.status === 'completed').length,
    hasStudy: study?.isFile() === true && (await realDirProblem(dir, studyDir(dir))) === null,
    points,
  };
}

/** Every readable sweep folder, by name; folders without a readable sweep.json (or reached through a link) are left out. */
export async function listSweeps(runsDir: string): Promise<SweepListItem[]> {
  const root = sweepsRoot(runsDir);
  if ((await realDirProblem(runsDir, root)) !== null) return [];
  const out: SweepListItem[] = [];
  for (const name of (await readdir(root)).sort()) {
    if (!SWEEP_NAME.test(name)) continue;
    try {
      out.push(await describeSweep(join(root, name), runsDir));
    } catch {
      // A sweep.json being written, from elsewhere, or not a regular file: not listed rather than breaking the list.
    }
  }
  return out;
}

/** Where the run a sweep point id (`<sweep>~<point>`, src/study/sweepRunId.ts) names would be; null for other ids. */
export function sweepRunDir(runsDir: string, id: string): string | null {
  const ref = parseSweepRunId(id);
  return ref ? join(sweepRunsDir(join(sweepsRoot(runsDir), ref.sweep)), ref.point) : null;
}

/**
 * Whether `id` names a run of a sweep: a real sweep folder (not a symlink) whose sweep.json lists
 * the point, and a point folder that is a run by the runs' own rule (checkIsRun: a real folder
 * directly inside the sweep's runs/, whose log starts with its own run-start).
 */
export async function checkSweepRun(runsDir: string, id: string): Promise<{ ok: true; dir: string; sweep: string; index: number; values: Record<string, unknown> } | { ok: false; why: string }> {
  const ref = parseSweepRunId(id);
  if (!ref) return { ok: false, why: `"${id}" is not a sweep point id (<sweep>~<point>)` };
  const sweepDir = join(sweepsRoot(runsDir), ref.sweep);
  // sweeps/, the sweep and its runs/ must all be real folders: a link at any level could lead anywhere.
  const problem = await realDirProblem(runsDir, sweepRunsDir(sweepDir));
  if (problem && 'refused' in problem) return { ok: false, why: problem.refused };
  if (problem) return { ok: false, why: `no sweep "${ref.sweep}" in ${sweepsRoot(runsDir)} (${problem.missing} is missing)` };
  let point;
  try {
    point = (await readSweepManifestAsync(sweepDir)).points.find((p) => p.id === ref.point);
  } catch (error) {
    return { ok: false, why: (error as Error).message };
  }
  if (!point) return { ok: false, why: `sweep "${ref.sweep}" has no point ${ref.point}` };
  const check = await checkIsRun(sweepRunsDir(sweepDir), ref.point);
  if (!check.ok) return check;
  return { ok: true, dir: check.dir, sweep: ref.sweep, index: point.index, values: point.values };
}
