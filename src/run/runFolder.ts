/**
 * Reads a run folder for the report, trusting nothing: every file may be missing, half written
 * (a run killed mid-write) or from a slightly different version. What cannot be read is recorded
 * as a problem with its reason, never thrown; only a folder with neither config.json nor
 * events.jsonl is refused.
 */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseConfig, type DeepPartial, type ExperimentConfig } from '../core/config.ts';
import { methodOfPhase } from '../core/methods.ts';
import type { RunEvent } from '../core/events.ts';
import { METRICS_HEADER, RunError } from './runStore.ts';
import { expandHome } from '../paths.ts';
import { readEventLog } from './eventLog.ts';
import { configPath, eventsPath, metricsPath, summaryPath } from './paths.ts';
import { READ_CAPS, readRegularFile } from './safeRead.ts';

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
import type { RunSummary } from '../core/summary.ts';

export type { DeepPartial } from '../core/config.ts';

/** One metrics.csv row (or an epoch event turned into one). Epochs are zero-based as stored. */
export interface MetricsRow {
  phase: string;
  method: string;
  epoch: number;
  learningRate: number | null;
  loss: number | null;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number | null;
  imagesPerSecond: number | null;
}

export const METRICS_COLUMNS = METRICS_HEADER.split(',') as (keyof MetricsRow)[];

export interface RunFolder {
  dir: string;
  /** The folder name: runs are named by their id. */
  folderName: string;
  /** Validated config, else whatever config.json (or summary.config) holds. */
  config: DeepPartial<ExperimentConfig> | null;
  configValid: boolean;
  configRaw: string | null;
  events: RunEvent[];
  eventsPresent: boolean;
  /** Lines of events.jsonl that were not JSON objects with a type (a torn last line, mostly). */
  badEventLines: number;
  lastLineTorn: boolean;
  summary: DeepPartial<RunSummary> | null;
  summaryRaw: string | null;
  metrics: MetricsRow[];
  /** Where the epoch rows came from. */
  metricsSource: 'metrics.csv' | 'events' | null;
  /** metrics.csv is there (even when it could not be read or held no rows). */
  metricsFileExists: boolean;
  /** Problems met while reading, each a sentence naming the file. */
  problems: string[];
}

/** A file's text through the safe reader; a refusal (FIFO, symlink, over the cap) becomes a problem. */
async function readText(path: string, cap: number, problems: string[]): Promise<string | null> {
  try {
    return await readRegularFile(path, cap);
  } catch (error) {
    problems.push(`${basename(path)}: ${(error as Error).message.replace(`${path}: `, '')}; ignored`);
    return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses events.jsonl line by line; a torn or foreign line is skipped and counted. */
export function parseEvents(text: string): { events: RunEvent[]; bad: number; lastLineTorn: boolean } {
  const events: RunEvent[] = [];
  let bad = 0;
  let lastLineTorn = false;
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    try {
      const value: unknown = JSON.parse(line);
      if (isObject(value) && typeof value.type === 'string') {
        const time = typeof value.time === 'number' ? value.time : typeof value.timeMs === 'number' ? value.timeMs : NaN;
        events.push({ ...value, time } as unknown as RunEvent);
        return;
      }
      bad++;
    } catch {
      bad++;
      if (index === lines.length - 1) lastLineTorn = true;
    }
  });
  return { events, bad, lastLineTorn };
}

function toNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'null' || trimmed === 'NaN') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : null;
}

/** metrics.csv by column name (any order); rows with a wrong column count (a torn line) are dropped. */
export function parseMetricsCsv(text: string): { rows: MetricsRow[]; dropped: number } {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) return { rows: [], dropped: 0 };
  const header = lines[0]!.split(',').map((h) => h.trim());
  const at = (name: string) => header.indexOf(name);
  if (at('phase') < 0 || at('epoch') < 0) return { rows: [], dropped: lines.length - 1 };
  const rows: MetricsRow[] = [];
  let dropped = 0;
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const epoch = toNumber(cells[at('epoch')]);
    if (cells.length !== header.length || epoch === null) {
      dropped++;
      continue;
    }
    const get = (name: string) => (at(name) < 0 ? null : toNumber(cells[at(name)]));
    const phase = cells[at('phase')]!.trim();
    rows.push({
      phase,
      method: at('method') >= 0 ? cells[at('method')]!.trim() : methodOfPhase(phase),
      epoch,
      learningRate: get('learningRate'),
      loss: get('loss'),
      accuracy: get('accuracy'),
      valLoss: get('valLoss'),
      valAccuracy: get('valAccuracy'),
      seconds: get('seconds'),
      imagesPerSecond: get('imagesPerSecond'),
    });
  }
  return { rows, dropped };
}


function metricsFromEvents(events: readonly RunEvent[]): MetricsRow[] {
  const rows: MetricsRow[] = [];
  for (const event of events) {
    if (event.type !== 'epoch' || !isObject(event.logs)) continue;
    const logs = event.logs as unknown as Record<string, unknown>;
    const n = (key: string) => (typeof logs[key] === 'number' && Number.isFinite(logs[key]) ? (logs[key] as number) : null);
    const epoch = n('epoch');
    if (epoch === null) continue;
    rows.push({
      phase: String(event.phase),
      method: methodOfPhase(String(event.phase)),
      epoch,
      learningRate: n('learningRate'),
      loss: n('loss'),
      accuracy: n('accuracy'),
      valLoss: n('valLoss'),
      valAccuracy: n('valAccuracy'),
      seconds: n('seconds'),
      imagesPerSecond: n('imagesPerSecond'),
    });
  }
  return rows;
}

/**
 * Reads everything the report can use. Throws RunError only when the path is no folder, or the
 * folder holds neither config.json nor events.jsonl (nothing to report on).
 */
export async function readRunFolder(runDir: string): Promise<RunFolder> {
  const dir = resolve(expandHome(runDir));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new RunError(`${runDir}: no such run folder`);

  const configFile = configPath(dir);
  const eventsFile = eventsPath(dir);
  if (!lexists(configFile) && !lexists(eventsFile)) {
    throw new RunError(`${runDir} is not a run folder: no config.json or events.jsonl`);
  }

  const problems: string[] = [];

  // events.jsonl, streamed (progress lines are not needed by any reader of a finished folder)
  let parsedEvents: { events: RunEvent[]; bad: number; lastLineTorn: boolean; present: boolean };
  try {
    parsedEvents = await readEventLog(eventsFile, { keep: (e) => e.type !== 'progress' });
  } catch (error) {
    problems.push(`events.jsonl: ${(error as Error).message.replace(`${eventsFile}: `, '')}; ignored`);
    parsedEvents = { events: [], bad: 0, lastLineTorn: false, present: false };
  }
  const eventsText = parsedEvents.present ? '' : null;
  if (eventsText !== null && parsedEvents.lastLineTorn) problems.push('events.jsonl: its last line was cut short (the process stopped mid-write); it was ignored');
  if (parsedEvents.bad > (parsedEvents.lastLineTorn ? 1 : 0)) {
    problems.push(`events.jsonl: ${parsedEvents.bad - (parsedEvents.lastLineTorn ? 1 : 0)} unreadable line(s) skipped`);
  }

  // summary.json
  const summaryRaw = await readText(summaryPath(dir), READ_CAPS.summary, problems);
  let summary: DeepPartial<RunSummary> | null = null;
  if (summaryRaw !== null) {
    try {
      const value: unknown = JSON.parse(summaryRaw);
      if (isObject(value)) summary = value as DeepPartial<RunSummary>;
      else problems.push('summary.json: not a JSON object; ignored');
    } catch (error) {
      problems.push(`summary.json: unreadable (${(error as Error).message}); ignored`);
    }
  }

  // config.json (validated when possible; summary.config as a fallback)
  const configRaw = await readText(configFile, READ_CAPS.config, problems);
  let config: DeepPartial<ExperimentConfig> | null = null;
  let configValid = false;
  if (configRaw !== null) {
    let value: unknown;
    try {
      value = JSON.parse(configRaw);
    } catch (error) {
      problems.push(`config.json: unreadable (${(error as Error).message})`);
    }
    if (value !== undefined) {
      try {
        config = parseConfig(value, 'config.json');
        configValid = true;
      } catch (error) {
        problems.push(`config.json: does not validate against this version (${(error as Error).message.split('\n').slice(1, 3).join('; ').trim()}); shown as written`);
        if (isObject(value)) config = value as DeepPartial<ExperimentConfig>;
      }
    }
  }
  if (!config && isObject(summary?.config)) config = summary.config as DeepPartial<ExperimentConfig>;

  // The epoch events, the one record of an epoch; a metrics.csv only where the log has none (a run
  // folder of an earlier version, which wrote one beside its events, that lost its events.jsonl).
  let metrics = metricsFromEvents(parsedEvents.events);
  let metricsSource: RunFolder['metricsSource'] = metrics.length > 0 ? 'events' : null;
  if (metrics.length === 0 && lexists(metricsPath(dir))) {
    const metricsText = await readText(metricsPath(dir), READ_CAPS.metrics, problems);
    if (metricsText !== null) {
      const parsed = parseMetricsCsv(metricsText);
      metrics = parsed.rows;
      if (metrics.length > 0) {
        metricsSource = 'metrics.csv';
        problems.push('events.jsonl: no epoch recorded — epoch rows read from the metrics.csv of an earlier version');
      }
      if (parsed.dropped > 0) problems.push(`metrics.csv: ${parsed.dropped} incomplete row(s) dropped`);
    }
  }

  return {
    dir,
    folderName: basename(dir),
    config,
    configValid,
    configRaw,
    events: parsedEvents.events,
    eventsPresent: eventsText !== null,
    badEventLines: parsedEvents.bad,
    lastLineTorn: parsedEvents.lastLineTorn,
    summary,
    summaryRaw: summary ? summaryRaw : null,
    metrics,
    metricsSource,
    metricsFileExists: existsSync(metricsPath(dir)),
    problems,
  };
}
