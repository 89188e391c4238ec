/**
 * Carries one experiment from a random network to a retrained, physically smaller ticket, and
 * through the comparisons the config asks for. Phases run in order — search, surgery, retrain,
 * then ebReinit, dense, lotteryTicket, scratchE, scratchB — each recorded in the run folder as it
 * goes; a phase that finished is never repeated on resume, and the running one continues from its
 * last finished epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { selectBackend, type BackendReport } from '../backend/selectBackend.ts';
import { adapterName } from '../backend/webgpu/adapter.ts';
import { checkFitsModel, loadData } from '../data/load.ts';
import type { DataSplits } from '../data/types.ts';
import { detectPowerSources, hardwareInventory } from '../energy/index.ts';
import { buildModel, modelStats, type ModelSpec } from '../models/index.ts';
import { channelMask } from '../prune/channelMask.ts';
import { EarlyBirdCallback } from '../prune/earlyBirdCallback.ts';
import { EarlyBirdDetector } from '../prune/earlyBirdDetector.ts';
import { gammaLayers, slimModel } from '../prune/slimModel.ts';
import { SlimmingPenalty } from '../prune/slimmingPenalty.ts';
import type { TrainCallback } from '../train/callbacks.ts';
import { workersFor } from '../train/parallel/cores.ts';
import { evaluate } from '../train/evaluate.ts';
import { estimateTrainingMemory, memoryLimit, memoryRefusal } from '../train/memory.ts';
import { hasCheckpoint, readCheckpointMeta, restoreWeights, saveCheckpoint } from './checkpoint.ts';
import { fineTuneEpochsOf, optimizerOf, type ExperimentConfig } from './config.ts';
import { EnergyRecorder } from './energyRecorder.ts';
import { writeJsonAtomic } from '../run/files.ts';
import type { Method, MethodResult, Phase, RunEvent } from '../run/events.ts';
import { MODEL_JSON, loadModelFromDir, saveModelToDir, weightsInto, writePredictionCheck, type ExportedInput } from './modelFiles.ts';
import { unitPixels } from '../data/normalise.ts';
import { packageVersion } from '../version.ts';
import { checkpointDir, metricsRow, runTrainingPhase } from './phaseTrainer.ts';
import { RunStore, RunError, defaultRunsDir } from '../run/runStore.ts';
import { finishedPhase, project, type RunState } from '../run/project.ts';
import { maskPath, modelDir, modelFolder, phaseCheckpointDir, summaryPath } from '../run/paths.ts';
import { buildSummary, configHash } from '../run/summarise.ts';
import type { RunSummary } from '../run/summary.ts';
import { runSurgery, type SurgeryOutcome } from './surgeryPhase.ts';
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
      workers: workersFor(config.training.workers),
    });
    for (const message of backend.warnings) emit({ type: 'warning', time: Date.now(), message });
    for (const message of notes) emit({ type: 'warning', time: Date.now(), message });
    // Metered from here: data loading and model building are the run's start-up, charged to no method.
    energy = await EnergyRecorder.start(config.energy, emit, previous, options.detectPowerSources, backend.adapter);
    energy.setPhase(START_UP_PHASE);
    const data = await loadData(config.data.spec, {
      seed: config.seed, trainLimit: config.data.trainLimit, testLimit: config.data.testLimit,
      validationFraction: config.data.validationFraction,
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
    emit({ type: 'model', time: Date.now(), method: 'dense', params: denseStats.params, flops: denseStats.flops });

    const ctx: PhaseContext = { store, config, data, spec, emit, signal, resumed, before, energy, options };

    const search = await searchPhase(ctx);
    let cancelled = search.cancelled;
    let surgery: SurgeryOutcome | null = null;
    if (!cancelled) {
      surgery = await surgeryPhase(ctx, search.ebEpoch);
      cancelled = await retrainPhase(ctx, search, surgery);
    }
    const comparisons: [Phase, () => Promise<boolean>][] = [
      ['ebReinit', () => slimFromScratch(ctx, 'ebReinit', surgery!, config.training.epochs)],
      ['dense', () => densePhase(ctx)],
      ['prunePipeline', () => prunePipelinePhase(ctx)],
      ['lotteryTicket', () => lotteryTicketPhase(ctx)],
      ['scratchE', () => slimFromScratch(ctx, 'scratchE', surgery!, config.training.epochs)],
      ['scratchB', () => slimFromScratch(ctx, 'scratchB', surgery!, scratchBudgetEpochs(config, denseStats.flops, surgery!.slim.flops.slim))],
    ];
    for (const [phase, run] of comparisons) {
      if (cancelled || !wanted(config, phase)) continue;
      cancelled = await run();
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
  } catch (error) {
    const message = (error as Error).message;
    const recording = energy ? await energy.stop().catch(() => null) : null;
    emit({ type: 'run-end', time: Date.now(), status: 'failed', error: message });
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
    throw error;
  }
}

interface PhaseContext {
  store: RunStore;
  config: ExperimentConfig;
  data: DataSplits;
  spec: ModelSpec;
  emit(event: RunEvent): void;
  signal?: AbortSignal;
  /** The run has earlier attempts: phases resume from their checkpoints. */
  resumed: boolean;
  /** The projection of the earlier attempts' events. */
  before: RunState;
  energy: EnergyRecorder;
  options: RunOptions;
}

function wanted(config: ExperimentConfig, phase: Phase): boolean {
  const c = config.comparisons;
  switch (phase) {
    case 'ebReinit': return c.ebReinit;
    // The standard pipeline starts from the dense network: it runs whenever either is asked for.
    case 'dense': return c.dense || c.prunePipeline.enabled;
    case 'prunePipeline': return c.prunePipeline.enabled;
    case 'lotteryTicket': return c.lotteryTicket.enabled;
    case 'scratchE': return c.scratchE;
    case 'scratchB': return c.scratchB;
    default: return true;
  }
}

/**
 * Scratch-B (Liu et al.): the slim network gets the dense network's compute budget, i.e.
 * epochs × dense FLOPs / slim FLOPs, capped at 4× the epochs so a drastic prune cannot run away.
 */
export function scratchBudgetEpochs(config: ExperimentConfig, denseFlops: number, slimFlops: number): number {
  const epochs = config.training.epochs;
  return Math.min(4 * epochs, Math.max(epochs, Math.round((epochs * denseFlops) / Math.max(slimFlops, 1))));
}

function beginPhase(ctx: PhaseContext, phase: Phase, plannedEpochs: number, startEpoch: number, endEpoch: number) {
  ctx.energy.setPhase(phase);
  ctx.emit({ type: 'phase-start', time: Date.now(), phase, plannedEpochs, startEpoch, endEpoch });
}

interface SearchOutcome {
  cancelled: boolean;
  /** The epoch whose weights and mask become the ticket (the detection epoch, or the last one). */
  ebEpoch: number;
  found: boolean;
  searchEpochs: number;
  seconds: number;
}

const EB_DIR = 'eb';
/** Energy-meter phase of the surgery's equality check and speed measurement. */
export const SURGERY_CHECKS_PHASE = 'surgery-checks';

async function searchPhase(ctx: PhaseContext): Promise<SearchOutcome> {
  const { store, config, emit } = ctx;
  const done = finishedPhase(ctx.before, 'search');
  const ebDir = phaseCheckpointDir(store.dir, EB_DIR);
  if (done) {
    const meta = readCheckpointMeta(ebDir);
    return { cancelled: false, ebEpoch: meta.epoch, found: Boolean(meta.extra?.found), searchEpochs: done.epochsTrained, seconds: done.seconds };
  }
  const N = config.training.epochs;
  const p = config.search.pruneRatio;
  const resume = ctx.resumed;
  const savedDetector = resume && hasCheckpoint(checkpointDir(store, 'search')) ? readCheckpointMeta(checkpointDir(store, 'search')).extra?.detector : undefined;
  const detector = savedDetector
    ? EarlyBirdDetector.fromJSON(savedDetector)
    : new EarlyBirdDetector({ ratios: config.search.ratios, queueLength: config.search.queueLength, epsilon: config.search.epsilon });
  const model = buildModel(ctx.spec);
  const saveTicket = async (epoch: number, mask: ReturnType<typeof channelMask>, found: boolean, m: tf.LayersModel) => {
    const bits: Record<string, number[]> = {};
    for (const layer of mask.layers) bits[layer.layer] = Array.from(layer.keep);
    await saveCheckpoint(ebDir, m, null, {
      phase: 'search', epoch, spec: ctx.spec, history: [], extra: { found, ratio: p, mask: bits, warnings: mask.warnings },
    });
    emit({ type: 'layer-mask', time: Date.now(), ratio: p, layers: mask.layers.map((l) => ({ layer: l.layer, kept: l.kept, total: l.total })) });
  };
  const earlyBird = new EarlyBirdCallback({
    detector, pruneRatio: p, stopOnFound: config.search.stopOnFound,
    onObservation: (o) => {
      writeMasks(store, `epoch-${String(o.epoch + 1).padStart(3, '0')}.json`, o.epoch, o.masks);
      emit({
        type: 'mask-distance', time: Date.now(), epoch: o.epoch, seconds: o.seconds, percentOfEpoch: o.percentOfEpoch,
        ratios: o.ratios.map((r) => ({ ratio: r.ratio, distances: r.distances, maxDistance: r.maxDistance, found: r.found, ...(r.foundEpoch !== undefined ? { foundEpoch: r.foundEpoch } : {}) })),
        matrices: o.matrices,
      });
    },
    onFound: async (ticket, m) => {
      writeMasks(store, 'early-bird.json', ticket.epoch, [{ ratio: p, mask: ticket.mask }]);
      await saveTicket(ticket.epoch, ticket.mask, true, m);
      emit({ type: 'eb-found', time: Date.now(), epoch: ticket.epoch, ratio: p, plannedEpochs: N, checkpoint: `checkpoints/${EB_DIR}`, warnings: ticket.mask.warnings });
    },
  });
  beginPhase(ctx, 'search', N, 0, N);
  const outcome = await runTrainingPhase({
    store, phase: 'search', method: 'ebTrain', model, spec: ctx.spec, data: ctx.data, training: config.training,
    plannedEpochs: N, startEpoch: 0, endEpoch: N, seed: config.seed, signal: ctx.signal, emit, resume, previous: ctx.before, meter: ctx.energy,
    callbacks: [new SlimmingPenalty(config.search.l1), earlyBird, ...(ctx.options.callbacks?.('search') ?? [])],
    checkpointExtra: () => ({ detector: detector.toJSON() }),
    endedBefore: () => (config.search.stopOnFound && detector.foundFor(p) ? `Early-Bird ticket found at epoch ${detector.ticket(p)!.epoch + 1}` : null),
  });
  const epochs = outcome.history.length;
  const seconds = outcome.history.reduce((s, h) => s + h.seconds, 0);
  if (outcome.result.status === 'cancelled') {
    model.dispose();
    emit({ type: 'phase-end', time: Date.now(), phase: 'search', status: 'cancelled', seconds, epochs });
    return { cancelled: true, ebEpoch: -1, found: false, searchEpochs: epochs, seconds };
  }
  const ticket = detector.ticket(p);
  if (!ticket) {
    // No ticket within the budget: prune with the last mask, and say so.
    const last = outcome.history[outcome.history.length - 1]!;
    const mask = channelMask(await gammaLayers(model), p);
    await saveTicket(last.epoch, mask, false, model);
    emit({ type: 'warning', time: Date.now(), message: `no Early-Bird ticket within ${N} epochs (ε = ${config.search.epsilon}); pruning with the mask of the last epoch` });
  }
  model.dispose();
  const ebEpoch = ticket?.epoch ?? outcome.history[outcome.history.length - 1]!.epoch;
  emit({ type: 'phase-end', time: Date.now(), phase: 'search', status: outcome.result.status, seconds, epochs, ...(outcome.result.stopReason ? { stopReason: outcome.result.stopReason } : {}) });
  return { cancelled: false, ebEpoch, found: Boolean(ticket), searchEpochs: epochs, seconds };
}

/**
 * masks/<name>: the channel masks as 0/1 strings per layer and ratio — readable, diffable, and
 * enough to rebuild any slim network of the run.
 */
function writeMasks(store: RunStore, name: string, epoch: number, masks: { ratio: number; mask: ReturnType<typeof channelMask> }[]): void {
  writeJsonAtomic(maskPath(store.dir, name), {
    epoch,
    ratios: masks.map(({ ratio, mask }) => ({
      ratio,
      threshold: mask.threshold,
      layers: Object.fromEntries(mask.layers.map((l) => [l.layer, Array.from(l.keep).join('')])),
    })),
  });
}

async function surgeryPhase(ctx: PhaseContext, ebEpoch: number): Promise<SurgeryOutcome> {
  const done = finishedPhase(ctx.before, 'surgery');
  const dir = checkpointDir(ctx.store, 'surgery');
  if (done && ctx.before.slim && hasCheckpoint(dir)) {
    const meta = readCheckpointMeta(dir);
    return { slimSpec: meta.spec, slim: ctx.before.slim, seconds: done.seconds };
  }
  beginPhase(ctx, 'surgery', 0, ebEpoch, ebEpoch);
  const outcome = await runSurgery({
    ebDir: phaseCheckpointDir(ctx.store.dir, EB_DIR), spec: ctx.spec, data: ctx.data, batchSize: ctx.config.training.batchSize,
    optimizer: optimizerOf(ctx.config.training), learningRate: ctx.config.training.learningRate,
    saveSlim: async (model, slimSpec) => saveCheckpoint(dir, model, null, { phase: 'surgery', epoch: ebEpoch, spec: slimSpec, history: [] }),
    // Equality check and speed measurement are diagnostics: metered apart from the ticket's cost.
    onChecksStart: () => ctx.energy.setPhase(SURGERY_CHECKS_PHASE),
  });
  const stats = outcome.slim;
  ctx.emit({ type: 'model', time: Date.now(), method: 'ebTrain', params: stats.params.slim, flops: stats.flops.slim, channels: outcome.slimSpec.channels ?? {} });
  ctx.emit({ type: 'phase-end', time: Date.now(), phase: 'surgery', status: 'completed', seconds: outcome.seconds, epochs: 0, slim: outcome.slim });
  return outcome;
}

/** Trains a model for a phase, evaluates it, exports it, and records the method's result. */
async function trainMethod(ctx: PhaseContext, args: {
  phase: Phase; method: Method; spec: ModelSpec; model: tf.LayersModel; plannedEpochs: number; startEpoch: number; endEpoch: number;
  /** Epochs and seconds spent before this phase that the method's totals include (EB Train: the search). */
  carried?: { epochs: number; seconds: number };
  /** Callbacks of this method only (e.g. the L1 term of a dense network the pipeline prunes). */
  callbacks?: TrainCallback[];
  /** Facts recorded with the result (e.g. the L1 strength, the fine-tuning epochs). */
  notes?: Record<string, number | string | boolean>;
  /** Runs on the trained model before it is disposed (e.g. the quantised export). */
  afterTrain?(model: tf.LayersModel, testAccuracy: number, weightBytes: number): Promise<void>;
}): Promise<boolean> {
  const { store, config, emit } = ctx;
  const resume = ctx.resumed;
  beginPhase(ctx, args.phase, args.plannedEpochs, args.startEpoch, args.endEpoch);
  const outcome = await runTrainingPhase({
    store, phase: args.phase, method: args.method, model: args.model, spec: args.spec, data: ctx.data, training: config.training,
    plannedEpochs: args.plannedEpochs, startEpoch: args.startEpoch, endEpoch: args.endEpoch, seed: config.seed,
    signal: ctx.signal, emit, resume, previous: ctx.before, meter: ctx.energy, callbacks: [...(args.callbacks ?? []), ...(ctx.options.callbacks?.(args.phase) ?? [])],
  });
  const epochs = outcome.history.length;
  const seconds = outcome.history.reduce((s, h) => s + h.seconds, 0);
  if (outcome.result.status === 'cancelled') {
    args.model.dispose();
    emit({ type: 'phase-end', time: Date.now(), phase: args.phase, status: 'cancelled', seconds, epochs });
    return true;
  }
  const evaluation = await evaluate(args.model, ctx.data.test, ctx.data.numClasses, config.training.batchSize);
  const stats = modelStats(args.model);
  const folder = modelFolder(args.method);
  const dir = modelDir(store.dir, args.method);
  mkdirSync(dir, { recursive: true });
  const weightBytes = await saveModelToDir(args.model, dir, { input: exportedInput(ctx, args.method) });
  const test = ctx.data.test;
  await writePredictionCheck(args.model, test.images, [test.height, test.width, test.channels], dir);
  await args.afterTrain?.(args.model, evaluation.accuracy, weightBytes);
  args.model.dispose();
  const result: MethodResult = {
    method: args.method,
    testAccuracy: evaluation.accuracy,
    params: stats.params,
    flops: stats.flops,
    epochs: epochs + (args.carried?.epochs ?? 0),
    seconds: seconds + (args.carried?.seconds ?? 0),
    modelDir: folder,
    ...(args.notes ? { notes: args.notes } : {}),
  };
  emit({ type: 'phase-end', time: Date.now(), phase: args.phase, status: 'completed', seconds, epochs, result });
  return false;
}

async function retrainPhase(ctx: PhaseContext, search: SearchOutcome, surgery: SurgeryOutcome): Promise<boolean> {
  if (finishedPhase(ctx.before, 'retrain')) return false;
  const model = buildModel(surgery.slimSpec);
  // The ticket's own weights, as cut by the surgery (a resumed retrain restores its checkpoint instead).
  await restoreWeights(checkpointDir(ctx.store, 'surgery'), model);
  const N = ctx.config.training.epochs;
  if (search.ebEpoch + 1 >= N) {
    ctx.emit({
      type: 'warning', time: Date.now(),
      message: `no fine-tuning epochs left: the ticket was cut at the last epoch (${search.ebEpoch + 1} of ${N}), so EB Train is the pruned network as cut, without retraining`,
    });
  }
  return trainMethod(ctx, {
    phase: 'retrain', method: 'ebTrain', spec: surgery.slimSpec, model, plannedEpochs: N,
    // The schedule continues where the search stopped: the remaining epoch budget.
    startEpoch: Math.min(search.ebEpoch + 1, N), endEpoch: N,
    carried: { epochs: search.searchEpochs, seconds: search.seconds + surgery.seconds },
    afterTrain: ctx.config.export.quantize ? (m, accuracy, bytes) => exportQuantized(ctx, m, accuracy, bytes) : undefined,
  });
}

/** What an exported model says about its input and classes (see saveModelToDir). */
function exportedInput(ctx: PhaseContext, method: string): ExportedInput {
  const { data } = ctx;
  return { mean: data.mean, std: data.std, classNames: data.classNames, dataset: data.name, method, producedBy: `earlybird ${packageVersion()}` };
}

/**
 * The ticket with 8-bit weights: its size and the test accuracy it keeps after dequantisation,
 * measured as a user would: the written file, fed raw pixels / 255.
 */
async function exportQuantized(ctx: PhaseContext, model: tf.LayersModel, accuracyBefore: number, bytesBefore: number): Promise<void> {
  const dir = modelDir(ctx.store.dir, 'ebTrain-uint8');
  mkdirSync(dir, { recursive: true });
  const bytesAfter = await saveModelToDir(model, dir, { quantize: true, input: exportedInput(ctx, 'ebTrain-uint8') });
  const reloaded = await loadModelFromDir(dir);
  const accuracyAfter = (await evaluate(reloaded, unitPixels(ctx.data.test, ctx.data), ctx.data.numClasses, ctx.config.training.batchSize)).accuracy;
  reloaded.dispose();
  ctx.emit({ type: 'quantization', time: Date.now(), method: 'ebTrain', modelDir: modelFolder('ebTrain-uint8'), bytesBefore, bytesAfter, accuracyBefore, accuracyAfter });
}

/** The slim architecture from a fresh, differently seeded initialisation (EB re-init, Scratch-E/B). */
async function slimFromScratch(ctx: PhaseContext, phase: 'ebReinit' | 'scratchE' | 'scratchB', surgery: SurgeryOutcome, epochs: number): Promise<boolean> {
  if (finishedPhase(ctx.before, phase)) return false;
  const offset = { ebReinit: 1, scratchE: 2, scratchB: 3 }[phase];
  const spec = { ...surgery.slimSpec, seed: surgery.slimSpec.seed + offset * 1_000_003 };
  return trainMethod(ctx, { phase, method: phase, spec, model: buildModel(spec), plannedEpochs: epochs, startEpoch: 0, endEpoch: epochs });
}

async function densePhase(ctx: PhaseContext): Promise<boolean> {
  if (finishedPhase(ctx.before, 'dense')) return false;
  const N = ctx.config.training.epochs;
  // With the standard pipeline asked for, the dense baseline is trained with the slimming L1 term,
  // so that one dense run serves both as the baseline and as the pipeline's first stage.
  const l1 = ctx.config.comparisons.prunePipeline.enabled ? ctx.config.search.l1 : 0;
  return trainMethod(ctx, {
    phase: 'dense', method: 'dense', spec: ctx.spec, model: buildModel(ctx.spec), plannedEpochs: N, startEpoch: 0, endEpoch: N,
    ...(l1 > 0 ? { callbacks: [new SlimmingPenalty(l1)], notes: { l1 } } : {}),
  });
}

/**
 * The standard pruning pipeline (network slimming, Liu et al. 2017) after the dense phase: the
 * dense network — trained with the L1 term for the whole budget — is pruned at the ticket's ratio
 * by the same global |γ| rule, cut for real, and fine-tuned. Its totals include the dense phase it
 * reuses (epochs, seconds; energy through METHOD_PHASES).
 */
async function prunePipelinePhase(ctx: PhaseContext): Promise<boolean> {
  if (finishedPhase(ctx.before, 'prunePipeline')) return false;
  const { config } = ctx;
  const dense = finishedPhase(project(ctx.store.readEvents(), ctx.store.id), 'dense');
  const denseDir = modelDir(ctx.store.dir, 'dense');
  if (!dense?.result || !existsSync(join(denseDir, MODEL_JSON))) {
    throw new RunError('the standard pipeline needs the trained dense network (models/dense), which this run does not have');
  }
  ctx.energy.setPhase('prunePipeline');
  const trained = await loadModelFromDir(denseDir);
  const full = buildModel(ctx.spec);
  // The export carries its input normalisation as a first layer: take the network's own weights.
  weightsInto(trained, full);
  trained.dispose();
  const p = config.search.pruneRatio;
  const mask = channelMask(await gammaLayers(full), p);
  const keep: Record<string, Uint8Array> = {};
  for (const layer of mask.layers) keep[layer.layer] = layer.keep;
  const slim = slimModel(full, ctx.spec, keep);
  full.dispose();
  const F = fineTuneEpochsOf(config);
  return trainMethod(ctx, {
    phase: 'prunePipeline', method: 'prunePipeline', spec: slim.spec, model: slim.model, plannedEpochs: F, startEpoch: 0, endEpoch: F,
    carried: { epochs: dense.epochsTrained, seconds: dense.seconds },
    notes: { pruneRatio: p, l1: config.search.l1, trainEpochs: dense.epochsTrained, fineTuneEpochs: F },
  });
}

/**
 * Progress events for a phase made of several training calls (the lottery ticket's rounds): epochs
 * counted across the calls, the ETA from the mean batch time over all `plannedEpochs`.
 */
function phaseProgress(ctx: PhaseContext, phase: Phase, plannedEpochs: number): TrainCallback {
  const batchesPerEpoch = Math.ceil(ctx.data.train.count / ctx.config.training.batchSize);
  const total = plannedEpochs * batchesPerEpoch;
  const started = performance.now();
  let epochsBefore = 0;
  let batchesDone = 0;
  let last = 0;
  return {
    onBatchEnd: (logs) => {
      batchesDone++;
      const now = performance.now();
      if (now - last < 500 && logs.batch + 1 < logs.batches) return;
      last = now;
      const eta = ((now - started) / 1000 / batchesDone) * Math.max(0, total - batchesDone);
      ctx.emit({ type: 'progress', time: Date.now(), phase, epoch: epochsBefore + logs.epoch, batch: logs.batch, batches: logs.batches, loss: logs.loss, accuracy: logs.accuracy, etaSeconds: eta });
    },
    onTrainEnd: (result) => {
      epochsBefore += result.epochsCompleted;
    },
  };
}

/** The exported dense model's weights in a freshly built network's order, without its input normalisation. */
function denseWeights(exported: tf.LayersModel, spec: ModelSpec): tf.Tensor[] {
  const fresh = buildModel(spec);
  weightsInto(exported, fresh);
  const weights = fresh.getWeights().map((w) => w.clone());
  fresh.dispose();
  return weights;
}

async function lotteryTicketPhase(ctx: PhaseContext): Promise<boolean> {
  if (finishedPhase(ctx.before, 'lotteryTicket')) return false;
  let module: typeof import('../prune/lotteryTicket.ts');
  try {
    module = await import('../prune/lotteryTicket.ts');
  } catch (error) {
    throw new RunError(`lottery-ticket baseline unavailable: ${(error as Error).message}`);
  }
  const { config, emit } = ctx;
  // Reuse the dense baseline trained in this experiment instead of training it again.
  const denseDir = modelDir(ctx.store.dir, 'dense');
  const dense = existsSync(join(denseDir, MODEL_JSON)) ? await loadModelFromDir(denseDir) : null;
  // The phase spans every epoch of every round, so its progress and ETA cover the whole phase.
  const planned = module.plannedLotteryEpochs(config.comparisons.lotteryTicket, config.training.epochs, dense !== null);
  beginPhase(ctx, 'lotteryTicket', planned, 0, planned);
  const started = performance.now();
  const progress = phaseProgress(ctx, 'lotteryTicket', planned);
  try {
    const result = await module.runLotteryTicket({
      spec: ctx.spec, data: ctx.data, training: config.training, settings: config.comparisons.lotteryTicket, seed: config.seed,
      ...(dense ? { trainedDense: { weights: denseWeights(dense, ctx.spec) } } : {}),
      callbacks: [
        ...(ctx.options.callbacks?.('lotteryTicket') ?? []),
        progress,
        {
          onEpochEnd: (logs) => {
            emit({ type: 'epoch', time: Date.now(), phase: 'lotteryTicket', logs });
            ctx.store.appendMetrics(metricsRow('lotteryTicket', 'lotteryTicket', logs));
          },
        },
      ],
      signal: ctx.signal,
    });
    const { rounds: _rounds, sparsity, ...methodResult } = result;
    emit({
      type: 'phase-end', time: Date.now(), phase: 'lotteryTicket', status: 'completed', seconds: (performance.now() - started) / 1000,
      epochs: result.epochs, result: { ...methodResult, notes: { ...(methodResult.notes ?? {}), sparsity } },
    });
    return false;
  } catch (error) {
    if (ctx.signal?.aborted) {
      emit({ type: 'phase-end', time: Date.now(), phase: 'lotteryTicket', status: 'cancelled', seconds: (performance.now() - started) / 1000, epochs: 0 });
      return true;
    }
    throw error;
  } finally {
    dense?.dispose();
  }
}
