/** EB re-init: the ticket's slim architecture trained from a fresh initialisation for the whole epoch budget. */
import { slimFromScratch } from './slimFromScratch.ts';
import type { MethodContext } from './context.ts';

export const ebReinit = (ctx: MethodContext): Promise<boolean> => slimFromScratch(ctx, 'ebReinit', 1);
