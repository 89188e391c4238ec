/**
 * The engine side of the contract: what every API call does, whichever transport brought it.
 * Experiments run in worker processes (see supervisor.ts); this object only validates, reads run
 * folders and delegates.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BACKEND_CHOICES } from '../backend/selectBackend.ts';
import { gpuSummaryInChild, type GpuSummary } from '../backend/webgpu/gpuSummary.ts';
import { DATA_SPEC_FORMS } from '../data/load.ts';
import { ConfigError, demoConfig, parseConfig } from '../core/config.ts';
import { machineIssues } from '../experiment/machineBounds.ts';
import { defaultRunsDir, deleteRun, ensureRunsDir, listRuns, RunError, RunStore } from '../run/runStore.ts';
import { lockRefusal, RunLockedError } from '../run/lock.ts';
import { configPath } from '../run/paths.ts';
import { realDirProblem } from '../run/safePath.ts';
import { expandHome } from '../paths.ts';
import { describeModel, MODEL_NAMES } from '../models/index.ts';
import { packageVersion } from '../version.ts';
import { checkSweepRun, listSweeps, sweepRunDir, sweepsRoot } from '../study/listSweeps.ts';
import { ApiError, type ApiEvent, type EngineApi, type Settings } from './contract.ts';
import { ExperimentSupervisor, TooManyRunsError, type SupervisorOptions } from './supervisor.ts';
import { SeedStudies } from './seedStudy.ts';
import { hasSeeds } from '../study/sweep.ts';
import { configJsonSchema } from './configJsonSchema.ts';

export interface EngineOptions {
  mode: 'electron' | 'browser';
  runsDir?: string;
  /** Pushes an event to every connected page. */
  emit(event: ApiEvent): void;
  /** Electron only: a native folder picker. */
  pickFolder?(title?: string): Promise<string | null>;
  /** Browser mode: the URL a page downloads a run's PDF from. */
  reportUrl?(runId: string): string;
  /** Browser mode: the URL a page downloads a sweep's study PDF from. */
  studyUrl?(sweep: string): string;
  /** Browser mode: the URL a page downloads a run's ticket zip from. */
  ticketUrl?(runId: string): string;
  /** Electron only: shows a folder in the system file manager. */
  revealFolder?(path: string): Promise<void>;
  spawnWorker?: SupervisorOptions['spawnWorker'];
}


export interface Engine {
  api: EngineApi;
  supervisor: ExperimentSupervisor;
  settings(): Settings;
  runDir(runId: string): string;
}

export function createEngine(options: EngineOptions): Engine {
  const settings: Settings = { runsDir: resolve(expandHome(options.runsDir ?? defaultRunsDir())), theme: 'system' };
  const supervisor = new ExperimentSupervisor({
    onEvent: (runId, event) => options.emit({ runId, event }),
    spawnWorker: options.spawnWorker,
  });
  const studies = new SeedStudies(supervisor, (runId, event) => options.emit({ runId, event }));
  // A sweep point's id (`<sweep>~<point>`) names its folder under <runs>/sweeps; any other id, a folder in <runs>.
  const runDir = (runId: string) => sweepRunDir(settings.runsDir, runId) ?? join(settings.runsDir, runId);
  /** A run-folder failure as the API's error: a lock held is a conflict, anything else bad input. */
  const asApiError = (error: unknown): unknown =>
    error instanceof RunLockedError || error instanceof TooManyRunsError ? new ApiError(error.message, [], 409) : error instanceof RunError ? new ApiError(error.message, [], 400) : error;
  const runFolderCall = async <T>(call: () => Promise<T> | T): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw asApiError(error);
    }
  };
  const openRun = async (runId: string) => {
    if (sweepRunDir(settings.runsDir, runId)) {
      const check = await checkSweepRun(settings.runsDir, runId);
      if (!check.ok) throw new ApiError(check.why, [], 404);
      try {
        return RunStore.open(check.dir);
      } catch (error) {
        throw asApiError(error);
      }
    }
    const dir = runDir(runId);
    if (!existsSync(configPath(dir))) throw new ApiError(`no run "${runId}" in ${settings.runsDir}`, [], 404);
    try {
      return RunStore.open(dir);
    } catch (error) {
      throw asApiError(error);
    }
  };
  const validated = (config: unknown) => {
    try {
      return parseConfig(config);
    } catch (error) {
      if (error instanceof ConfigError) throw new ApiError(error.message, error.issues);
      throw error;
    }
  };

  /** A sweep's folder, or a 404 naming where it was looked for. */
  const sweepDir = async (sweep: string) => {
    const dir = join(sweepsRoot(settings.runsDir), sweep);
    const problem = await realDirProblem(settings.runsDir, dir);
    if (problem && 'refused' in problem) throw new ApiError(problem.refused, [], 400);
    if (problem || !existsSync(join(dir, 'sweep.json'))) throw new ApiError(`no sweep "${sweep}" in ${sweepsRoot(settings.runsDir)}`, [], 404);
    return dir;
  };

  // Asked once per app: the adapter does not change while the app runs.
  let gpuProbe: Promise<GpuSummary> | null = null;
  const api: EngineApi = {
    'app:info': async () => ({ version: packageVersion(), mode: options.mode, canPickFolders: Boolean(options.pickFolder), platform: process.platform }),
    'experiment:defaults': async () => ({
      config: parseConfig({ model: { name: 'lenet5-bn' } }),
      demo: demoConfig(),
      schema: configJsonSchema(),
      models: MODEL_NAMES.map((name) => ({ name, description: describeModel(name) })),
      backends: BACKEND_CHOICES,
      gpu: await (gpuProbe ??= gpuSummaryInChild()),
      dataForms: DATA_SPEC_FORMS,
    }),
    'experiment:validate': async ({ config }) => {
      let valid;
      try {
        valid = parseConfig(config);
      } catch (error) {
        if (error instanceof ConfigError) return { ok: false, issues: error.issues };
        throw error;
      }
      const issues = await machineIssues(valid);
      return issues.length > 0 ? { ok: false, issues, config: valid } : { ok: true, config: valid };
    },
    'experiment:start': async ({ config }) => {
      const valid = validated(config);
      const issues = await machineIssues(valid);
      if (issues.length > 0) throw new ApiError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), issues);
      await runFolderCall(() => supervisor.checkCapacity());
      if (hasSeeds(valid)) {
        const study = await runFolderCall(() => studies.start(settings.runsDir, valid));
        return { runId: study.runId, runDir: study.runDir, study: { sweep: study.sweep, runIds: study.runIds } };
      }
      const store = await runFolderCall(() => RunStore.create(settings.runsDir, valid));
      // The worker takes the lock over: it is the one process that writes the run from here on.
      store.releaseLock();
      supervisor.start(store.id, store.dir);
      return { runId: store.id, runDir: store.dir };
    },
    'experiment:cancel': async ({ runId }) => ({ cancelled: await studies.cancel(runId) }),
    'experiment:resume': async ({ runId }) => {
      const store = await openRun(runId);
      if (supervisor.isActive(runId)) throw new ApiError(`run ${runId} is already running`, [], 409);
      const refusal = lockRefusal(store.dir, 'resume');
      if (refusal) throw new ApiError(refusal.message, [], 409);
      const summary = await store.readSummaryAsync().catch(() => null);
      if (summary?.status === 'completed') throw new ApiError(`run ${runId} has already completed`, [], 409);
      // What would stop it at once (its data folder gone, say) is said now, not as another failed attempt.
      const config = await store.readConfigJsonAsync().then((raw) => parseConfig(raw)).catch(() => null);
      const issues = config ? await machineIssues(config) : [];
      if (issues.length > 0) throw new ApiError(`resuming ${runId} would fail the same way: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
      await runFolderCall(() => supervisor.checkCapacity());
      supervisor.start(runId, store.dir);
      return { runId, runDir: store.dir };
    },
    'experiment:active': async () => ({ runs: supervisor.active() }),
    'runs:list': async () => ({ runs: await runFolderCall(() => listRuns(settings.runsDir)) }),
    'runs:get': async ({ runId }) => {
      const store = await openRun(runId);
      return runFolderCall(async () => ({
        runId,
        config: await store.readConfigJsonAsync(),
        summary: await store.readSummaryAsync(),
        events: await store.readEventsAsync((e) => e.type !== 'progress'),
        active: supervisor.isActive(runId),
      }));
    },
    'runs:delete': async ({ runId }) => {
      if (supervisor.isActive(runId)) throw new ApiError(`run ${runId} is running: cancel it first`, [], 409);
      await runFolderCall(() => deleteRun(settings.runsDir, runId));
      return { deleted: true };
    },
    'report:export': async ({ runId }) => {
      const store = await openRun(runId);
      const { generateReport } = await import('../report/index.ts');
      const report = await runFolderCall(() => generateReport(store.dir));
      return { path: report.pdfPath, bytes: report.bytes, pages: report.pages, ...(options.reportUrl ? { url: options.reportUrl(runId) } : {}) };
    },
    'studies:list': async () => ({ sweeps: await listSweeps(settings.runsDir) }),
    'study:get': async ({ sweep }) => {
      const dir = await sweepDir(sweep);
      const { buildStudy } = await import('../study/aggregate.ts');
      try {
        return { study: buildStudy(dir) };
      } catch (error) {
        if ((error as Error).name === 'RunError') throw new ApiError((error as Error).message, [], 409);
        throw error;
      }
    },
    'study:export': async ({ sweep }) => {
      const dir = await sweepDir(sweep);
      const { generateStudy } = await import('../study/studyReport.ts');
      try {
        const study = await generateStudy(dir);
        return { path: study.pdfPath, pages: study.pages, csv: study.csv, recommendation: study.study.recommendation.text, ...(options.studyUrl ? { url: options.studyUrl(sweep) } : {}) };
      } catch (error) {
        if ((error as Error).name === 'RunError') throw new ApiError((error as Error).message, [], 409);
        throw error;
      }
    },
    'ticket:export': async ({ runId }) => {
      const store = await openRun(runId);
      const { writeTicketArchive } = await import('../experiment/ticketArchive.ts');
      try {
        const archive = await writeTicketArchive(store.dir);
        return { path: archive.path, bytes: archive.bytes, models: archive.models, ...(options.ticketUrl ? { url: options.ticketUrl(runId) } : {}) };
      } catch (error) {
        if (error instanceof RunError) throw new ApiError(error.message, [], 409);
        throw error;
      }
    },
    'runs:reveal': async ({ runId }) => {
      const store = await openRun(runId);
      if (!options.revealFolder) return { path: store.dir, revealed: false };
      await options.revealFolder(store.dir);
      return { path: store.dir, revealed: true };
    },
    'dialog:pickFolder': async ({ title }) => ({ path: options.pickFolder ? await options.pickFolder(title) : null }),
    'settings:get': async () => ({ ...settings }),
    'settings:set': async ({ settings: changes }) => {
      if (changes.runsDir) settings.runsDir = await runFolderCall(() => ensureRunsDir(changes.runsDir!));
      if (changes.theme) settings.theme = changes.theme;
      return { ...settings };
    },
  };
  return { api, supervisor, settings: () => ({ ...settings }), runDir };
}
