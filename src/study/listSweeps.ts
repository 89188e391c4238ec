/**
 * The sweeps under a runs folder (<runs>/sweeps/<name>/sweep.json), each with its points' run
 * headlines, for the app's Runs screen and `study:export`. Points are read through RunStore.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkIsRun, describeRun, RunStore, type RunListItem } from '../run/runStore.ts';
import { configPath } from '../run/paths.ts';
import { readSweepManifest } from './aggregate.ts';
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
  return join(runsDir, 'sweeps');
}

export async function describeSweep(dir: string): Promise<SweepListItem> {
  const manifest = readSweepManifest(dir);
  const points = await Promise.all(manifest.points.map(async (p) => {
    const runDir = join(dir, 'runs', p.id);
    return { index: p.index, id: p.id, values: p.values, run: existsSync(configPath(runDir)) ? await describeRun(new RunStore(runDir)) : null };
  }));
  return {
    name: manifest.name, dir, axes: manifest.axes, total: points.length,
    finished: points.filter((p) => p.run?.status === 'completed').length,
    hasStudy: existsSync(join(dir, 'study', 'study.pdf')),
    points,
  };
}

/** Every readable sweep folder, by name; folders without a readable sweep.json are left out. */
export async function listSweeps(runsDir: string): Promise<SweepListItem[]> {
  const root = sweepsRoot(runsDir);
  if (!existsSync(root)) return [];
  const out: SweepListItem[] = [];
  for (const name of readdirSync(root).sort()) {
    if (!SWEEP_NAME.test(name) || !existsSync(join(root, name, 'sweep.json'))) continue;
    try {
      out.push(await describeSweep(join(root, name)));
    } catch {
      // A sweep.json being written or from elsewhere: not listed rather than breaking the list.
    }
  }
  return out;
}

/** Where the run a sweep point id (`<sweep>~<point>`, src/study/sweepRunId.ts) names would be; null for other ids. */
export function sweepRunDir(runsDir: string, id: string): string | null {
  const ref = parseSweepRunId(id);
  return ref ? join(sweepsRoot(runsDir), ref.sweep, 'runs', ref.point) : null;
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
  const stat = lstatSync(sweepDir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return { ok: false, why: `no sweep "${ref.sweep}" in ${sweepsRoot(runsDir)}${stat?.isSymbolicLink() ? ' (a symbolic link, not a sweep folder)' : ''}` };
  let point;
  try {
    point = readSweepManifest(sweepDir).points.find((p) => p.id === ref.point);
  } catch (error) {
    return { ok: false, why: (error as Error).message };
  }
  if (!point) return { ok: false, why: `sweep "${ref.sweep}" has no point ${ref.point}` };
  const check = await checkIsRun(join(sweepDir, 'runs'), ref.point);
  if (!check.ok) return check;
  return { ok: true, dir: check.dir, sweep: ref.sweep, index: point.index, values: point.values };
}
