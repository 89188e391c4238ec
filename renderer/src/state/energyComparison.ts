/**
 * Dense vs EB Train energy for the big numbers: from the finished run's summary when there is
 * one, else a live estimate from the meter's intervals so far — EB Train = search + surgery +
 * retrain; dense = the dense phase once it has finished, else projected from the search (the
 * search *is* dense training: joules per search epoch × planned epochs).
 */
import type { RunSummary } from '../../../src/run/summary.ts';
import { searchEpochsDone, type RunView } from './runView.ts';

export const EB_TRAIN_PHASES = ['search', 'surgery', 'retrain'] as const;

export interface EnergyComparison {
  basis: 'summary' | 'live';
  ebJoules: number | null;
  ebKind: 'measured' | 'estimated' | null;
  denseJoules: number | null;
  denseKind: 'measured' | 'estimated' | 'projected' | null;
  /** One sentence on where the dense figure comes from. */
  denseBasis: string;
  savedJoules: number | null;
  savedPercent: number | null;
  /** E(dense) / E(EB Train). */
  ratio: number | null;
  co2eGrams: number | null;
  savedCo2eGrams: number | null;
  accuracy: { ebTrain: number | null; dense: number | null };
}

export function compareEnergy(view: RunView, summary: RunSummary | null, plannedEpochs: number | null): EnergyComparison {
  const accuracy = {
    ebTrain: summary?.methods.ebTrain?.testAccuracy ?? view.phases.find((p) => p.phase === 'retrain')?.result?.testAccuracy ?? null,
    dense: summary?.methods.dense?.testAccuracy ?? view.phases.find((p) => p.phase === 'dense')?.result?.testAccuracy ?? null,
  };
  const energy = summary?.energy;
  if (energy) {
    return {
      basis: 'summary',
      ebJoules: energy.ebTrainJoules, ebKind: energy.ebTrainKind,
      denseJoules: energy.denseJoules, denseKind: energy.denseKind, denseBasis: energy.denseBasis,
      savedJoules: energy.savedJoules, savedPercent: energy.savedPercent, ratio: energy.savedRatio,
      co2eGrams: energy.co2eGrams, savedCo2eGrams: energy.savedCo2eGrams, accuracy,
    };
  }
  const totals = view.energyTotals;
  const ebPhases = EB_TRAIN_PHASES.filter((p) => totals[p] !== undefined);
  const ebJoules = ebPhases.length ? ebPhases.reduce((sum, p) => sum + totals[p]!, 0) : null;
  const ebKind = ebPhases.length ? (ebPhases.some((p) => view.energyKinds[p] === 'estimated') ? 'estimated' : 'measured') : null;

  let denseJoules: number | null = null;
  let denseKind: EnergyComparison['denseKind'] = null;
  let denseBasis = 'no dense figure yet: it is projected once a search epoch has finished';
  const dense = view.phases.find((p) => p.phase === 'dense');
  const epochs = searchEpochsDone(view);
  const planned = plannedEpochs ?? view.phases.find((p) => p.phase === 'search')?.plannedEpochs ?? null;
  if (dense?.status === 'completed' && totals.dense !== undefined) {
    denseJoules = totals.dense;
    denseKind = view.energyKinds.dense ?? 'estimated';
    denseBasis = 'the dense baseline trained in this run';
  } else if (epochs > 0 && planned && totals.search !== undefined) {
    denseJoules = (totals.search / epochs) * planned;
    denseKind = 'projected';
    denseBasis = `projected: ${epochs} search epoch${epochs > 1 ? 's' : ''} of dense training × ${planned} planned`;
  }
  const saved = denseJoules !== null && ebJoules !== null ? denseJoules - ebJoules : null;
  return {
    basis: 'live', ebJoules, ebKind, denseJoules, denseKind, denseBasis,
    savedJoules: saved,
    savedPercent: saved !== null && denseJoules ? (saved / denseJoules) * 100 : null,
    ratio: denseJoules !== null && ebJoules ? denseJoules / ebJoules : null,
    co2eGrams: null, savedCo2eGrams: null, accuracy,
  };
}
