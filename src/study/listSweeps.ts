/**
 * The sweeps under a runs folder (<runs>/sweeps/<name>/sweep.json), each with its points' run
 * headlines, for the app's Runs screen and `study:export`. Points are read through RunStore.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, RunStore, type RunListItem } from '../run/runStore.ts';
import { configPath } from '../run/paths.ts';
import { readSweepManifest } from './aggregate.ts';

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

export const SWEEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/;

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
