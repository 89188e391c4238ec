/**
 * The lottery-ticket baseline (Frankle & Carbin; src/prune/lotteryTicket.ts): unstructured magnitude
 * pruning, one-shot or iterative, reusing the dense network this run trained. Its rounds are several
 * train() calls that make one phase: the phase trainer's bookkeeping counts progress and epochs across
 * them, over every epoch of every round.
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, type ModelSpec } from '../../models/index.ts';
import { finishedPhase } from '../../core/project.ts';
import { RunError } from '../../run/errors.ts';
import { modelDir } from '../../run/paths.ts';
import { loadModelFromDir, MODEL_JSON, weightsInto } from '../modelFiles.ts';
import { phaseBookkeeping } from '../phaseTrainer.ts';
import { beginPhase, type MethodContext } from './context.ts';

/** The exported dense model's weights in a freshly built network's order, without its input normalisation. */
function denseWeights(exported: tf.LayersModel, spec: ModelSpec): tf.Tensor[] {
  const fresh = buildModel(spec);
  weightsInto(exported, fresh);
  const weights = fresh.getWeights().map((w) => w.clone());
  fresh.dispose();
  return weights;
}

export async function lotteryTicket(ctx: MethodContext): Promise<boolean> {
  if (finishedPhase(ctx.before, 'lotteryTicket')) return false;
  let module: typeof import('../../prune/lotteryTicket.ts');
  try {
    module = await import('../../prune/lotteryTicket.ts');
  } catch (error) {
    throw new RunError(`lottery-ticket baseline unavailable: ${(error as Error).message}`);
  }
  const { config, emit } = ctx;
  // Reuse the dense baseline trained in this experiment instead of training it again.
  const denseDir = modelDir(ctx.store.dir, 'dense');
  const dense = existsSync(join(denseDir, MODEL_JSON)) ? await loadModelFromDir(denseDir) : null;
  // The phase spans every epoch of every round, so its progress and ETA cover the whole phase.
  const planned = module.plannedLotteryEpochs(config.comparisons.lotteryTicket, config.training.epochs, dense !== null);
  await beginPhase(ctx, 'lotteryTicket', planned, 0, planned);
  const started = performance.now();
  const bookkeeping = phaseBookkeeping({
    phase: 'lotteryTicket', emit,
    totalBatches: planned * Math.ceil(ctx.data.train.count / config.training.batchSize),
  });
  try {
    const result = await module.runLotteryTicket({
      spec: ctx.spec, data: ctx.data, training: config.training, settings: config.comparisons.lotteryTicket, seed: config.seed,
      ...(dense ? { trainedDense: { weights: denseWeights(dense, ctx.spec) } } : {}),
      callbacks: [...(ctx.callbacks?.('lotteryTicket') ?? []), bookkeeping],
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
