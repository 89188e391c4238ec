/**
 * The slim architecture the surgery cut, from a fresh, differently seeded initialisation: what EB
 * re-init, Scratch-E and Scratch-B share. Each trains its phase for the epochs the methods table plans
 * for it (src/core/methods.ts), the same figure the app's ETA budgets.
 */
import { buildModel } from '../../models/index.ts';
import { phaseRow } from '../../core/methods.ts';
import type { Phase } from '../../core/events.ts';
import { finishedPhase } from '../../core/project.ts';
import { surgeryOf, trainMethod, type MethodContext } from './context.ts';

/** `seedOffset` sets each method's own initialisation apart from the ticket's and the others'. */
export async function slimFromScratch(ctx: MethodContext, phase: Phase & ('ebReinit' | 'scratchE' | 'scratchB'), seedOffset: number): Promise<boolean> {
  if (finishedPhase(ctx.before, phase)) return false;
  const surgery = surgeryOf(ctx, phase);
  const epochs = phaseRow(phase)!.plannedEpochs(ctx.config, { denseFlops: ctx.denseStats.flops, slimFlops: surgery.slim.flops.slim });
  const spec = { ...surgery.slimSpec, seed: surgery.slimSpec.seed + seedOffset * 1_000_003 };
  return trainMethod(ctx, { phase, method: phase, spec, model: buildModel(spec), plannedEpochs: epochs, startEpoch: 0, endEpoch: epochs });
}
