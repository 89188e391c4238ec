/**
 * The methods' training, by key: one file per method, beside its row in the methods table
 * (src/core/methods.ts). The runner runs, in the table's order, every method the config asks for.
 * A new method is one row (registerMethodRow, or the table's built-in list) and one runner here.
 */
import { methodRows, registerMethodRow, unregisterMethodRow, type MethodRow } from '../../core/methods.ts';
import type { MethodRunner } from './context.ts';
import { dense } from './dense.ts';
import { ebReinit } from './ebReinit.ts';
import { ebTrain } from './ebTrain.ts';
import { lotteryTicket } from './lotteryTicket.ts';
import { prunePipeline } from './prunePipeline.ts';
import { scratchB } from './scratchB.ts';
import { scratchE } from './scratchE.ts';

export type { MethodContext, MethodRunner } from './context.ts';

const runners = new Map<string, MethodRunner>([
  ['ebTrain', ebTrain],
  ['ebReinit', ebReinit],
  ['dense', dense],
  ['prunePipeline', prunePipeline],
  ['lotteryTicket', lotteryTicket],
  ['scratchE', scratchE],
  ['scratchB', scratchB],
]);

/** Every row of the table has its runner (checked when this module loads). */
for (const row of methodRows()) if (!runners.has(row.key)) throw new Error(`method ${row.key} is in the methods table but has no runner in src/experiment/methods/`);

export function methodRunner(key: string): MethodRunner {
  const runner = runners.get(key);
  if (!runner) throw new Error(`method ${key} has no runner in src/experiment/methods/`);
  return runner;
}

/** Adds a method: its row to the table and its training here. Returns a function that removes both (tests). */
export function registerMethod(row: Parameters<typeof registerMethodRow>[0], runner: MethodRunner): { row: MethodRow; unregister(): void } {
  const added = registerMethodRow(row);
  runners.set(row.key, runner);
  return {
    row: added,
    unregister: () => {
      unregisterMethodRow(row.key);
      runners.delete(row.key);
    },
  };
}
