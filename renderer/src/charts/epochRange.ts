/** The epoch axis every per-epoch chart shares: 1 … the longest phase (Scratch-B may run past N). */
import type { RunRecord } from '../state/runRecords.ts';

export function plannedEpochs(record: RunRecord): number | null {
  return record.config?.training?.epochs ?? record.summary?.earlyBird.plannedEpochs ?? record.view.phases.find((p) => p.phase === 'search')?.plannedEpochs ?? null;
}

export function epochRange(record: RunRecord): { min: number; max: number } {
  let max = plannedEpochs(record) ?? 1;
  for (const p of record.view.phases) max = Math.max(max, p.endEpoch);
  for (const logs of Object.values(record.view.epochs)) for (const l of logs) max = Math.max(max, l.epoch + 1);
  return { min: 1, max: Math.max(2, max) };
}
