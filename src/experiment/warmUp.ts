/**
 * Warm-up before a metered training phase: the phase's network runs a few real steps — forward,
 * backward, optimizer update, validation and test evaluation, with every batch shape the phase will
 * see (full batches and the last, shorter one) — so that the backend compiles its kernels and
 * allocates its buffers here, not inside the phase's first epoch. Compiling is not all of it: V8
 * optimises the JavaScript that dispatches every op only once it has run often, so the round of
 * steps repeats until its time settles (within WARM_UP_SETTLED of the round before), at most
 * WARM_UP_MAX_ROUNDS times. A round of WARM_UP_LONG_ROUND_SECONDS or more is enough alone: there
 * the ops' compute dwarfs their dispatch, so its optimisation no longer shows. The steps run on the network
 * itself (its kernels are what must be warm), with the phase's own gradient terms (slimming, a weight
 * mask) and a throwaway optimizer, and every weight (moving statistics included) is put back
 * afterwards: a run with warm-up trains exactly as one without.
 *
 * The meter charges this to its own phase, `warm-up`, which no method is charged.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageSet } from '../data/types.ts';
import type { TrainCallback } from '../train/callbacks.ts';
import { train } from '../train/loop.ts';
import { evaluate } from '../train/evaluate.ts';
import { Optimizer } from '../train/optimizer.ts';
import { workersFor } from '../train/parallel/cores.ts';
import { optimizerOf, scheduleOf, type TrainingSettings } from '../core/config.ts';

import { WARM_UP_PHASE } from '../core/methods.ts';

export { START_UP_PHASE, WARM_UP_PHASE } from '../core/methods.ts';
/** Full batches each warm-up round trains (then the shorter last one, if the set has one). */
export const WARM_UP_FULL_BATCHES = 2;
/** Most rounds a warm-up runs. */
export const WARM_UP_MAX_ROUNDS = 12;
/** A first round at least this long (seconds) ends the warm-up by itself. */
export const WARM_UP_LONG_ROUND_SECONDS = 2;
/** A round whose training time is within this fraction of the previous round's ends the warm-up. */
export const WARM_UP_SETTLED = 0.1;

/** The first images of a set, enough for `fullBatches` full batches plus the set's own shorter last batch. */
export function warmUpSubset(set: ImageSet, batchSize: number, fullBatches: number): ImageSet {
  const remainder = set.count % batchSize;
  const full = Math.min(fullBatches, Math.floor(set.count / batchSize));
  const count = full * batchSize + remainder;
  const pixels = set.height * set.width * set.channels;
  return { ...set, count, images: set.images.subarray(0, count * pixels), labels: set.labels.subarray(0, count) };
}

export interface WarmUpOptions {
  model: tf.LayersModel;
  data: DataSplits;
  training: TrainingSettings;
  seed: number;
  signal?: AbortSignal;
  /** The phase's callbacks: those that change its steps (a gradient term, a weight mask) run in the warm-up too. */
  callbacks?: readonly TrainCallback[];
}

/**
 * The part of a phase's callbacks that is part of each step — the callbacks that transform the
 * gradients (slimming's λ·sign(γ), a lottery ticket's mask), with their set-up and per-batch work —
 * so the warm-up compiles the kernels the phase's steps really run. Nothing that observes epochs,
 * writes files or emits events.
 */
export function stepShapingCallbacks(callbacks: readonly TrainCallback[] = []): TrainCallback[] {
  return callbacks.filter((c) => c.transformGradients).map((c) => ({
    ...(c.onTrainBegin ? { onTrainBegin: c.onTrainBegin.bind(c) } : {}),
    transformGradients: c.transformGradients!.bind(c),
    ...(c.onBatchEnd ? { onBatchEnd: c.onBatchEnd.bind(c) } : {}),
  }));
}

/** Runs the warm-up steps and puts the network's weights back; returns the seconds it took. */
export async function warmUpNetwork(options: WarmUpOptions): Promise<number> {
  const { model, data, training } = options;
  const started = performance.now();
  const saved = model.getWeights().map((w) => w.clone());
  const optimizer = new Optimizer(optimizerOf(training));
  try {
    await train({
      model,
      train: warmUpSubset(data.train, training.batchSize, WARM_UP_FULL_BATCHES),
      validation: warmUpSubset(data.validation, training.batchSize, 1),
      numClasses: data.numClasses,
      plannedEpochs: WARM_UP_MAX_ROUNDS, startEpoch: 0, endEpoch: WARM_UP_MAX_ROUNDS,
      callbacks: [...stepShapingCallbacks(options.callbacks), settledRounds()],
      batchSize: training.batchSize,
      workers: workersFor(training.workers),
      schedule: scheduleOf(training),
      optimizer,
      seed: options.seed,
      signal: options.signal,
    });
    if (data.test.count > 0 && !options.signal?.aborted) await evaluate(model, warmUpSubset(data.test, training.batchSize, 1), data.numClasses, training.batchSize);
  } finally {
    model.setWeights(saved);
    for (const w of saved) w.dispose();
    optimizer.dispose();
  }
  return (performance.now() - started) / 1000;
}

/** Stops the warm-up's rounds once a round's training time is within WARM_UP_SETTLED of the one before, or after one long round. */
function settledRounds(): TrainCallback {
  let previous: number | null = null;
  return {
    onEpochEnd(logs, ctx) {
      const settled = previous === null ? logs.seconds >= WARM_UP_LONG_ROUND_SECONDS : Math.abs(logs.seconds - previous) <= WARM_UP_SETTLED * previous;
      if (settled) ctx.requestStop('warm');
      previous = logs.seconds;
    },
  };
}

/** Where a phase's warm-up is metered: the meter's phase is `warm-up` while it runs, then the phase's own again. */
export interface PhaseMeter {
  setPhase(phase: string): void;
}

/** Warms the network up before `phase` trains, metered apart from the phase. */
export async function warmUpBeforePhase(phase: string, meter: PhaseMeter | undefined, options: WarmUpOptions): Promise<number> {
  meter?.setPhase(WARM_UP_PHASE);
  try {
    return await warmUpNetwork(options);
  } finally {
    meter?.setPhase(phase);
  }
}
