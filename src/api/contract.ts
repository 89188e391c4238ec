/**
 * The one typed contract between the UI and the engine: every call the page can make, its input
 * schema (validated on the engine side of every transport) and its output type, and the events
 * pushed to the page. Electron's IPC (electron/) and the browser server (src/server/) both map
 * this contract onto `EngineApi`; the renderer only ever sees `window.api: RendererApi`.
 *
 * Style after Heroic Games Launcher's typed IPC map: one record of channel → signature.
 */
import { z } from 'zod';
import type { ExperimentConfig } from '../core/config.ts';
import type { RunEvent } from '../core/events.ts';
import { RUN_ID_PATTERN } from '../run/paths.ts';
import type { RunListItem } from '../run/runStore.ts';
import type { RunSummary } from '../core/summary.ts';
import type { Study } from '../study/aggregate.ts';
import type { SweepListItem } from '../study/listSweeps.ts';
import { ANY_RUN_ID_PATTERN } from '../study/sweepRunId.ts';

// Never `.` or `..`: a run id becomes a path under the runs folder.
const runId = z.string().regex(RUN_ID_PATTERN, 'a run id: letters, digits, dot, dash, underscore (not . or ..)');
const sweepName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/, 'a sweep name: letters, digits, dot, dash, underscore');
// What can be read of a run can also be read of a sweep point's (`<sweep>~<point>`); resuming and
// deleting a point stay with its sweep (earlybird sweep, or Start with the same config), so those take plain ids.
const readableRunId = z.string().regex(ANY_RUN_ID_PATTERN, 'a run id (letters, digits, dot, dash, underscore; not . or ..) or a sweep point\'s <sweep>~<point>');

/** Input schemas, one per call. */
export const inputSchemas = {
  'app:info': z.strictObject({}),
  'experiment:defaults': z.strictObject({}),
  'experiment:validate': z.strictObject({ config: z.unknown() }),
  'experiment:start': z.strictObject({ config: z.unknown() }),
  // A seed's run of a study started here (`<sweep>~<point>`) cancels that study.
  'experiment:cancel': z.strictObject({ runId: readableRunId }),
  'experiment:resume': z.strictObject({ runId }),
  'experiment:active': z.strictObject({}),
  'runs:list': z.strictObject({}),
  'runs:get': z.strictObject({ runId: readableRunId }),
  'runs:delete': z.strictObject({ runId }),
  'report:export': z.strictObject({ runId: readableRunId }),
  'studies:list': z.strictObject({}),
  'study:export': z.strictObject({ sweep: sweepName }),
  'study:get': z.strictObject({ sweep: sweepName }),
  'ticket:export': z.strictObject({ runId: readableRunId }),
  'runs:reveal': z.strictObject({ runId: readableRunId }),
  'dialog:pickFolder': z.strictObject({ title: z.string().max(200).optional() }),
  'settings:get': z.strictObject({}),
  'settings:set': z.strictObject({
    settings: z.strictObject({
      runsDir: z.string().min(1).max(4096).optional(),
      theme: z.enum(['system', 'light', 'dark']).optional(),
    }),
  }),
} as const;

export type ApiChannel = keyof typeof inputSchemas;
export type ApiInput<C extends ApiChannel> = z.input<(typeof inputSchemas)[C]>;

export interface ValidationIssue {
  /** Dotted path of the bad field, e.g. `training.epochs`. */
  path: string;
  message: string;
}

/** The part of JSON Schema (draft 2020-12, as zod's toJSONSchema writes it) the setup form reads. */
export interface ConfigJsonSchema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  properties?: Record<string, ConfigJsonSchema>;
  required?: string[];
  items?: ConfigJsonSchema;
  enum?: (string | number | boolean | null)[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
}

export interface Settings {
  runsDir: string;
  theme: 'system' | 'light' | 'dark';
}

export interface ActiveRun {
  runId: string;
  runDir: string;
  startedAt: number;
  /** Events so far, so a page opened mid-run can draw its charts. */
  events: RunEvent[];
}

/** Outputs, one per call. */
export interface ApiOutputs {
  'app:info': { version: string; mode: 'electron' | 'browser'; canPickFolders: boolean; platform: string };
  'experiment:defaults': {
    config: ExperimentConfig;
    demo: ExperimentConfig;
    /** The config schema as JSON Schema (input side): the setup form's fields, bounds, choices and defaults. */
    schema: ConfigJsonSchema;
    models: { name: string; description: string }[];
    backends: readonly string[];
    /** The WebGPU adapter a run would use, or why there is none (src/backend/webgpu/gpuSummary.ts). */
    gpu: { adapter: string | null; software: boolean; usedByAuto: boolean; reason: string | null };
    dataForms: string[];
  };
  /** `config` with ok false: the config is valid, but this machine cannot run it (data not there, too many workers, too little memory). */
  'experiment:validate': { ok: true; config: ExperimentConfig } | { ok: false; issues: ValidationIssue[]; config?: ExperimentConfig };
  /**
   * `runId`: the run that starts now. A config with seeds or repeats runs as a study (a seed sweep,
   * as `earlybird run` runs it): `study` names the sweep and every seed's run, which run one after another.
   */
  'experiment:start': { runId: string; runDir: string; study?: { sweep: string; runIds: string[] } };
  'experiment:cancel': { cancelled: boolean };
  'experiment:resume': { runId: string; runDir: string };
  'experiment:active': { runs: ActiveRun[] };
  'runs:list': { runs: RunListItem[] };
  'runs:get': { runId: string; config: unknown; summary: RunSummary | null; events: RunEvent[]; active: boolean };
  'runs:delete': { deleted: boolean };
  /** `path`: where the PDF was written; `url`: where a browser can download it (browser mode). */
  'report:export': { path: string; bytes: number; pages: number; url?: string };
  /** Sweeps under <runs>/sweeps, each with its points' runs (earlybird sweep, or run with seeds). */
  'studies:list': { sweeps: SweepListItem[] };
  /** Writes the sweep's study PDF and CSVs; `url` as for reports. */
  'study:export': { path: string; pages: number; csv: string; recommendation: string; url?: string };
  /**
   * The sweep aggregated over seeds by the study PDF's own code (src/study/aggregate.ts buildStudy):
   * per setting and method mean ± std and 95 % interval, n, energy labels and the seeds left out.
   */
  'study:get': { study: Study };
  /** `path`: the zip of the retrained ticket (and its 8-bit form) in the run folder; `url`: its download (browser mode). */
  'ticket:export': { path: string; bytes: number; models: string[]; url?: string };
  /** Shows the run folder in the file manager where there is one (Electron); always says where it is. */
  'runs:reveal': { path: string; revealed: boolean };
  'dialog:pickFolder': { path: string | null };
  'settings:get': Settings;
  'settings:set': Settings;
}

/** Pushed to the page: every run event, tagged with its run. */
export interface ApiEvent {
  runId: string;
  event: RunEvent;
}

/** What both transports implement on the engine side (inputs already validated). */
export type EngineApi = { [C in ApiChannel]: (input: z.output<(typeof inputSchemas)[C]>) => Promise<ApiOutputs[C]> };

/** What the page sees as `window.api`: one method per channel plus the event subscription. */
export interface RendererApi {
  call<C extends ApiChannel>(channel: C, input: ApiInput<C>): Promise<ApiOutputs[C]>;
  /** Subscribe to run events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(message: string, readonly issues: ValidationIssue[] = [], readonly status = 400) {
    super(message);
  }
}

export function isApiChannel(name: unknown): name is ApiChannel {
  return typeof name === 'string' && Object.hasOwn(inputSchemas, name);
}

/** Validates a call's input against its schema; throws ApiError naming every bad field. */
export function validateInput<C extends ApiChannel>(channel: C, input: unknown): z.output<(typeof inputSchemas)[C]> {
  const result = inputSchemas[channel].safeParse(input ?? {});
  if (result.success) return result.data as z.output<(typeof inputSchemas)[C]>;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
  throw new ApiError(`${channel}: invalid input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/** Dispatches one validated call to an engine implementation (shared by IPC and HTTP). */
export async function dispatch(api: EngineApi, channel: unknown, input: unknown): Promise<unknown> {
  if (!isApiChannel(channel)) throw new ApiError(`unknown API call "${String(channel)}"`, [], 404);
  const valid = validateInput(channel, input);
  return (api[channel] as (i: unknown) => Promise<unknown>)(valid);
}
