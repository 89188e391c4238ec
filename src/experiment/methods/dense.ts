/**
 * The dense baseline: the unpruned network for the whole epoch budget, the accuracy and energy
 * reference. With the standard pipeline asked for, it is trained with the slimming L1 term, so that
 * one dense run serves both as the baseline and as the pipeline's first stage.
 */
import { buildModel } from '../../models/index.ts';
import { SlimmingPenalty } from '../../prune/slimmingPenalty.ts';
import { finishedPhase } from '../../core/project.ts';
import { trainMethod, type MethodContext } from './context.ts';

export async function dense(ctx: MethodContext): Promise<boolean> {
  if (finishedPhase(ctx.before, 'dense')) return false;
  const N = ctx.config.training.epochs;
  const l1 = ctx.config.comparisons.prunePipeline.enabled ? ctx.config.search.l1 : 0;
  return trainMethod(ctx, {
    phase: 'dense', method: 'dense', spec: ctx.spec, model: buildModel(ctx.spec), plannedEpochs: N, startEpoch: 0, endEpoch: N,
    ...(l1 > 0 ? { callbacks: [new SlimmingPenalty(l1)], notes: { l1 } } : {}),
  });
}
