/**
 * What every method's file gets from the runner (the run folder, the config, the data, the energy
 * recorder, what earlier attempts logged) and the one way a method trains: `trainMethod` opens the
 * phase, trains through the phase trainer (progress, epoch events, checkpoints), evaluates, exports
 * the model and records the method's result.
 */
import type * as tf from '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import type { DataSplits } from '../../data/types.ts';
import { modelStats, type ModelSpec, type ModelStats } from '../../models/index.ts';
import type { TrainCallback } from '../../train/callbacks.ts';
import { evaluate } from '../../train/evaluate.ts';
import type { ExperimentConfig } from '../../core/config.ts';
import type { Method, MethodResult, Phase, RunEvent } from '../../core/events.ts';
import type { RunState } from '../../core/project.ts';
import { modelDir, modelFolder } from '../../run/paths.ts';
import type { RunStore } from '../../run/runStore.ts';
import { packageVersion } from '../../version.ts';
import { RunError } from '../../run/errors.ts';
import type { EnergyRecorder } from '../energyRecorder.ts';
import { saveModelToDir, writePredictionCheck, type ExportedInput } from '../modelFiles.ts';
import { runTrainingPhase } from '../phaseTrainer.ts';
import type { SurgeryOutcome } from '../surgeryPhase.ts';

export interface MethodContext {
  store: RunStore;
  config: ExperimentConfig;
  data: DataSplits;
  /** The dense network's spec and statistics. */
  spec: ModelSpec;
  denseStats: ModelStats;
  emit(event: RunEvent): void;
  signal?: AbortSignal;
  /** The run has earlier attempts: phases resume from their checkpoints. */
  resumed: boolean;
  /** The projection of the earlier attempts' events. */
  before: RunState;
  energy: EnergyRecorder;
  /** Extra callbacks for every training phase (e.g. a terminal progress bar). */
  callbacks?(phase: Phase): TrainCallback[];
  /** The slim network EB Train's surgery cut, once it has (the slim methods train its architecture). */
  surgery: SurgeryOutcome | null;
}

/** A method's training: runs its phases (skipping those an earlier attempt finished); true when cancelled. */
export type MethodRunner = (ctx: MethodContext) => Promise<boolean>;

export async function beginPhase(ctx: MethodContext, phase: Phase, plannedEpochs: number, startEpoch: number, endEpoch: number): Promise<void> {
  await ctx.energy.setPhase(phase);
  ctx.emit({ type: 'phase-start', time: Date.now(), phase, plannedEpochs, startEpoch, endEpoch });
}

/** What an exported model says about its input and classes (see saveModelToDir). */
export function exportedInput(ctx: MethodContext, method: string): ExportedInput {
  const { data } = ctx;
  return { mean: data.mean, std: data.std, classNames: data.classNames, dataset: data.name, method, producedBy: `earlybird ${packageVersion()}` };
}

/** The slim network the surgery cut; a slim method cannot run without it. */
export function surgeryOf(ctx: MethodContext, method: string): SurgeryOutcome {
  if (!ctx.surgery) throw new RunError(`${method} needs the slim network EB Train's surgery cuts, and this run has none`);
  return ctx.surgery;
}

/** Trains a model for a phase, evaluates it, exports it, and records the method's result. */
export async function trainMethod(ctx: MethodContext, args: {
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
  await beginPhase(ctx, args.phase, args.plannedEpochs, args.startEpoch, args.endEpoch);
  const outcome = await runTrainingPhase({
    store, phase: args.phase, model: args.model, spec: args.spec, data: ctx.data, training: config.training,
    plannedEpochs: args.plannedEpochs, startEpoch: args.startEpoch, endEpoch: args.endEpoch, seed: config.seed,
    signal: ctx.signal, emit, resume: ctx.resumed, previous: ctx.before, meter: ctx.energy, callbacks: [...(args.callbacks ?? []), ...(ctx.callbacks?.(args.phase) ?? [])],
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
