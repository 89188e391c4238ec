/**
 * What the Early-Bird pipeline saved, in joules and grams of CO2e.
 *
 *   E(EB Train) = E(search) + E(surgery) + E(retrain)
 *   E(dense)    = the dense baseline measured in the same experiment when there is one, else
 *                 projected: mean measured energy per dense search epoch × planned epochs
 *                 (the search phase *is* dense training, up to the epoch the ticket appears).
 *   saved       = E(dense) − E(EB Train);  ratio = E(dense) / E(EB Train);  percent = saved / E(dense) × 100
 *
 * Joules are what the machine drew; PUE is applied only when converting to CO2e.
 *
 * A saving is claimed only when it means something (`savingEligibility`): the ticket was found, EB
 * Train ran to its end, the dense reference finished or is projected from at least two complete dense
 * epochs, and no stretch of the run went unmeasured. Otherwise every saving figure is null and
 * `savedReason` says why.
 */
import { ebTrainPhases, methodLabel } from '../core/methods.ts';
import type { MeterTotals, MeterViews } from './meter.ts';
import type { EnergyKind, SourceKind } from './types.ts';
import { co2eGrams, DEFAULT_CARBON_INTENSITY_G_PER_KWH, DEFAULT_PUE, formatEnergy } from './units.ts';
import { MAIN_THREAD_DEVICE } from './estimate/cpuActivity.ts';

export const EB_TRAIN_PHASES: readonly string[] = ebTrainPhases();
export const DENSE_PHASE = 'dense';
export const SEARCH_PHASE = 'search';

export interface PhaseSummary {
  joules: number;
  /** Sources that contributed, e.g. "nvml + rapl". */
  source: string;
  /** `estimated` as soon as one contributing source is. */
  kind: SourceKind;
  bySource: Record<string, { joules: number; kind: SourceKind }>;
}

/** How to project the dense baseline when it was not run: from the search phase or explicit per-epoch joules. */
export type DenseProjection =
  | { searchEpochs: number; plannedEpochs: number }
  | { epochJoules: readonly number[]; plannedEpochs: number };

export interface EnergySummaryInput {
  totals: MeterTotals;
  ebPhases?: readonly string[];
  densePhase?: string;
  projection?: DenseProjection;
  /** g CO2e per kWh (default 475, CodeCarbon's world average). */
  carbonIntensity?: number;
  /** Default 1.0. */
  pue?: number;
  /** The sampler's own cost, carried to the report as it is. */
  overheadPercent?: number;
  /** Why no saving may be claimed (from `savingEligibility`); null or absent: it may. */
  notEligible?: string | null;
  /** The meter's other accounts: the machine view and CPU activity per phase. */
  views?: Pick<MeterViews, 'machine' | 'activity'>;
}

/** Phases in which other processes used more than this share of the machine's busy CPU time. */
export const CONTENDED_SHARE = 0.1;

/** How much of the machine the run had to itself in one phase. */
export interface PhaseContention {
  /** CPU seconds of the run's process tree. */
  runCpuSeconds: number;
  /** CPU seconds of every other process on the machine. */
  otherCpuSeconds: number;
  /** otherCpuSeconds / (run + other), in [0, 1]. */
  othersShare: number;
  /** othersShare > 10 %. */
  contended: boolean;
  /** CPU seconds of the run's main thread alone (part of runCpuSeconds); null where not read. */
  mainThreadCpuSeconds: number | null;
  /** Whether the phase's figure comes from a whole-device sensor (RAPL, NVML), which charges others'
   *  work to the run; per-process estimates are not inflated by others, only slowed. */
  wholeDevice: boolean;
}

/** Facts about a run that decide whether a saving may be claimed. */
export interface SavingFacts {
  ticketFound: boolean;
  /** search, surgery and retrain all completed. */
  ebTrainFinished: boolean;
  denseFinished: boolean;
  /** Complete dense epochs the projection would rest on (the search epochs). */
  denseEpochsForProjection: number;
  /** Seconds of the run with no power source left. */
  unmeasuredSeconds: number;
  /** How a run that did not complete ended; absent or null for a completed (or still running) run. */
  stopped?: 'cancelled' | 'failed' | null;
  /** Search epochs finished: with `stopped`, whether the run ended before training began. */
  searchEpochs?: number;
}

/** Null when a saving may be claimed, else the reason in words. */
export function savingEligibility(facts: SavingFacts): string | null {
  if (facts.unmeasuredSeconds > 0) return `no saving: ${Math.round(facts.unmeasuredSeconds)} s of the run had no power source left`;
  // A run stopped before the search could settle never looked for a ticket: say how it ended instead.
  if (!facts.ticketFound && facts.stopped) {
    const when = (facts.searchEpochs ?? 0) === 0 ? 'before its first epoch finished' : 'before an Early-Bird ticket was found';
    return `no saving: the run ${facts.stopped === 'cancelled' ? 'was cancelled' : 'failed'} ${when}`;
  }
  if (!facts.ticketFound) return 'no saving: no Early-Bird ticket was found';
  if (!facts.ebTrainFinished) return `no saving: ${methodLabel('ebTrain')} (search + surgery + retrain) did not finish`;
  if (!facts.denseFinished && facts.denseEpochsForProjection < MIN_PROJECTION_EPOCHS) {
    return `no saving: the dense baseline did not finish and ${facts.denseEpochsForProjection} complete dense epoch(s) are too few to project it (${MIN_PROJECTION_EPOCHS} needed)`;
  }
  return null;
}

/** Fewest complete dense epochs a dense projection may rest on. */
export const MIN_PROJECTION_EPOCHS = 2;

export interface EnergySummary {
  phases: Record<string, PhaseSummary>;
  ebTrainJoules: number;
  ebTrainKind: SourceKind;
  denseJoules: number | null;
  denseKind: EnergyKind | null;
  /** One sentence on where the dense figure comes from. */
  denseBasis: string;
  savedJoules: number | null;
  /** E(dense) / E(EB Train): "EB Train needed 1/ratio of the energy". */
  savedRatio: number | null;
  /** (E(dense) − E(EB Train)) / E(dense) × 100. */
  savedPercent: number | null;
  /** CO2e of EB Train (what was actually emitted). */
  co2eGrams: number;
  denseCo2eGrams: number | null;
  savedCo2eGrams: number | null;
  carbonIntensity: number;
  pue: number;
  overheadPercent: number | null;
  /** Null when the saving figures are given; else why they are null. */
  savedReason: string | null;
  /** Per phase, the run's CPU time against other processes' (absent without CPU activity readings). */
  contention: Record<string, PhaseContention>;
  /** What a wall meter would see: the whole machine's estimated energy, per phase. Never a saving's basis. */
  machine: { phases: Record<string, number>; ebTrainJoules: number; denseJoules: number | null } | null;
}

const WHOLE_DEVICE_SOURCES = new Set(['rapl', 'nvml', 'nvidia-smi']);

export function summariseContention(activity: MeterTotals, phases: Record<string, PhaseSummary>): Record<string, PhaseContention> {
  const result: Record<string, PhaseContention> = {};
  for (const [phase, bySource] of Object.entries(activity)) {
    const devices = Object.values(bySource).reduce<Record<string, number>>((acc, total) => {
      for (const [device, seconds] of Object.entries(total.devices)) acc[device] = (acc[device] ?? 0) + seconds;
      return acc;
    }, {});
    const run = devices.run ?? 0;
    const other = devices.others ?? 0;
    const share = run + other > 0 ? other / (run + other) : 0;
    result[phase] = {
      runCpuSeconds: run, otherCpuSeconds: other, othersShare: share, contended: share > CONTENDED_SHARE,
      mainThreadCpuSeconds: devices[MAIN_THREAD_DEVICE] ?? null,
      wholeDevice: Object.keys(phases[phase]?.bySource ?? {}).some((source) => WHOLE_DEVICE_SOURCES.has(source)),
    };
  }
  return result;
}

export function summarisePhases(totals: MeterTotals): Record<string, PhaseSummary> {
  const phases: Record<string, PhaseSummary> = {};
  for (const [phase, bySourceTotals] of Object.entries(totals)) {
    const sources = Object.values(bySourceTotals);
    phases[phase] = {
      joules: sources.reduce((sum, s) => sum + s.joules, 0),
      source: sources.map((s) => s.source).join(' + '),
      kind: sources.some((s) => s.kind === 'estimated') ? 'estimated' : 'measured',
      bySource: Object.fromEntries(sources.map((s) => [s.source, { joules: s.joules, kind: s.kind }])),
    };
  }
  return phases;
}

/** Mean energy per measured dense epoch × planned epochs. */
export function projectDenseJoules(measuredJoules: number, measuredEpochs: number, plannedEpochs: number): number {
  if (!(measuredEpochs > 0)) throw new RangeError(`need at least one measured epoch to project, got ${measuredEpochs}`);
  if (!(plannedEpochs >= 0)) throw new RangeError(`planned epochs must be >= 0, got ${plannedEpochs}`);
  return (measuredJoules / measuredEpochs) * plannedEpochs;
}

export function energySaved(ebTrainJoules: number, denseJoules: number): { savedJoules: number; savedRatio: number | null; savedPercent: number | null } {
  const savedJoules = denseJoules - ebTrainJoules;
  return {
    savedJoules,
    savedRatio: ebTrainJoules > 0 ? denseJoules / ebTrainJoules : null,
    savedPercent: denseJoules > 0 ? (savedJoules / denseJoules) * 100 : null,
  };
}

/** The energy block of the run summary. */
export function summariseEnergy(input: EnergySummaryInput): EnergySummary {
  const carbonIntensity = input.carbonIntensity ?? DEFAULT_CARBON_INTENSITY_G_PER_KWH;
  const pue = input.pue ?? DEFAULT_PUE;
  const phases = summarisePhases(input.totals);
  const ebPhases = input.ebPhases ?? EB_TRAIN_PHASES;
  const densePhase = input.densePhase ?? DENSE_PHASE;

  const ebTrainJoules = ebPhases.reduce((sum, phase) => sum + (phases[phase]?.joules ?? 0), 0);
  const ebTrainKind: SourceKind = ebPhases.some((phase) => phases[phase]?.kind === 'estimated') ? 'estimated' : 'measured';

  const dense = denseBaseline(phases, densePhase, input.projection);
  const notEligible = input.notEligible ?? null;
  const saved = dense.joules !== null && notEligible === null ? energySaved(ebTrainJoules, dense.joules) : null;
  const machinePhases = Object.fromEntries(
    Object.entries(input.views?.machine ?? {}).map(([phase, bySource]) => [phase, Object.values(bySource).reduce((sum, t) => sum + t.joules, 0)]),
  );
  const machine = Object.keys(machinePhases).length
    ? {
        phases: machinePhases,
        ebTrainJoules: ebPhases.reduce((sum, phase) => sum + (machinePhases[phase] ?? 0), 0),
        denseJoules: machinePhases[densePhase] ?? null,
      }
    : null;
  const grams = (joules: number) => co2eGrams(joules, carbonIntensity, pue);

  return {
    phases,
    ebTrainJoules,
    ebTrainKind,
    denseJoules: dense.joules,
    denseKind: dense.kind,
    denseBasis: dense.basis,
    savedJoules: saved?.savedJoules ?? null,
    savedRatio: saved?.savedRatio ?? null,
    savedPercent: saved?.savedPercent ?? null,
    co2eGrams: grams(ebTrainJoules),
    denseCo2eGrams: dense.joules !== null ? grams(dense.joules) : null,
    savedCo2eGrams: saved ? grams(saved.savedJoules) : null,
    carbonIntensity,
    pue,
    overheadPercent: input.overheadPercent ?? null,
    savedReason: saved ? null : notEligible ?? (dense.joules === null ? `no saving: ${dense.basis}` : `no saving: ${methodLabel('ebTrain')} used no energy`),
    contention: summariseContention(input.views?.activity ?? {}, phases),
    machine,
  };
}

function denseBaseline(
  phases: Record<string, PhaseSummary>,
  densePhase: string,
  projection: DenseProjection | undefined,
): { joules: number | null; kind: EnergyKind | null; basis: string } {
  const measured = phases[densePhase];
  if (measured && measured.joules > 0) {
    return { joules: measured.joules, kind: measured.kind, basis: `${measured.kind} in this experiment (phase "${densePhase}", ${measured.source})` };
  }
  if (!projection) return { joules: null, kind: null, basis: 'no dense baseline: not run and nothing to project from' };

  let perEpoch: number;
  let from: string;
  if ('epochJoules' in projection) {
    if (projection.epochJoules.length < MIN_PROJECTION_EPOCHS) return { joules: null, kind: null, basis: `no dense baseline: ${projection.epochJoules.length} measured dense epoch(s) are too few to project from (${MIN_PROJECTION_EPOCHS} needed)` };
    const sum = projection.epochJoules.reduce((a, b) => a + b, 0);
    perEpoch = projectDenseJoules(sum, projection.epochJoules.length, 1);
    from = `${projection.epochJoules.length} measured dense epochs`;
  } else {
    const search = phases[SEARCH_PHASE];
    if (!search || !(projection.searchEpochs > 0)) return { joules: null, kind: null, basis: 'no dense baseline: no measured search epoch to project from' };
    if (projection.searchEpochs < MIN_PROJECTION_EPOCHS) {
      return { joules: null, kind: null, basis: `no dense baseline: ${projection.searchEpochs} search epoch(s) are too few to project from (${MIN_PROJECTION_EPOCHS} needed)` };
    }
    perEpoch = projectDenseJoules(search.joules, projection.searchEpochs, 1);
    from = `${projection.searchEpochs} search epochs (${search.kind})`;
  }
  const joules = perEpoch * projection.plannedEpochs;
  return {
    joules,
    kind: 'projected',
    basis: `projected: ${formatEnergy(perEpoch)} mean per dense epoch over ${from} × ${projection.plannedEpochs} planned epochs`,
  };
}
