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
import { lstatSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { readdir, lstat, realpath } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { expandHome } from '../paths.ts';
import type { ExperimentConfig } from '../core/config.ts';
import type { RunEvent } from '../core/events.ts';
import { appendLine, writeJsonAtomic } from './files.ts';
import { RunError } from './errors.ts';
import { readEventLog, readEventLogSync, readFirstEvent, type EventLog } from './eventLog.ts';
import { acquireRunLock, inspectLock, describeHolder, lockRefusal, type RunLock } from './lock.ts';
import { configPath, eventsPath, isRunId, runMarkerPath, summaryPath } from './paths.ts';
import { configHash } from './configHash.ts';
import { READ_CAPS, readRegularFile, readRegularFileSync } from './safeRead.ts';
import type { RunSummary } from '../core/summary.ts';
import { epochsFinished, project } from '../core/project.ts';
import { parseSummaryText } from './summarySchema.ts';
import { contendedPhases, savingKind } from '../energy/labels.ts';
import { savingWarnings } from '../energy/savingWords.ts';
import { RunsIndex, type CachedRunItem } from './runsIndex.ts';

/** The saving's interval and the warnings on it, for the runs list. */
function savingTrust(energy: NonNullable<RunSummary['energy']> | null): Pick<RunListItem, 'savedInterval' | 'savedWarning'> {
  if (!energy) return { savedInterval: null, savedWarning: null };
  const interval = energy.savedInterval;
  const warnings = savingWarnings(energy.likeForLike, contendedPhases(energy).map((p) => p.replace(/ \(.*$/, '')));
  return {
    savedInterval: interval ? { low: interval.percent.low, high: interval.percent.high, clear: interval.clear } : null,
    savedWarning: warnings.length ? warnings.join('; ') : null,
  };
}

/**
 * The columns of metrics.csv, one row per finished epoch: written for a report (src/report/csv.ts) from
 * the run's epoch events, the one record of an epoch. Run folders of earlier versions also hold one.
 */
export const METRICS_HEADER = 'phase,method,epoch,learningRate,loss,accuracy,valLoss,valAccuracy,seconds,imagesPerSecond';

export { RunError } from './errors.ts';

/** The variable that names the runs folder, and the folder (relative to the working directory) without it. */
export const RUNS_DIR_ENV = 'EARLYBIRD_RUNS';
export const RUNS_DIR_FALLBACK = 'runs';

/** A runs folder as the user wrote it: `~` expanded, resolved against the working directory. */
export function resolveRunsDir(text: string): string {
  return resolve(expandHome(text));
}

/** Where runs live unless the user says otherwise: $EARLYBIRD_RUNS, else ./runs. */
export function defaultRunsDir(): string {
  return resolveRunsDir(process.env[RUNS_DIR_ENV] ?? RUNS_DIR_FALLBACK);
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

/**
 * The runs folder as configured: `~` expanded, resolved, and a directory (created when missing).
 * Throws RunError naming the path when it exists and is something else.
 */
export function ensureRunsDir(runsDir: string): string {
  const dir = resolve(expandHome(runsDir));
  let stat;
  try {
    stat = lstatSync(dir);
  } catch {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new RunError(`runs folder ${dir}: cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return dir;
  }
  if (stat.isSymbolicLink()) {
    // A symlinked runs folder is the user's choice; what it points to must be a directory.
    let target;
    try {
      target = statSync(dir);
    } catch {
      throw new RunError(`runs folder ${dir}: is a broken symbolic link`);
    }
    if (!target.isDirectory()) throw new RunError(`runs folder ${dir}: is a link to something that is not a directory`);
    return dir;
  }
  if (!stat.isDirectory()) throw new RunError(`runs folder ${dir}: exists and is not a directory`);
  return dir;
}

/** What RunStore writes into every folder it creates (earlybird-run.json). */
export interface RunMarker {
  kind: typeof RUN_MARKER_KIND;
  runId: string;
  createdAt: string;
  configHash: string;
}

const RUN_MARKER_KIND = 'earlybird-run';

/** Marks a folder as made by this engine, before anything else is written into it. */
function writeRunMarker(dir: string, config: ExperimentConfig): void {
  const marker: RunMarker = { kind: RUN_MARKER_KIND, runId: basename(dir), createdAt: new Date().toISOString(), configHash: configHash(config) };
  writeJsonAtomic(runMarkerPath(dir), marker);
}

/** Whether `dir` holds this engine's marker naming it (a regular file, not a link; read with a cap). */
async function hasOwnMarker(dir: string): Promise<boolean> {
  try {
    const text = await readRegularFile(runMarkerPath(dir), READ_CAPS.marker);
    if (text === null) return false;
    const marker = JSON.parse(text) as Partial<RunMarker> | null;
    return marker?.kind === RUN_MARKER_KIND && marker.runId === basename(dir);
  } catch {
    return false;
  }
}

export class RunStore {
  readonly configPath: string;
  readonly eventsPath: string;
  /** This process's lock on the run, while it writes it. */
  lock: RunLock | null = null;

  constructor(readonly dir: string) {
    this.configPath = configPath(dir);
    this.eventsPath = eventsPath(dir);
  }

  get id(): string {
    return basename(this.dir);
  }

  /** A new run folder, locked by this process (release it, or hand it on, when done). */
  static create(runsDir: string, config: ExperimentConfig, purpose = 'run'): RunStore {
    const root = ensureRunsDir(runsDir);
    let id = newRunId(config);
    let dir = join(root, id);
    for (let n = 2; ; n++) {
      try {
        mkdirSync(dir); // exclusive: two processes never get the same folder
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new RunError(`cannot create run folder ${dir}: ${(error as Error).message}`);
        id = `${newRunId(config)}-${n}`;
        dir = join(root, id);
      }
    }
    return RunStore.initialise(dir, config, purpose);
  }

  /**
   * A run folder with a given id (a sweep names its points by their config hash, open_lth's rule).
   * Refuses an existing folder: that point has started before and is resumed, not recreated.
   */
  static createNamed(runsDir: string, id: string, config: ExperimentConfig, purpose = 'run'): RunStore {
    if (!isRunId(id)) throw new RunError(`run id "${id}": 1–120 letters, digits, . _ - (not . or ..)`);
    const root = ensureRunsDir(runsDir);
    const dir = join(root, id);
    try {
      mkdirSync(dir); // exclusive: two processes never both create it
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new RunError(`${dir} exists already; resume it instead`);
      throw new RunError(`cannot create run folder ${dir}: ${(error as Error).message}`);
    }
    return RunStore.initialise(dir, config, purpose);
  }

  /** Fills a folder just made (exclusively) by `create` or `createNamed`: marker, lock, config. */
  private static initialise(dir: string, config: ExperimentConfig, purpose: string): RunStore {
    writeRunMarker(dir, config);
    const store = new RunStore(dir);
    store.lock = acquireRunLock(dir, purpose);
    writeJsonAtomic(configPath(dir), config);
    return store;
  }

  static open(dir: string): RunStore {
    const path = resolve(expandHome(dir));
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      throw new RunError(`${dir}: no such run folder`);
    }
    if (!stat.isDirectory()) throw new RunError(`${dir}: ${stat.isSymbolicLink() ? 'is a symbolic link, not a run folder' : 'no such run folder'}`);
    let config;
    try {
      config = lstatSync(configPath(path));
    } catch {
      throw new RunError(`${dir} is not a run folder: it has no config.json`);
    }
    if (!config.isFile()) throw new RunError(`${configPath(path)}: not a regular file`);
    return new RunStore(path);
  }

  /** Takes the run's lock for this process, or throws RunLockedError naming the holder. */
  acquireLock(purpose: string): RunLock {
    if (!this.lock) this.lock = acquireRunLock(this.dir, purpose);
    return this.lock;
  }

  releaseLock(): void {
    this.lock?.release();
    this.lock = null;
  }

  readConfigJson(): unknown {
    const path = configPath(this.dir);
    const text = readRegularFileSync(path, READ_CAPS.config);
    if (text === null) throw new RunError(`${path}: missing`);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new RunError(`${path}: unreadable (${(error as Error).message})`);
    }
  }

  async readConfigJsonAsync(): Promise<unknown> {
    const path = configPath(this.dir);
    const text = await readRegularFile(path, READ_CAPS.config);
    if (text === null) throw new RunError(`${path}: missing`);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new RunError(`${path}: unreadable (${(error as Error).message})`);
    }
  }

  append(event: RunEvent): void {
    appendLine(this.eventsPath, JSON.stringify(event));
  }

  /** Every event written so far; a torn last line (the process died mid-write) is ignored. */
  readEvents(): RunEvent[] {
    return readEventLogSync(this.eventsPath).events;
  }

  readEventLog(): EventLog {
    return readEventLogSync(this.eventsPath);
  }

  async readEventsAsync(keep?: (event: RunEvent) => boolean): Promise<RunEvent[]> {
    return (await readEventLog(this.eventsPath, keep ? { keep } : {})).events;
  }


  writeSummary(summary: RunSummary): void {
    writeJsonAtomic(summaryPath(this.dir), summary);
  }

  /** summary.json when it is there and has a summary's shape (summarySchema.ts); null otherwise. */
  readSummary(): RunSummary | null {
    try {
      const text = readRegularFileSync(summaryPath(this.dir), READ_CAPS.summary);
      return text === null ? null : parseSummaryText(summaryPath(this.dir), text);
    } catch {
      return null;
    }
  }

  /** summary.json, or null when missing; throws RunError naming the file (and the fields at fault) when it cannot be read. */
  async readSummaryAsync(): Promise<RunSummary | null> {
    const path = summaryPath(this.dir);
    const text = await readRegularFile(path, READ_CAPS.summary);
    return text === null ? null : parseSummaryText(path, text);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
}

export function readEventsFile(path: string): RunEvent[] {
  return readEventLogSync(path).events;
}

/** A run's list line: what its files say (the runs index's schema, the one list of its fields), where it is, and who holds its lock. */
export type RunListItem = CachedRunItem & {
  runId: string;
  dir: string;
  /** Who writes the run now (pid, host, since), when its lock is held; null otherwise. */
  lockedBy: string | null;
};

const LIST_EVENT_TYPES = new Set(['run-start', 'run-end', 'eb-found', 'epoch']);
// The list's event types, told apart before a line is parsed: a big log of progress lines is
// scanned, not parsed. The writer puts `type` first, so an epoch event starts {"type":"epoch".
const mayBeListEvent = (line: string) => line.includes('"run-start"') || line.includes('"run-end"') || line.includes('"eb-found"') || line.includes('{"type":"epoch"');

/**
 * The runs under `runsDir`, newest first, from their summaries (or their events when unfinished).
 * Only real directories directly inside runsDir (no symlinks) that hold a config.json; one run that
 * cannot be read is listed as unreadable, never breaks the list. Runs whose files are unchanged since
 * the last list come from the runs index (runsIndex.ts).
 */
export async function listRuns(runsDir: string, options: { index?: boolean } = {}): Promise<RunListItem[]> {
  const root = resolve(expandHome(runsDir));
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RunError(`runs folder ${root}: cannot be listed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const index = await RunsIndex.open(root, { persist: options.index ?? true });
  const items: RunListItem[] = [];
  for (const name of names) {
    const dir = join(root, name);
    try {
      if (!(await lstat(dir)).isDirectory()) continue;
      if (!(await lstat(configPath(dir))).isFile()) continue;
    } catch {
      continue;
    }
    const store = new RunStore(dir);
    const item = await index.item(name, dir, () => readRunItem(store));
    items.push(withLock(store, item));
  }
  index.save();
  return items.sort((a, b) => b.runId.localeCompare(a.runId));
}

/** Why a summary gives no saving; older summaries without a reason get one from their status. */
function savedReasonOf(summary: RunSummary | null): string | null {
  if (!summary) return 'run not finished';
  const energy = summary.energy;
  if (!energy) return 'no saving: energy not measured';
  // Summaries written before savings were gated claimed one for cancelled and failed runs too.
  if (energy.savedReason === undefined && summary.status !== 'completed') return `no saving: run ${summary.status}`;
  if (energy.savedPercent !== null) return null;
  return energy.savedReason ?? 'no saving: no dense baseline to compare with';
}

const textOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const numberOf = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined);

/** A run's list line from its files: summary.json (schema-checked), config.json (any JSON), else its events. */
async function readRunItem(store: RunStore): Promise<CachedRunItem> {
  const problems: string[] = [];
  const attempt = async <T>(read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      problems.push((error as Error).message);
      return fallback;
    }
  };
  const summary = await attempt(() => store.readSummaryAsync(), null);
  // config.json is shown as written: any JSON at all, each field taken only when it has its type.
  const config = await attempt(() => store.readConfigJsonAsync(), {} as unknown);
  // A finished run's summary says all the list shows; a failed or cancelled one's does not say how
  // far it got or whether a resume would fail again, which its events do.
  const events = summary?.status === 'completed'
    ? []
    : await attempt(async () => (await readEventLog(store.eventsPath, { keep: (e) => LIST_EVENT_TYPES.has(e.type), mayKeep: mayBeListEvent })).events, [] as RunEvent[]);
  const state = project(events, store.id);
  const readable = problems.length === 0 || summary !== null || events.length > 0;
  const savedReason = savedReasonOf(summary);
  return {
    name: summary?.name ?? textOf(field(config, 'name')),
    createdAt: summary?.createdAt ?? (state.startedAt !== null && Number.isFinite(state.startedAt) ? new Date(state.startedAt).toISOString() : null),
    model: textOf(field(field(config, 'model'), 'name')),
    data: textOf(field(field(config, 'data'), 'spec')),
    status: !readable ? 'unreadable' : summary?.status ?? (state.status === 'pending' || state.status === 'running' ? 'incomplete' : state.status),
    ebEpoch: numberOf(summary ? summary.earlyBird.epoch : state.earlyBird?.epoch),
    plannedEpochs: numberOf(field(field(config, 'training'), 'epochs')),
    seed: numberOf(field(config, 'seed')),
    seconds: numberOf(summary?.seconds),
    testAccuracy: {
      ebTrain: summary?.methods.ebTrain?.testAccuracy ?? null,
      dense: summary?.methods.dense?.testAccuracy ?? null,
    },
    joules: {
      ebTrain: numberOf(summary?.energy?.ebTrainJoules),
      dense: numberOf(summary?.energy?.denseJoules),
    },
    savedPercent: savedReason === null ? summary!.energy!.savedPercent : null,
    savedKind: savedReason === null ? savingKind(summary!.energy!) : null,
    savedReason,
    ...savingTrust(savedReason === null ? summary!.energy! : null),
    estimateModel: summary?.energy?.estimateModel ?? null,
    failure: state.lastRunEnd?.failure ?? null,
    epochsFinished: summary?.status === 'completed' ? null : epochsFinished(state),
    problem: problems.length ? problems.join('; ') : null,
  };
}

function withLock(store: RunStore, item: CachedRunItem): RunListItem {
  const lock = inspectLock(store.dir);
  return { runId: store.id, dir: store.dir, ...item, lockedBy: lock.state === 'held' ? describeHolder(lock.holder) : lock.state === 'unknown' ? lock.why : null };
}

/** One run's list line, from `index` when its files are unchanged since it was last read. */
export async function describeRunIndexed(index: RunsIndex, store: RunStore): Promise<RunListItem> {
  return withLock(store, await index.item(store.id, store.dir, () => readRunItem(store)));
}

/** One run's list line, read now (no index). */
export async function describeRun(store: RunStore): Promise<RunListItem> {
  return withLock(store, await readRunItem(store));
}

/**
 * Whether `dir` is a run of this project: a real directory (not a symlink) directly inside the runs
 * folder, whose event log starts with a run-start event naming this folder, or which holds the
 * marker RunStore writes when it creates a folder (earlybird-run.json naming it; a run that failed
 * before its run-start has only that). Anything else (a project tree that happens to hold a
 * config.json) is not a run and is never deleted.
 */
export async function checkIsRun(runsDir: string, runId: string): Promise<{ ok: true; dir: string } | { ok: false; why: string }> {
  const root = resolve(expandHome(runsDir));
  const dir = resolve(root, runId);
  if (dir === root || !dir.startsWith(root + sep) || dir.slice(root.length + 1).includes(sep)) {
    return { ok: false, why: `"${runId}" does not name a folder directly inside ${root}` };
  }
  let stat;
  try {
    stat = await lstat(dir);
  } catch {
    return { ok: false, why: `no run "${runId}" in ${root}` };
  }
  if (stat.isSymbolicLink()) return { ok: false, why: `${dir} is a symbolic link; only real run folders are deleted` };
  if (!stat.isDirectory()) return { ok: false, why: `${dir} is not a folder` };
  // The runs folder itself may be a symlink; the run must still resolve inside it.
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
  if (!realDir.startsWith(realRoot + sep)) return { ok: false, why: `${dir} resolves outside ${realRoot}` };
  const startProblem = await runStartProblem(dir);
  if (startProblem === null) return { ok: true, dir };
  // A run that failed before its run-start (no backend could start) has no run-start, but the engine
  // made its folder: its marker says so. A folder without either is not the engine's.
  if (await hasOwnMarker(dir)) return { ok: true, dir };
  return { ok: false, why: `${startProblem} and it has no earlybird-run.json naming it (the engine writes one into every run folder it creates), so ${dir} is not an earlybird run` };
}

/** Null when the folder's event log starts with its own run-start event; else what is wrong. */
async function runStartProblem(dir: string): Promise<string | null> {
  let start: RunEvent | null;
  try {
    const first = await readFirstEvent(eventsPath(dir));
    if (!first.present) return `${dir} has no events.jsonl`;
    start = first.event;
  } catch (error) {
    return (error as Error).message;
  }
  if (!start || start.type !== 'run-start' || start.runId !== basename(dir)) return `${eventsPath(dir)} does not start with this run's run-start event`;
  return null;
}

/** Deletes a run folder: only a real run (checkIsRun), only when no process writes it (its lock). */
export async function deleteRun(runsDir: string, runId: string): Promise<string> {
  const check = await checkIsRun(runsDir, runId);
  if (!check.ok) throw new RunError(`not deleted: ${check.why}`);
  const refusal = lockRefusal(check.dir, 'delete');
  if (refusal) throw refusal;
  const lock = acquireRunLock(check.dir, 'delete');
  try {
    // rmSync does not follow symlinks inside the tree: a link in the run folder is removed, its target kept.
    rmSync(check.dir, { recursive: true, force: true });
  } catch (error) {
    lock.release();
    throw new RunError(`could not delete ${check.dir}: ${(error as Error).message}`);
  }
  return check.dir;
}
