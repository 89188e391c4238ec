/**
 * Scratch-B (Liu et al.): the slim architecture from scratch for the dense network's compute budget,
 * epochs × dense FLOPs / slim FLOPs capped at 4× the epochs (scratchBudgetEpochs in the methods table).
 */
import { slimFromScratch } from './slimFromScratch.ts';
import type { MethodContext } from './context.ts';

export const scratchB = (ctx: MethodContext): Promise<boolean> => slimFromScratch(ctx, 'scratchB', 3);
