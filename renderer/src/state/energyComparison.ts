/**
 * Dense vs EB Train energy for the big numbers: from the finished run's summary when there is
 * one, else live from the meter's intervals so far. Live, a saving is only ever a projection, and
 * only once the ticket is found: EB Train so far plus the rest of its retrain at the measured slim
 * speed, against the dense run projected from the search (the search *is* dense training). Before
 * the ticket there is no saving to show, and the card says so.
 */
import type { RunSummary } from '../../../src/core/summary.ts';
import { searchEpochsDone, type RunView } from '../../../src/core/project.ts';
import { ebTrainPhases, methodLabel, phaseLabel } from '../../../src/core/methods.ts';
import { denseProjection } from '../../../src/run/energyChecks.ts';
import type { SavingInterval } from '../../../src/energy/interval.ts';
import type { LikeForLike } from '../../../src/energy/likeForLike.ts';
import { savingHeadline, savingWarnings } from '../../../src/energy/savingWords.ts';
import { formatJoules, formatPercent } from '../ui/format.ts';


export type FigureKind = 'measured' | 'estimated' | 'projected';

export interface EnergyComparison {
  basis: 'summary' | 'live';
  ebJoules: number | null;
  ebKind: FigureKind | null;
  /** EB Train so far (live) — `ebJoules` is then the projected whole. */
  ebSoFarJoules: number | null;
  denseJoules: number | null;
  denseKind: FigureKind | null;
  /** One sentence on where the dense figure comes from. */
  denseBasis: string;
  savedJoules: number | null;
  savedPercent: number | null;
  /** E(dense) / E(EB Train). */
  ratio: number | null;
  /** The saving's own kind: as weak as its weaker figure; live it is always projected. */
  savedKind: FigureKind | null;
  /** Why no saving is shown (null when one is). */
  savedReason: string | null;
  co2eGrams: number | null;
  savedCo2eGrams: number | null;
  /** The estimate's power model, shown next to estimated figures (null when nothing is estimated). */
  estimateModel: string | null;
  /** Compute saving (dense FLOPs / EB Train FLOPs) and how it agrees with the energy saving. */
  flopRatio: number | null;
  agreement: string | null;
  /** Phases where other processes used > 10 % of the CPU time. */
  contended: string[];
  accuracy: { ebTrain: number | null; dense: number | null };
  /** 95 % interval of the saving (summary: epoch-to-epoch spread; live: none). */
  interval: SavingInterval | null;
  /** 95 % interval of the dense figure while it is a projection. */
  denseInterval: { low: number; high: number } | null;
  /** The saving in words, in the app's method names ("EB Train used 1.32× (1.25–1.40) less energy than Dense: …"). */
  headline: string | null;
  /** What bears on the saving (unreliable like-for-like check, contention), shown with the headline. */
  warnings: string[];
  likeForLike: LikeForLike | null;
  /** The saving rests on a projected dense figure: drawn neutral, not as a gain. */
  neutral: boolean;
}

const APP_WORDS = { energy: (j: number) => formatJoules(j), percent: (p: number) => formatPercent(p) };
const APP_LABELS = { subject: methodLabel('ebTrain'), reference: methodLabel('dense') };
const phaseName = phaseLabel;

function headlineOf(saved: number | null, ratio: number | null, percent: number | null, interval: SavingInterval | null): string | null {
  return saved !== null && ratio !== null && percent !== null
    ? savingHeadline({ savedJoules: saved, savedRatio: ratio, savedPercent: percent, interval }, APP_WORDS, APP_LABELS)
    : null;
}

export function compareEnergy(view: RunView, summary: RunSummary | null, plannedEpochs: number | null): EnergyComparison {
  const accuracy = {
    ebTrain: summary?.methods.ebTrain?.testAccuracy ?? view.phases.find((p) => p.phase === 'retrain')?.result?.testAccuracy ?? null,
    dense: summary?.methods.dense?.testAccuracy ?? view.phases.find((p) => p.phase === 'dense')?.result?.testAccuracy ?? null,
  };
  const liveModel = view.energySources.filter((s) => s.kind === 'estimated' && s.label).map((s) => s.label).join('; ') || null;
  const stored = summary?.energy;
  // Summaries written before savings had eligibility rules carry a saving for cancelled and failed
  // runs too: a saving is only ever shown for a completed run, whatever the file says.
  const energy = stored && summary.status !== 'completed' && stored.savedPercent !== null
    ? { ...stored, savedJoules: null, savedRatio: null, savedPercent: null, savedCo2eGrams: null, savedReason: stored.savedReason ?? `no saving: run ${summary.status}` }
    : stored;
  if (summary && energy) {
    const savedKind: FigureKind | null = energy.savedPercent === null ? null
      : energy.denseKind === 'projected' ? 'projected'
      : energy.ebTrainKind === 'estimated' || energy.denseKind === 'estimated' ? 'estimated' : 'measured';
    const a = summary.compute?.agreement;
    const interval = energy.savedInterval ?? null;
    const likeForLike = energy.likeForLike ?? null;
    const contendedPhases = Object.entries(energy.contention ?? {}).filter(([, c]) => c.contended).map(([phase, c]) => `${phaseName(phase)} (others ${Math.round(c.othersShare * 100)} %)`);
    return {
      interval, likeForLike, denseInterval: null,
      headline: energy.savedPercent === null ? null : headlineOf(energy.savedJoules, energy.savedRatio, energy.savedPercent, interval),
      warnings: energy.savedPercent === null ? [] : savingWarnings(likeForLike, contendedPhases, phaseName),
      neutral: savedKind === 'projected',
      basis: 'summary',
      ebJoules: energy.ebTrainJoules, ebKind: energy.ebTrainKind, ebSoFarJoules: null,
      denseJoules: energy.denseJoules, denseKind: energy.denseKind, denseBasis: energy.denseBasis,
      savedJoules: energy.savedJoules, savedPercent: energy.savedPercent, ratio: energy.savedRatio, savedKind,
      savedReason: energy.savedPercent === null ? (energy.savedReason ?? (summary.status !== 'completed' ? `no saving: run ${summary.status}` : 'no saving: no dense baseline')) : null,
      co2eGrams: energy.co2eGrams, savedCo2eGrams: energy.savedCo2eGrams,
      estimateModel: energy.estimateModel ?? liveModel,
      flopRatio: summary.compute?.flopSavedRatio ?? null,
      agreement: a ? (a.disagrees ? `energy and compute savings differ by ${Math.round(a.relativeDifference * 100)} %: likely ${a.likelyReason}` : `agrees with the compute saving within ${Math.round(a.relativeDifference * 100)} %`) : null,
      contended: Object.entries(energy.contention ?? {}).filter(([, c]) => c.contended).map(([phase, c]) => `${phase} (others ${Math.round(c.othersShare * 100)} %)`),
      accuracy,
    };
  }
  const totals = view.energyTotals;
  const ebPhases = ebTrainPhases().filter((p) => totals[p] !== undefined);
  const ebSoFar = ebPhases.length ? ebPhases.reduce((sum, p) => sum + totals[p]!, 0) : null;
  const ebKind = ebPhases.length ? (ebPhases.some((p) => view.energyKinds[p] === 'estimated') ? 'estimated' : 'measured') : null;

  let denseJoules: number | null = null;
  let denseKind: EnergyComparison['denseKind'] = null;
  let denseBasis = 'no dense figure yet: it is projected once two search epochs have finished';
  const dense = view.phases.find((p) => p.phase === 'dense');
  const epochs = searchEpochsDone(view);
  const planned = plannedEpochs ?? view.phases.find((p) => p.phase === 'search')?.plannedEpochs ?? null;
  const perSearchEpoch = epochs > 0 && totals.search !== undefined ? totals.search / epochs : null;
  // The dense network's warm search epochs, each read off the energy curve: mean × planned, with its interval.
  const projection = planned ? denseProjection(view, planned) : null;
  let denseInterval: EnergyComparison['denseInterval'] = null;
  if (dense?.status === 'completed' && totals.dense !== undefined) {
    denseJoules = totals.dense;
    denseKind = view.energyKinds.dense ?? 'estimated';
    denseBasis = 'the dense baseline trained in this run';
  } else if (epochs >= 2 && planned && projection) {
    denseJoules = projection.joules;
    denseKind = 'projected';
    denseInterval = { low: projection.low, high: projection.high };
    denseBasis = `projected: mean of ${projection.epochs} warm search epochs of the dense network × ${planned} planned (95 % ${formatJoules(projection.low)}–${formatJoules(projection.high)})`;
  }

  // EB Train as a whole, projected: the retrain epochs still to come at the measured slim speed.
  let ebProjected: number | null = null;
  let savedReason: string | null = null;
  const ticket = view.earlyBird;
  if (!ticket) savedReason = 'no saving yet: a projection is shown once the Early-Bird ticket is found';
  else if (ebSoFar === null || planned === null) savedReason = 'no saving yet: no energy measured';
  else {
    const retrainPlanned = Math.max(0, planned - (ticket.epoch + 1));
    const retrainDone = view.epochs.retrain?.length ?? 0;
    const perRetrainEpoch = retrainDone > 0 && totals.retrain !== undefined ? totals.retrain / retrainDone
      : perSearchEpoch !== null && view.slimTrainSpeedup ? perSearchEpoch / view.slimTrainSpeedup : null;
    if (perRetrainEpoch === null) savedReason = 'no saving yet: the slim network\'s speed is measured by the surgery';
    else ebProjected = ebSoFar + Math.max(0, retrainPlanned - retrainDone) * perRetrainEpoch;
  }
  if (savedReason === null && denseJoules === null) savedReason = `no saving yet: ${denseBasis}`;
  const saving = savedReason === null && ebProjected !== null && denseJoules !== null;
  const saved = saving ? denseJoules! - ebProjected! : null;
  return {
    basis: 'live', ebJoules: ebProjected ?? ebSoFar, ebKind: ebProjected !== null ? 'projected' : ebKind, ebSoFarJoules: ebSoFar,
    denseJoules, denseKind, denseBasis,
    savedJoules: saved,
    savedPercent: saved !== null && denseJoules ? (saved / denseJoules) * 100 : null,
    ratio: saving && ebProjected ? denseJoules! / ebProjected : null,
    savedKind: saving ? 'projected' : null, savedReason,
    co2eGrams: null, savedCo2eGrams: null, estimateModel: liveModel, flopRatio: null, agreement: null, contended: [], accuracy,
    interval: null, denseInterval, likeForLike: null, warnings: [],
    headline: saving ? headlineOf(saved, denseJoules! / ebProjected!, (saved! / denseJoules!) * 100, null) : null,
    // Live, the saving is a projection (EB Train's rest, and dense until its phase is measured): neutral, not a gain.
    neutral: saving,
  };
}
