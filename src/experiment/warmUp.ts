/**
 * Warm-up before a metered training phase: the phase's network runs a few real steps — forward,
 * backward, optimizer update, validation and test evaluation, with every batch shape the phase will
 * see (full batches and the last, shorter one) — so that the backend compiles its kernels and
 * allocates its buffers here, not inside the phase's first epoch. Compiling is not all of it: V8
 * optimises the JavaScript that dispatches every op only once it has run often, so the round of
 * steps repeats until it settles — its wall time and the process's CPU time both within
 * WARM_UP_SETTLED of the round before (`roundSettled`) — at most WARM_UP_MAX_ROUNDS times. A round of WARM_UP_LONG_ROUND_SECONDS or more is enough alone: there
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
/** A round whose wall and CPU time are within this fraction of the previous round's ends the warm-up. */
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

/** One warm-up round as measured from its start to its end (validation included). */
export interface WarmUpRound {
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds of the whole process: every thread, the engine's background compiler threads included. */
  cpuSeconds: number;
}

/**
 * Whether the warm-up may stop after `round`: a long first round, or a round whose wall time AND
 * process CPU time are both within WARM_UP_SETTLED of the round before. The CPU time is what shows
 * the engine still compiling on other threads (V8 tiers hot WebAssembly and JavaScript up on
 * background threads): wall time alone can settle while that work goes on and spills into the phase.
 */
export function roundSettled(previous: WarmUpRound | null, round: WarmUpRound): boolean {
  if (previous === null) return round.seconds >= WARM_UP_LONG_ROUND_SECONDS;
  const near = (a: number, b: number) => Math.abs(a - b) <= WARM_UP_SETTLED * b;
  return near(round.seconds, previous.seconds) && near(round.cpuSeconds, previous.cpuSeconds);
}

function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Stops the warm-up's rounds once one is settled (`roundSettled`). */
function settledRounds(): TrainCallback {
  let previous: WarmUpRound | null = null;
  let start = { wall: 0, cpu: 0 };
  return {
    onEpochBegin() {
      start = { wall: performance.now(), cpu: processCpuSeconds() };
    },
    onEpochEnd(_logs, ctx) {
      const round = { seconds: (performance.now() - start.wall) / 1000, cpuSeconds: processCpuSeconds() - start.cpu };
      if (roundSettled(previous, round)) ctx.requestStop('warm');
      previous = round;
    },
  };
}

/** Where a phase's warm-up is metered: the meter's phase is `warm-up` while it runs, then the phase's own again. */
export interface PhaseMeter {
  /** Resolves once the meter is in `phase` (see EnergyRecorder.setPhase). */
  setPhase(phase: string): Promise<void> | void;
}

/** Warms the network up before `phase` trains, metered apart from the phase. */
export async function warmUpBeforePhase(phase: string, meter: PhaseMeter | undefined, options: WarmUpOptions): Promise<number> {
  await meter?.setPhase(WARM_UP_PHASE);
  try {
    return await warmUpNetwork(options);
  } finally {
    await meter?.setPhase(phase);
  }
}
