/**
 * The lottery-ticket baseline (Frankle & Carbin, 2019): train the dense network, prune the
 * smallest-magnitude weights (unstructured), reset the survivors to their initial values θ0 (or
 * rewind them to θk, the weights after k epochs; Frankle et al., 2020), and retrain with the
 * pruned weights held at zero.
 *
 * Schedules (both end at the same sparsity, so they compare like for like):
 *   iterative: `rounds` rounds, each pruning `rate` of the remaining weights, resetting and
 *              retraining for the full epoch budget; magnitudes come from the previous round's
 *              trained weights.
 *   one-shot:  one pruning of the trained dense network straight to the sparsity `rounds`
 *              iterative rounds would reach, 1 − (1 − rate)^rounds (per pool, see
 *              magnitudeMask.ts: the output layer is pruned at half the rate), then one retrain.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/types.ts';
import { optimizerOf, scheduleOf, type LotteryTicketSettings, type TrainingSettings } from '../core/config.ts';
import type { MethodResult } from '../core/events.ts';
import { buildModel, modelStats, type ModelSpec } from '../models/index.ts';
import type { EpochLogs, TrainCallback, TrainContext, TrainResult } from '../train/callbacks.ts';
import { evaluate } from '../train/evaluate.ts';
import { train, trainableParams } from '../train/loop.ts';
import { workersFor } from '../train/parallel/cores.ts';
import { compoundSparsity, OUTPUT_LAYER_RATE_FACTOR, pruneByMagnitude, type MagnitudeMask } from './magnitudeMask.ts';
import { maskableKernels, WeightMaskCallback, type MaskableKernel } from './weightMaskCallback.ts';

export interface LotteryRound {
  /** 0 = the dense network; 1.. = pruning rounds (one-shot has a single round 1). */
  round: number;
  /** Pruned share of the conv and dense kernel weights. */
  sparsity: number;
  testAccuracy: number;
  /** Epochs trained in this round (round 0: 0 when a trained dense network was given). */
  epochs: number;
  /** Wall time of the round: pruning, reset, training and the test evaluation. */
  seconds: number;
}

export type LotteryTicketResult = MethodResult & { method: 'lotteryTicket'; sparsity: number; rounds: LotteryRound[] };

export interface LotteryTicketOptions {
  /** The dense architecture; `spec.seed` gives θ0. */
  spec: ModelSpec;
  data: DataSplits;
  training: TrainingSettings;
  settings: LotteryTicketSettings;
  /** Training seed (data order); the same in every round, as in Frankle & Carbin's code. */
  seed: number;
  /** The experiment runner's callbacks (progress, energy), passed to every train() call. */
  callbacks?: TrainCallback[];
  signal?: AbortSignal;
  /**
   * Final weights of an already-trained dense network of the same spec and training settings,
   * in `model.getWeights()` order (BatchNorm moving statistics included), to skip round 0's
   * training. With reset = rewind, θk is still recomputed by training θ0 for `rewindEpoch`
   * epochs with the same seed — the same weights the dense run had at that epoch, since
   * training is deterministic for a seed — and those epochs are counted.
   */
  trainedDense?: { weights: tf.Tensor[] };
  onRound?: (info: { round: number; sparsity: number; testAccuracy: number }) => void;
}

/** Thrown when the signal aborts the run; carries the rounds that finished. */
export class LotteryTicketCancelled extends Error {
  override readonly name = 'LotteryTicketCancelled';
  constructor(readonly rounds: LotteryRound[]) {
    super(`lottery ticket cancelled after ${rounds.length === 0 ? 'no round' : `round ${rounds[rounds.length - 1]!.round}`}`);
  }
}

/** A copy of every weight of the model (trainable or not), in `model.getWeights()` order. */
export type WeightSnapshot = tf.Tensor[];

export function snapshotWeights(model: tf.LayersModel): WeightSnapshot {
  // getWeights() hands out the variables themselves; clones keep their values after training moves on.
  return model.getWeights().map((w) => tf.keep(w.clone()));
}

export function disposeSnapshot(snapshot: WeightSnapshot | null | undefined): void {
  if (snapshot) tf.dispose(snapshot);
}

/** Takes a snapshot of the weights after `afterEpochs` epochs (θk for late resetting). */
export class WeightCapture implements TrainCallback {
  snapshot: WeightSnapshot | null = null;

  constructor(readonly afterEpochs: number) {}

  onEpochEnd(logs: EpochLogs, ctx: TrainContext): void {
    if (logs.epoch + 1 !== this.afterEpochs) return;
    disposeSnapshot(this.snapshot);
    this.snapshot = snapshotWeights(ctx.model);
  }

  dispose(): void {
    disposeSnapshot(this.snapshot);
    this.snapshot = null;
  }
}

/**
 * Resets the network to `snapshot` — every weight, so BatchNorm γ/β, biases and moving
 * statistics go back too, as if the network were rebuilt at θ0 (or θk) — then zeroes the pruned
 * kernel weights. The model shares the snapshot's values (no copy); the snapshot stays valid.
 */
export function resetSurvivors(model: tf.LayersModel, snapshot: WeightSnapshot, mask: WeightMaskCallback): void {
  model.setWeights(snapshot);
  mask.applyTo(trainableParams(model));
}

async function magnitudeMaskOf(kernels: MaskableKernel[], previous: Uint8Array[] | null, settings: LotteryTicketSettings, rounds: number): Promise<MagnitudeMask> {
  // Copy out: a backend may hand out a view of its heap, which a later allocation could move.
  // Asynchronous reads: webgpu in Node has no synchronous one.
  const values: { name: string; values: Float32Array; isOutput: boolean }[] = [];
  for (const k of kernels) values.push({ name: k.key, values: Float32Array.from((await k.variable.data()) as Float32Array), isOutput: k.isOutput });
  return pruneByMagnitude(values, previous, { rate: settings.rate, scope: settings.scope, rounds });
}

function validate(options: LotteryTicketOptions): void {
  const { settings, training } = options;
  if (settings.reset === 'rewind' && settings.rewindEpoch > training.epochs) {
    throw new RangeError(`rewindEpoch (${settings.rewindEpoch}) is past the training budget (${training.epochs} epochs)`);
  }
}

export { plannedLotteryEpochs } from '../core/lotteryEpochs.ts';

export async function runLotteryTicket(options: LotteryTicketOptions): Promise<LotteryTicketResult> {
  validate(options);
  const { spec, data, training, settings, seed, signal } = options;
  const started = performance.now();
  const rounds: LotteryRound[] = [];
  let epochs = 0;

  const trainEpochs = async (model: tf.LayersModel, endEpoch: number, extra: TrainCallback[]): Promise<TrainResult> => {
    const result = await train({
      model,
      train: data.train,
      validation: data.validation,
      numClasses: data.numClasses,
      plannedEpochs: training.epochs,
      startEpoch: 0,
      endEpoch,
      batchSize: training.batchSize,
      workers: workersFor(training.workers),
      schedule: scheduleOf(training),
      // A fresh optimizer per round: no momentum carries over from the previous round's weights.
      optimizer: optimizerOf(training),
      seed,
      // The mask callback goes first so the runner's callbacks see the masked weights.
      callbacks: [...extra, ...(options.callbacks ?? [])],
      signal,
    });
    epochs += result.epochsCompleted;
    if (result.status === 'cancelled') throw new LotteryTicketCancelled(rounds);
    return result;
  };
  const finishRound = async (model: tf.LayersModel, round: number, sparsity: number, roundEpochs: number, roundStart: number) => {
    const testAccuracy = (await evaluate(model, data.test, data.numClasses)).accuracy;
    rounds.push({ round, sparsity, testAccuracy, epochs: roundEpochs, seconds: (performance.now() - roundStart) / 1000 });
    options.onRound?.({ round, sparsity, testAccuracy });
  };
  const checkCancelled = () => {
    if (signal?.aborted) throw new LotteryTicketCancelled(rounds);
  };

  checkCancelled();
  const model = buildModel(spec);
  const theta0 = snapshotWeights(model);
  const capture = settings.reset === 'rewind' && settings.rewindEpoch > 0 ? new WeightCapture(settings.rewindEpoch) : null;
  try {
    const kernels = maskableKernels(model);
    const stats = modelStats(model);

    // Round 0: the dense network (and θk on the way, when rewinding).
    const denseStart = performance.now();
    let denseEpochs = 0;
    if (options.trainedDense) {
      if (capture) denseEpochs = (await trainEpochs(model, settings.rewindEpoch, [capture])).epochsCompleted;
      model.setWeights(options.trainedDense.weights);
    } else {
      denseEpochs = (await trainEpochs(model, training.epochs, capture ? [capture] : [])).epochsCompleted;
    }
    if (capture && !capture.snapshot) throw new Error(`the dense run stopped before epoch ${settings.rewindEpoch}, so there is no θk to rewind to`);
    const resetTo = capture?.snapshot ?? theta0;
    await finishRound(model, 0, 0, denseEpochs, denseStart);

    // Rounds of `rate` applied at each pruning: one-shot applies them all at once.
    const schedule = settings.mode === 'one-shot' ? [settings.rounds] : new Array<number>(settings.rounds).fill(1);
    let mask: MagnitudeMask | null = null;
    for (const [index, roundsAtOnce] of schedule.entries()) {
      checkCancelled();
      const roundStart = performance.now();
      mask = await magnitudeMaskOf(kernels, mask?.masks ?? null, settings, roundsAtOnce);
      const keepMask = mask.masks;
      const maskCallback = new WeightMaskCallback(kernels.map((k, i) => ({ key: k.key, shape: k.shape, keep: keepMask[i]! })));
      try {
        resetSurvivors(model, resetTo, maskCallback);
        const result = await trainEpochs(model, training.epochs, [maskCallback]);
        await finishRound(model, index + 1, mask.sparsity, result.epochsCompleted, roundStart);
      } finally {
        maskCallback.dispose();
      }
    }
    return resultOf(mask!, stats, rounds, epochs, (performance.now() - started) / 1000, options);
  } finally {
    capture?.dispose();
    disposeSnapshot(theta0);
    model.dispose();
  }
}

function resultOf(
  mask: MagnitudeMask,
  stats: { params: number; flops: number },
  rounds: LotteryRound[],
  epochs: number,
  seconds: number,
  options: LotteryTicketOptions,
): LotteryTicketResult {
  const { settings } = options;
  const last = rounds[rounds.length - 1]!;
  const prunedWeights = mask.total - mask.kept;
  return {
    method: 'lotteryTicket',
    testAccuracy: last.testAccuracy,
    // Every parameter modelStats counts (BatchNorm moving statistics and biases included, none of
    // which is pruned) minus the pruned kernel weights: the surviving weights, counted by the mask.
    params: stats.params - prunedWeights,
    // Zeros in dense kernels still cost their multiply-adds on these backends.
    flops: stats.flops,
    epochs,
    seconds,
    sparsity: mask.sparsity,
    rounds,
    notes: {
      sparsity: mask.sparsity,
      targetSparsity: compoundSparsity(settings.rate, settings.rounds),
      outputLayerTargetSparsity: compoundSparsity(settings.rate * OUTPUT_LAYER_RATE_FACTOR, settings.rounds),
      kernelSparsity: mask.kernels.map((k) => `${k.name} ${k.sparsity.toFixed(3)}`).join(', '),
      prunedWeights,
      denseParams: stats.params,
      denseTestAccuracy: rounds[0]!.testAccuracy,
      denseTrainedHere: options.trainedDense === undefined,
      mode: settings.mode,
      scope: settings.scope,
      rate: settings.rate,
      rounds: settings.rounds,
      reset: settings.reset === 'rewind' ? `rewind to epoch ${settings.rewindEpoch}` : 'init (θ0)',
      flopsNote: 'unstructured sparsity: FLOPs are the dense network\'s, since these backends multiply the zeros anyway',
      paramsNote: 'params = all dense parameters (BN statistics included) minus pruned conv/dense kernel weights',
      ...(mask.warnings.length > 0 ? { warnings: mask.warnings.join('; ') } : {}),
    },
  };
}
