/**
 * The standard pruning pipeline (network slimming, Liu et al. 2017) after the dense phase: the
 * dense network — trained with the L1 term for the whole budget — is pruned at the ticket's ratio
 * by the same global |γ| rule, cut for real, and fine-tuned. Its totals include the dense phase it
 * reuses (epochs, seconds; energy through the methods table's `reuses`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel } from '../../models/index.ts';
import { channelMask } from '../../prune/channelMask.ts';
import { gammaLayers, slimModel } from '../../prune/slimModel.ts';
import { fineTuneEpochsOf } from '../../core/methods.ts';
import { finishedPhase, project } from '../../core/project.ts';
import { RunError } from '../../run/errors.ts';
import { modelDir } from '../../run/paths.ts';
import { loadModelFromDir, MODEL_JSON, weightsInto } from '../modelFiles.ts';
import { trainMethod, type MethodContext } from './context.ts';

export async function prunePipeline(ctx: MethodContext): Promise<boolean> {
  if (finishedPhase(ctx.before, 'prunePipeline')) return false;
  const { config } = ctx;
  const dense = finishedPhase(project(ctx.store.readEvents(), ctx.store.id), 'dense');
  const denseDir = modelDir(ctx.store.dir, 'dense');
  if (!dense?.result || !existsSync(join(denseDir, MODEL_JSON))) {
    throw new RunError('the standard pipeline needs the trained dense network (models/dense), which this run does not have');
  }
  await ctx.energy.setPhase('prunePipeline');
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

