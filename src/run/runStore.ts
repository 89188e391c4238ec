/**
 * The run folder: one directory per experiment under the runs root, holding
 *   config.json     the validated config (written first)
 *   events.jsonl    every RunEvent, appended and handed to the OS as it happens
 *   metrics.csv     one row per finished epoch per phase
 *   checkpoints/    the latest finished epoch of the running phase, and the Early-Bird checkpoint
 *   models/         final models in TF.js format (model.json + weights.bin)
 *   summary.json    written when the run ends
 * Everything is append-only or replaced atomically, so a run killed at any moment leaves a folder
 * that resumes from its last finished epoch.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { expandHome } from '../paths.ts';
import type { ExperimentConfig } from '../experiment/config.ts';
import type { RunEvent } from './events.ts';
import { appendLine, writeJsonAtomic } from './files.ts';
import type { RunSummary } from './summary.ts';

export const METRICS_HEADER = 'phase,method,epoch,learningRate,loss,accuracy,valLoss,valAccuracy,seconds,imagesPerSecond';

export class RunError extends Error {
  override readonly name = 'RunError';
}

/** Where runs live unless the user says otherwise: $EARLYBIRD_RUNS, else ./runs. */
export function defaultRunsDir(): string {
  return resolve(process.env.EARLYBIRD_RUNS ?? 'runs');
}


function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
}

/** A sortable, readable id: 20261125-041530-lenet5-bn-mnist. */
export function newRunId(config: ExperimentConfig, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const data = config.data.spec.split(':')[0]!;
  return `${stamp}-${slug(`${config.model.name}-${data}`)}`;
}

export class RunStore {
  readonly eventsPath: string;
  readonly metricsPath: string;

  constructor(readonly dir: string) {
    this.eventsPath = join(dir, 'events.jsonl');
    this.metricsPath = join(dir, 'metrics.csv');
  }

  get id(): string {
    return basename(this.dir);
  }

  static create(runsDir: string, config: ExperimentConfig): RunStore {
    mkdirSync(runsDir, { recursive: true });
    let id = newRunId(config);
    for (let n = 2; existsSync(join(runsDir, id)); n++) id = `${newRunId(config)}-${n}`;
    const store = new RunStore(join(runsDir, id));
    mkdirSync(store.dir);
    writeJsonAtomic(join(store.dir, 'config.json'), config);
    appendLine(store.metricsPath, METRICS_HEADER);
    return store;
  }

  static open(dir: string): RunStore {
    const path = resolve(expandHome(dir));
    if (!existsSync(path) || !statSync(path).isDirectory()) throw new RunError(`${dir}: no such run folder`);
    if (!existsSync(join(path, 'config.json'))) throw new RunError(`${dir} is not a run folder: it has no config.json`);
    return new RunStore(path);
  }

  readConfigJson(): unknown {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'config.json'), 'utf8'));
    } catch (error) {
      throw new RunError(`${join(this.dir, 'config.json')}: unreadable (${(error as Error).message})`);
    }
  }

  append(event: RunEvent): void {
    appendLine(this.eventsPath, JSON.stringify(event));
  }

  /** Every event written so far; a torn last line (the process died mid-write) is ignored. */
  readEvents(): RunEvent[] {
    return readEventsFile(this.eventsPath);
  }

  appendMetrics(row: (string | number | null)[]): void {
    appendLine(this.metricsPath, row.map((v) => (v === null ? '' : String(v))).join(','));
  }

  writeSummary(summary: RunSummary): void {
    writeJsonAtomic(join(this.dir, 'summary.json'), summary);
  }

  readSummary(): RunSummary | null {
    const path = join(this.dir, 'summary.json');
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as RunSummary;
    } catch {
      return null;
    }
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
}

export function readEventsFile(path: string): RunEvent[] {
  if (!existsSync(path)) return [];
  const events: RunEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      // A line cut short by a kill: everything before it is intact.
    }
  }
  return events;
}

export interface RunListItem {
  runId: string;
  dir: string;
  name: string | null;
  createdAt: string | null;
  model: string | null;
  data: string | null;
  status: 'completed' | 'cancelled' | 'failed' | 'incomplete';
  ebEpoch: number | null;
  plannedEpochs: number | null;
  testAccuracy: { ebTrain: number | null; dense: number | null };
  savedPercent: number | null;
}

/** The runs under `runsDir`, newest first, from their summaries (or their events when unfinished). */
export function listRuns(runsDir: string): RunListItem[] {
  if (!existsSync(runsDir)) return [];
  const items: RunListItem[] = [];
  for (const name of readdirSync(runsDir)) {
    const dir = join(runsDir, name);
    if (!existsSync(join(dir, 'config.json'))) continue;
    items.push(describeRun(new RunStore(dir)));
  }
  return items.sort((a, b) => b.runId.localeCompare(a.runId));
}

export function describeRun(store: RunStore): RunListItem {
  const summary = store.readSummary();
  let config: Partial<ExperimentConfig> = {};
  try {
    config = store.readConfigJson() as Partial<ExperimentConfig>;
  } catch {
    // Listed all the same, with what is known.
  }
  const events = summary ? [] : store.readEvents();
  const start = events.find((e) => e.type === 'run-start');
  const end = [...events].reverse().find((e) => e.type === 'run-end');
  const found = events.find((e) => e.type === 'eb-found');
  return {
    runId: store.id,
    dir: store.dir,
    name: summary?.name ?? config.name ?? null,
    createdAt: summary?.createdAt ?? (start ? new Date(start.time).toISOString() : null),
    model: config.model?.name ?? null,
    data: config.data?.spec ?? null,
    status: summary?.status ?? (end?.type === 'run-end' ? end.status : 'incomplete'),
    ebEpoch: summary ? summary.earlyBird.epoch : found?.type === 'eb-found' ? found.epoch : null,
    plannedEpochs: config.training?.epochs ?? null,
    testAccuracy: {
      ebTrain: summary?.methods.ebTrain?.testAccuracy ?? null,
      dense: summary?.methods.dense?.testAccuracy ?? null,
    },
    savedPercent: summary?.energy?.savedPercent ?? null,
  };
}
