/**
 * Runs one training phase of an experiment inside the run folder: the loop with the phase's
 * callbacks plus bookkeeping ones — progress events, an epoch event per epoch (the one record of it:
 * a report derives metrics.csv from these), and a checkpoint after every finished epoch, from which
 * a killed phase resumes.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/types.ts';
import type { ModelSpec } from '../models/index.ts';
import type { EpochLogs, TrainCallback, TrainResult } from '../train/callbacks.ts';
import { train, trainableParams } from '../train/loop.ts';
import { Optimizer } from '../train/optimizer.ts';
import { workersFor } from '../train/parallel/cores.ts';
import { checkpointMetaPath, hasCheckpoint, readCheckpointMeta, readOptimizerState, restoreWeights, saveCheckpoint, settleCheckpoint } from './checkpoint.ts';
import { optimizerOf, scheduleOf, type TrainingSettings } from '../core/config.ts';
import type { Phase, RunEvent } from '../core/events.ts';
import type { RunStore } from '../run/runStore.ts';
import { RunError } from '../run/errors.ts';
import { lastLoggedEpoch, type RunState } from '../core/project.ts';
import { phaseCheckpointDir } from '../run/paths.ts';
import { warmUpBeforePhase, type PhaseMeter } from './warmUp.ts';

export interface PhaseOptions {
  store: RunStore;
  phase: Phase;
  model: tf.LayersModel;
  spec: ModelSpec;
  data: DataSplits;
  training: TrainingSettings;
  /** Epochs the learning-rate schedule is planned over. */
  plannedEpochs: number;
  startEpoch: number;
  endEpoch: number;
  seed: number;
  callbacks?: TrainCallback[];
  signal?: AbortSignal;
  emit(event: RunEvent): void;
  /** Extra state to keep in every checkpoint (e.g. the detector), read when the phase resumes. */
  checkpointExtra?(): Record<string, unknown>;
  /** Resume from this phase's checkpoint: the run has earlier attempts (their projection in `previous`). */
  resume: boolean;
  /** The projection of the earlier attempts' events: a checkpoint is trusted only as far as it agrees. */
  previous?: RunState;
  /** After a resume: a reason when the phase had already ended (e.g. the ticket was found), else null. */
  endedBefore?(): string | null;
  /** The energy meter: the warm-up before the phase is metered as its own phase (src/experiment/warmUp.ts). */
  meter?: PhaseMeter;
}

export interface PhaseOutcome {
  result: TrainResult;
  /** Every epoch of the phase, including those before a resume. */
  history: EpochLogs[];
}

/**
 * Where a resumed phase continues, checked against the event log: the checkpoint must hold the last
 * logged epoch of the phase (or the one after it, when the run died between the checkpoint and the
 * epoch event, which is then returned to be logged). No checkpoint with epochs logged, or a checkpoint
 * the log does not back, is refused in one line naming the file: never a silent restart at epoch 0.
 */
function checkResumePoint(options: PhaseOptions, dir: string): { meta: ReturnType<typeof readCheckpointMeta>; unlogged: EpochLogs | null } | null {
  const { phase } = options;
  const lastLogged = options.previous ? lastLoggedEpoch(options.previous, phase) : null;
  const metaPath = checkpointMetaPath(dir);
  if (!hasCheckpoint(dir)) {
    if (lastLogged === null) return null; // the phase never finished an epoch: it starts from its beginning
    throw new RunError(`cannot resume ${phase}: events.jsonl records its epochs up to ${lastLogged + 1}, but ${metaPath} is missing (continuing would repeat them)`);
  }
  const meta = readCheckpointMeta(dir);
  const firstEpoch = options.startEpoch;
  const expected = lastLogged === null ? [firstEpoch] : [lastLogged, lastLogged + 1];
  if (meta.phase !== phase || !expected.includes(meta.epoch) || meta.epoch >= options.endEpoch) {
    const wanted = lastLogged === null ? `epoch ${firstEpoch + 1} (no epoch of ${phase} is logged yet)` : `epoch ${lastLogged + 1} (the last one events.jsonl records for ${phase})`;
    throw new RunError(`cannot resume ${phase}: ${metaPath} holds ${meta.phase} epoch ${meta.epoch + 1}, but the run log expects ${wanted}`);
  }
  const unlogged = meta.epoch === (lastLogged === null ? firstEpoch : lastLogged + 1) ? meta.history.find((h) => h.epoch === meta.epoch) ?? null : null;
  if (meta.epoch !== lastLogged && !unlogged) throw new RunError(`cannot resume ${phase}: ${metaPath} lacks the history of its epoch ${meta.epoch + 1}`);
  return { meta, unlogged };
}

export function checkpointDir(store: RunStore, phase: Phase): string {
  return phaseCheckpointDir(store.dir, phase);
}


/**
 * The bookkeeping every training phase shares, as a callback for its train() calls: progress events
 * (at most every 0.5 s, and at each epoch's last batch) with an ETA from the mean batch time over the
 * phase's `totalBatches`, and after every epoch `beforeEpochEvent` (the checkpoint, so an epoch event
 * exists only for an epoch a resume will not repeat), then the epoch event. A phase made of several
 * train() calls (the lottery ticket's rounds) counts its epochs across them.
 */
export function phaseBookkeeping(options: {
  phase: Phase;
  totalBatches: number;
  emit(event: RunEvent): void;
  beforeEpochEvent?(logs: EpochLogs): Promise<void> | void;
}): TrainCallback {
  const { phase, emit } = options;
  const started = performance.now();
  let lastProgress = 0;
  let batchesDone = 0;
  let epochsBefore = 0;
  return {
    onBatchEnd: (logs) => {
      batchesDone++;
      const now = performance.now();
      if (now - lastProgress < 500 && logs.batch + 1 < logs.batches) return;
      lastProgress = now;
      const eta = ((now - started) / 1000 / batchesDone) * Math.max(0, options.totalBatches - batchesDone);
      emit({ type: 'progress', time: Date.now(), phase, epoch: epochsBefore + logs.epoch, batch: logs.batch, batches: logs.batches, loss: logs.loss, accuracy: logs.accuracy, etaSeconds: eta });
    },
    onEpochEnd: async (logs) => {
      await options.beforeEpochEvent?.(logs);
      emit({ type: 'epoch', time: Date.now(), phase, logs });
    },
    onTrainEnd: (result) => {
      epochsBefore += result.epochsCompleted;
    },
  };
}

export async function runTrainingPhase(options: PhaseOptions): Promise<PhaseOutcome> {
  const { store, phase, model, data, training, emit } = options;
  const dir = checkpointDir(store, phase);
  const optimizer = new Optimizer(optimizerOf(training));
  let startEpoch = options.startEpoch;
  let previous: EpochLogs[] = [];
  if (options.resume) {
    // A swap cut off by a kill leaves up to three complete copies: the newest the log backs wins.
    settleCheckpoint(dir, (_meta, copy) => {
      try {
        checkResumePoint(options, copy);
        return true;
      } catch {
        return false;
      }
    });
    const checkpoint = checkResumePoint(options, dir);
    if (checkpoint) {
      const { meta, unlogged } = checkpoint;
      await restoreWeights(dir, model);
      const state = readOptimizerState(dir);
      if (state) optimizer.setState(state, trainableParams(model));
      previous = meta.history;
      startEpoch = meta.epoch + 1;
      if (unlogged) {
        // Killed between the checkpoint and its epoch event: log the epoch now, once.
        emit({ type: 'epoch', time: Date.now(), phase, logs: unlogged });
      }
    }
  }
  const endedReason = options.endedBefore?.() ?? null;
  if (endedReason === null && startEpoch < options.endEpoch) {
    await warmUpBeforePhase(phase, options.meter, { model, data, training, seed: options.seed, signal: options.signal, callbacks: options.callbacks });
  }

  const bookkeeping = phaseBookkeeping({
    phase, emit,
    totalBatches: (options.endEpoch - startEpoch) * Math.ceil(data.train.count / training.batchSize),
    beforeEpochEvent: async (logs) => {
      previous = [...previous, logs];
      await saveCheckpoint(dir, model, optimizer, {
        phase, epoch: logs.epoch, spec: options.spec, history: previous, extra: options.checkpointExtra?.(),
      });
    },
  });

  const result: TrainResult = endedReason !== null
    ? { status: 'stopped', stopReason: endedReason, epochsCompleted: 0, history: [], seconds: 0 }
    : startEpoch >= options.endEpoch
    ? { status: 'completed', epochsCompleted: 0, history: [], seconds: 0 }
    : await train({
      model,
      train: data.train,
      validation: data.validation,
      numClasses: data.numClasses,
      plannedEpochs: options.plannedEpochs,
      startEpoch,
      endEpoch: options.endEpoch,
      batchSize: training.batchSize,
      workers: workersFor(training.workers),
      schedule: scheduleOf(training),
      optimizer,
      seed: options.seed,
      callbacks: [...(options.callbacks ?? []), bookkeeping],
      signal: options.signal,
    });
  optimizer.dispose();
  return { result, history: previous };
}
