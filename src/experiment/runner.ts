/**
 * Carries one experiment from a random network to a retrained, physically smaller ticket, and
 * through the comparisons the config asks for: the lifecycle (a new run or a resumed one, its lock,
 * its end and summary) and the set-up (backend, data, model, memory bound, energy recorder). The
 * methods themselves run from src/experiment/methods/, one file each, in the order of the methods
 * table (src/core/methods.ts) — EB Train's search, surgery and retrain first — each recorded in the
 * run folder as it goes; a phase that finished is never repeated on resume, and the running one
 * continues from its last finished epoch.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { selectBackend, type BackendReport } from '../backend/selectBackend.ts';
import { adapterName } from '../backend/webgpu/adapter.ts';
import { checkFitsModel, loadData } from '../data/load.ts';
import { DataError } from '../data/errors.ts';
import { detectPowerSources, hardwareInventory } from '../energy/index.ts';
import { buildModel, modelStats, type ModelSpec } from '../models/index.ts';
import type { TrainCallback } from '../train/callbacks.ts';
import { workersFor } from '../train/parallel/cores.ts';
import { estimateTrainingMemory, memoryLimit, memoryRefusal } from '../train/memory.ts';
import { ConfigError, type ExperimentConfig } from '../core/config.ts';
import type { FailureKind, Phase, RunEvent } from '../core/events.ts';
import { methodRows } from '../core/methods.ts';
import { project, type RunState } from '../core/project.ts';
import type { RunSummary } from '../core/summary.ts';
import { summaryPath } from '../run/paths.ts';
import { clearRunLeftovers, settleFailure } from '../run/leftovers.ts';
import { RunStore, RunError, defaultRunsDir } from '../run/runStore.ts';
import { buildSummary, configHash } from '../run/summarise.ts';
import { EnergyRecorder } from './energyRecorder.ts';
import { methodRunner, type MethodContext } from './methods/index.ts';
import { trainInTurns } from './turns.ts';
import { START_UP_PHASE } from './warmUp.ts';

export interface RunOptions {
  /** Folder that holds run folders (default ./runs or $EARLYBIRD_RUNS). */
  runsDir?: string;
  /** The run folder's name (default: a timestamp and the model); a sweep uses the config hash. */
  runId?: string;
  signal?: AbortSignal;
  /** Every event, as it is written to events.jsonl. */
  onEvent?(event: RunEvent): void;
  /** Extra callbacks for every training phase (e.g. a terminal progress bar). */
  callbacks?(phase: Phase): TrainCallback[];
  /** Finds the power sources (default: this machine's sensors); tests inject failing ones. */
  detectPowerSources?: typeof detectPowerSources;
}

export interface RunOutcome {
  runId: string;
  runDir: string;
  status: RunSummary['status'];
  summary: RunSummary;
}

export async function runExperiment(config: ExperimentConfig, options: RunOptions = {}): Promise<RunOutcome> {
  const runsDir = options.runsDir ?? defaultRunsDir();
  // Locked by this process either way.
  const store = options.runId ? RunStore.createNamed(runsDir, options.runId, config, 'run') : RunStore.create(runsDir, config, 'run');
  try {
    return await execute(store, config, [], options, []);
  } finally {
    store.releaseLock();
  }
}

/**
 * Continues a run folder from where it stopped (killed, cancelled or failed). Refused, before anything
 * is written, when another process holds the run's lock, when the config no longer matches the one the
 * run was created with, or when the run already completed.
 */
export async function resumeExperiment(runDir: string, config: ExperimentConfig, options: RunOptions = {}): Promise<RunOutcome> {
  const store = RunStore.open(runDir);
  const lock = store.acquireLock('resume');
  try {
    const log = store.readEventLog();
    const previous = log.events;
    const notes: string[] = [];
    if (lock.tookOver) notes.push(`took over a ${lock.tookOver}`);
    checkResumable(store, config, project(previous, store.id));
    notes.push(...clearRunLeftovers(store.dir));
    if (log.lastLineTorn) {
      // Close the torn line so the resumed run's first event starts on a line of its own (the torn
      // bytes stay, as one unreadable line: nothing is lost).
      closeTornTail(store.eventsPath, log.bytes);
      notes.push('events.jsonl: the previous attempt stopped mid-line; that line was closed and is skipped as unreadable');
    }
    return await execute(store, config, previous, options, notes);
  } finally {
    store.releaseLock();
  }
}

/** Refuses a resume that would mix two configs or extend a finished run. */
function checkResumable(store: RunStore, config: ExperimentConfig, previous: RunState): void {
  const hash = configHash(config);
  if (previous.configHash !== null && previous.configHash !== hash) {
    throw new RunError(`cannot resume ${store.dir}: config.json changed since the run started (config hash ${hash}, the run was started with ${previous.configHash})`);
  }
  if (previous.lastRunEnd?.status === 'completed') throw new RunError(`cannot resume ${store.dir}: it has already completed`);
}

function closeTornTail(path: string, bytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, '\n', bytes);
  } finally {
    closeSync(fd);
  }
}

/** The failures a resume would repeat (see FailureKind); null for the rest. */
function failureKindOf(error: unknown): FailureKind | null {
  if (error instanceof DataError) return 'data';
  if (error instanceof ConfigError) return 'config';
  return null;
}

async function execute(store: RunStore, config: ExperimentConfig, previous: RunEvent[], options: RunOptions, notes: string[]): Promise<RunOutcome> {
  const resumed = previous.length > 0;
  // What earlier attempts did, as the one projection of the log reads it: phases finished, epochs logged.
  const before = project(previous, store.id);
  const emit = (event: RunEvent) => {
    store.append(event);
    options.onEvent?.(event);
  };
  const signal = options.signal;
  const createdAt = before.startedAt ?? Date.now();
  const started = performance.now();
  let energy: EnergyRecorder | null = null;
  let backend: BackendReport | null = null;
  const hardware = hardwareInventory().then((h) => h as unknown as Record<string, unknown>).catch(() => null);

  try {
    backend = await selectBackend(config.backend);
    emit({
      type: 'run-start', time: Date.now(), runId: store.id, resumed, configHash: configHash(config),
      backend: backend.tfBackend, backendDescription: backend.description, skippedBackends: backend.skipped,
      ...(backend.adapter ? { adapter: { vendor: backend.adapter.vendor, architecture: backend.adapter.architecture, description: adapterName(backend.adapter), software: backend.adapter.software } } : {}),
      ...(config.training.workers !== undefined ? { workers: config.training.workers } : {}),
    });
    for (const message of backend.warnings) emit({ type: 'warning', time: Date.now(), message });
    for (const message of notes) emit({ type: 'warning', time: Date.now(), message });
    // Metered from here: data loading and model building are the run's start-up, charged to no method.
    energy = await EnergyRecorder.start(config.energy, emit, previous, options.detectPowerSources, backend.adapter);
    await energy.setPhase(START_UP_PHASE);
    const data = await loadData(config.data.spec, {
      seed: config.seed, trainLimit: config.data.trainLimit, testLimit: config.data.testLimit,
      validationFraction: config.data.validationFraction, augment: config.data.augment,
    });
    const inputShape: [number, number, number] = [data.train.height, data.train.width, data.train.channels];
    emit({
      type: 'data', time: Date.now(), name: data.name, source: data.source, train: data.train.count,
      validation: data.validation.count, test: data.test.count, shape: inputShape, numClasses: data.numClasses,
    });
    const spec: ModelSpec = {
      name: config.model.name as ModelSpec['name'], inputShape, numClasses: data.numClasses, seed: config.seed,
      ...(config.model.width !== undefined ? { width: config.model.width } : {}),
      ...(config.model.depth !== undefined ? { depth: config.model.depth } : {}),
    };
    const probe = buildModel(spec);
    checkFitsModel(data.train, inputShape, config.model.name);
    const denseStats = modelStats(probe);
    probe.dispose();
    // Bounds before work: a batch that cannot fit is refused now, with the figure, not at epoch 1.
    const memory = estimateTrainingMemory(denseStats, inputShape[0] * inputShape[1] * inputShape[2], config.training.batchSize, config.training.optimizer);
    const refusal = memoryRefusal(`${config.model.name}${config.model.width !== undefined ? ` width ${config.model.width}` : ''}`, memory, config.training.batchSize, memoryLimit(backend.tfBackend));
    if (refusal) throw new RunError(refusal);
    // Replicas by the dense network's size, the same for every phase of the run.
    const workers = workersFor(config.training.workers, backend.tfBackend, denseStats.flops);
    emit({ type: 'model', time: Date.now(), method: 'dense', params: denseStats.params, flops: denseStats.flops, workers });

    const ctx: MethodContext = { store, config: { ...config, training: { ...config.training, workers } }, data, spec, denseStats, emit, signal, resumed, before, energy, callbacks: options.callbacks, surgery: null };

    // Every method the config asks for, in the methods table's order (EB Train first: the others
    // build on its surgery or on the dense run), the dense baseline in turns with EB Train unless the
    // config says otherwise; a cancelled one ends the run.
    let cancelled = false;
    const wanted = (key: string) => methodRows().some((r) => r.key === key && r.wanted(config));
    const inTurnsWith = config.comparisons.sequential !== true && wanted('ebTrain') && wanted('dense') ? 'dense' : null;
    for (const row of methodRows()) {
      if (cancelled || !row.wanted(config) || row.key === inTurnsWith) continue;
      cancelled = row.key === 'ebTrain' && inTurnsWith ? await trainInTurns(ctx, ['ebTrain', inTurnsWith]) : await methodRunner(row.key)(ctx);
    }

    const recording = await energy.stop();
    energy = null;
    const status = cancelled ? 'cancelled' : 'completed';
    const summary = buildSummary({
      store, config, status, createdAt, backend, hardware: await hardware, recording,
      seconds: (performance.now() - started) / 1000, denseStats,
    });
    store.writeSummary(summary);
    emit({ type: 'run-end', time: Date.now(), status, summary: basename(summaryPath(store.dir)) });
    return { runId: store.id, runDir: store.dir, status, summary };
  } catch (caught) {
    const error = settleFailure(caught, store.dir);
    const message = (error as Error).message;
    const recording = energy ? await energy.stop().catch(() => null) : null;
    const failure = failureKindOf(error);
    // The summary before the run-end, as when a run completes: whoever reads the run on its run-end
    // (the app does at once) finds the summary there.
    if (backend && recording) {
      try {
        store.writeSummary(buildSummary({
          store, config, status: 'failed', createdAt, backend, hardware: await hardware, recording,
          seconds: (performance.now() - started) / 1000, denseStats: null,
        }));
      } catch {
        // The failure itself is what the user needs to see.
      }
    }
    emit({ type: 'run-end', time: Date.now(), status: 'failed', error: message, ...(failure ? { failure } : {}) });
    throw error;
  }
}
