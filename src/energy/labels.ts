/**
 * One labelling rule for every energy figure the CLI and the PDF print: what it is (measured by
 * which sensor, estimated by which model, projected from what), and when no saving is claimed, why.
 */
import type { EnergyKind } from './types.ts';
import { methodLabel } from '../core/methods.ts';
import type { EnergySummary } from './savings.ts';
import type { ComputeSummary } from './computeLedger.ts';

/** "measured (rapl)", "estimated (Intel Xeon: 8.75 W per core (default per core) × 2 cores)", "projected (from 5 search epochs ...)". */
export function energyKindLabel(kind: EnergyKind | null, detail: { source?: string | null; estimateModel?: string | null; basis?: string | null }): string {
  if (kind === null) return 'not known';
  if (kind === 'measured') return detail.source ? `measured (${detail.source})` : 'measured';
  if (kind === 'estimated') return detail.estimateModel ? `estimated (model ${detail.estimateModel})` : detail.source ? `estimated (${detail.source})` : 'estimated';
  return detail.basis ? `projected (${detail.basis.replace(/^projected: /, '')})` : 'projected';
}

/** The kind of the saving itself: as weak as the weaker of its two figures. */
export function savingKind(energy: Pick<EnergySummary, 'ebTrainKind' | 'denseKind'>): EnergyKind {
  if (energy.denseKind === 'projected') return 'projected';
  if (energy.ebTrainKind === 'estimated' || energy.denseKind === 'estimated') return 'estimated';
  return 'measured';
}

/** Phases marked contended, as "dense (others used 48 %)" fragments. */
export function contendedPhases(energy: Pick<EnergySummary, 'contention'>): string[] {
  return Object.entries(energy.contention ?? {})
    .filter(([, c]) => c.contended)
    .map(([phase, c]) => `${phase} (others used ${Math.round(c.othersShare * 100)} % of the CPU time${c.wholeDevice ? '; the sensor charges their work to the run' : '; the per-process estimate excludes them'})`);
}

const ratio = (x: number) => `${x.toFixed(2)}x`;

/** One line on the compute saving and whether it agrees with the energy saving. */
export function computeLine(compute: ComputeSummary): string {
  const flops = (x: number) => `${(x / 1e12).toPrecision(3)} TFLOP`;
  if (compute.flopSavedRatio === null || compute.denseFlops === null) {
    return `compute: ${methodLabel('ebTrain')} ${flops(compute.ebTrainFlops)}; ${compute.savedReason ?? 'no dense figure'}`;
  }
  const head = `compute: ${methodLabel('ebTrain')} ${flops(compute.ebTrainFlops)} vs dense ${flops(compute.denseFlops)} (${compute.denseBasis}) — ${ratio(compute.flopSavedRatio)} fewer FLOPs`;
  const a = compute.agreement;
  if (!a) return head;
  return a.disagrees
    ? `${head}; energy saving ${ratio(a.energyRatio)} differs by ${Math.round(a.relativeDifference * 100)} % — likely ${a.likelyReason}`
    : `${head}; energy saving ${ratio(a.energyRatio)} agrees within ${Math.round(a.relativeDifference * 100)} %`;
}
