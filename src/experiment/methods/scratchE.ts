/** Scratch-E (Liu et al.): the slim architecture from scratch for the same epochs as the dense network. */
import { slimFromScratch } from './slimFromScratch.ts';
import type { MethodContext } from './context.ts';

export const scratchE = (ctx: MethodContext): Promise<boolean> => slimFromScratch(ctx, 'scratchE', 2);
