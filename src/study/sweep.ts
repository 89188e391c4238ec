/**
 * A sweep: one base experiment config and a grid of values for any of its fields, expanded into
 * points — one run each. A point's run id is the hash of its resolved config (open_lth's rule), so
 * the same point always lands in the same folder: running a sweep again skips finished points and
 * resumes unfinished ones, and a job array on a cluster can run point I by its index alone.
 *
 *   {
 *     "name": "demo",
 *     "base": { "model": { "name": "lenet5-bn" }, ... }   (or "config": "path/to/config.json")
 *     "grid": { "search.pruneRatio": [0.3, 0.7], "seed": [1, 2] },
 *     "slurm": { "cpusPerTask": 2, "memory": "4G", "time": "01:00:00", "parallel": 4 },
 *     "kubernetes": { "image": "registry/earlybird:0.1", "volumeClaim": "runs" }
 *   }
 *
 * Seeds in the base config (`seeds` or `repeats`) become one more grid axis, `seed`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, parseConfig, seedsOf, withSeed, type ExperimentConfig } from '../core/config.ts';
import { configHash } from '../run/summarise.ts';

const gridValue = z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

export const slurmSchema = z.strictObject({
  /** Array tasks that may run at once (`--array=0-(N-1)%P`); absent: no limit. */
  parallel: z.number().int().min(1).max(10_000).optional(),
  cpusPerTask: z.number().int().min(1).max(1024).default(2),
  /** Memory per task, Slurm syntax (`4G`, `8000M`). */
  memory: z.string().regex(/^\d+[KMGT]?$/, 'Slurm memory like 4G or 8000M').default('4G'),
  /** Wall time per task, Slurm syntax (`HH:MM:SS`, `D-HH:MM:SS`). */
  time: z.string().regex(/^(\d+-)?\d{1,2}(:\d{2}){0,2}$/, 'Slurm time like 01:00:00').default('01:00:00'),
  gpusPerTask: z.number().int().min(0).max(64).default(0),
  partition: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  /** Further `#SBATCH` lines, e.g. ["--qos=short"]. */
  extra: z.array(z.string().startsWith('--')).default([]),
});

export const kubernetesSchema = z.strictObject({
  /** Container image holding this project (node_modules installed) at `workingDir`. */
  image: z.string().min(1),
  workingDir: z.string().min(1).default('/app'),
  /** PersistentVolumeClaim shared by every pod: the sweep folder lives on it. */
  volumeClaim: z.string().min(1),
  mountPath: z.string().startsWith('/').default('/runs'),
  parallel: z.number().int().min(1).max(10_000).optional(),
  cpu: z.string().default('2'),
  memory: z.string().default('4Gi'),
  gpus: z.number().int().min(0).max(64).default(0),
  namespace: z.string().min(1).optional(),
});

export const sweepSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/, 'letters, digits, . _ - (it names the sweep folder)').optional(),
  base: z.record(z.string(), z.unknown()).optional(),
  /** A config file, relative to the sweep file, used when `base` is absent. */
  config: z.string().min(1).optional(),
  /** Field path (dots) → the values to try. */
  grid: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'a field path such as search.pruneRatio'), z.array(gridValue).min(1).max(1000)).default({}),
  slurm: slurmSchema.default(slurmSchema.parse({})),
  kubernetes: kubernetesSchema.optional(),
}).refine((s) => (s.base === undefined) !== (s.config === undefined), { message: 'give exactly one of base (a config object) or config (a config file)', path: ['base'] });

export type SweepSpec = z.output<typeof sweepSchema>;
export type SlurmSettings = SweepSpec['slurm'];
export type KubernetesSettings = z.output<typeof kubernetesSchema>;

export interface SweepPoint {
  index: number;
  /** The run id: configHash of the resolved config. */
  id: string;
  /** The grid's value for each swept field, in grid order (`seed` last when seeds come from the config). */
  values: Record<string, unknown>;
  config: ExperimentConfig;
}

export interface Sweep {
  name: string;
  spec: SweepSpec;
  /** Swept fields in order. */
  axes: string[];
  points: SweepPoint[];
  /** The sweep file it came from, when it came from one. */
  file: string | null;
}

/** Sets `path` (dots) in a plain object, creating objects on the way; refuses to walk through a value. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = target;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!;
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new ConfigError(`grid field ${path}: ${keys.slice(0, i + 1).join('.')} is ${JSON.stringify(next)}, not an object`);
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = structuredClone(value);
}

/** Reads `path` (dots) from an object; undefined where the path does not exist. */
export function getPath(source: unknown, path: string): unknown {
  let node = source;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function zodIssues(error: z.ZodError, source: string): ConfigError {
  const issues = error.issues.map((i) => ({ path: i.path.length ? i.path.join('.') : '(root)', message: i.message }));
  return new ConfigError(`${source} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new ConfigError(`${path}: no such ${what}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

export function loadSweepFile(path: string): Sweep {
  const file = resolve(path);
  const raw = readJson(file, 'sweep file');
  const parsed = sweepSchema.safeParse(raw);
  if (!parsed.success) throw zodIssues(parsed.error, file);
  const spec = parsed.data;
  const base = spec.base ?? (readJson(resolve(dirname(file), spec.config!), 'config file (sweep "config")') as Record<string, unknown>);
  const name = spec.name ?? basename(file, extname(file)).replace(/[^A-Za-z0-9._-]/g, '-');
  return expandSweep({ ...spec, base }, name, file);
}

/**
 * The sweep folder name of a config with seeds (`earlybird run` and the app's Start alike): its name
 * or model, then its config hash, so starting the same config again resumes the same sweep.
 */
export function seedSweepName(config: ExperimentConfig): string {
  const stem = (config.name ?? `${config.model.name}-seeds`).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'seeds';
  return `${stem}-${configHash(config).slice(0, 8)}`;
}

/** Whether a config asks for more than one run (`seeds` or `repeats`): then it runs as a seed sweep. */
export function hasSeeds(config: ExperimentConfig): boolean {
  return config.seeds !== undefined || config.repeats !== undefined;
}

/** A single config with seeds (earlybird run): a sweep whose only axis is the seed. */
export function seedSweep(config: ExperimentConfig, name: string): Sweep {
  return expandSweep(sweepSchema.parse({ base: config as unknown as Record<string, unknown> }), name, null);
}

/** Expands the grid, in order (last axis fastest), validating every point's config by its own path. */
export function expandSweep(spec: SweepSpec, name: string, file: string | null): Sweep {
  const base = spec.base!;
  const axes = Object.keys(spec.grid);
  if (axes.some((a) => a === 'seeds' || a === 'repeats')) throw new ConfigError('grid: sweep seeds with the field "seed" (or give base.seeds), not "seeds"/"repeats"');
  const combos: Record<string, unknown>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, unknown>[] = [];
    for (const combo of combos) for (const value of spec.grid[axis]!) next.push({ ...combo, [axis]: value });
    combos.splice(0, combos.length, ...next);
  }
  const points: SweepPoint[] = [];
  const seen = new Map<string, number>();
  let seedAxis = false;
  for (const combo of combos) {
    const input = structuredClone(base);
    for (const [path, value] of Object.entries(combo)) setPath(input, path, value);
    const label = Object.entries(combo).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || 'the base config';
    const config = parseConfig(input, `sweep point ${label}`);
    const seeds = seedsOf(config);
    if (config.seeds || config.repeats !== undefined) seedAxis = true;
    for (const seed of seeds) {
      const single = withSeed(config, seed);
      const id = configHash(single);
      const values = seedAxis && !axes.includes('seed') ? { ...combo, seed } : combo;
      if (seen.has(id)) throw new ConfigError(`sweep: points ${seen.get(id)} and ${points.length} resolve to the same config (${label}); remove the duplicate value`);
      seen.set(id, points.length);
      points.push({ index: points.length, id, values, config: single });
    }
  }
  return { name, spec, axes: seedAxis && !axes.includes('seed') ? [...axes, 'seed'] : axes, points, file };
}
