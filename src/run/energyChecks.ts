/**
 * The checks that say how far a run's energy saving can be trusted, read off the run's projection
 * (per-epoch energies from the energy curves at the epoch ends): the like-for-like check of the
 * dense network across the phases that train it, the saving's 95 % interval, the dense projection
 * as it stood at the ticket, and energy to accuracy. Used by the summary and, live, by the app.
 */
import { epochEnergies } from '../energy/epochEnergy.ts';
import { likeForLike, type LikeForLike } from '../energy/likeForLike.ts';
import { projectionInterval, savingInterval, type PhaseEnergy, type SavingInterval } from '../energy/interval.ts';
import { cumulativeAt } from '../energy/epochEnergy.ts';
import { energyToAccuracy, type EnergyToAccuracy, type MethodTrace } from '../energy/energyToAccuracy.ts';
import type { RunView } from '../core/project.ts';

/** The dense energy as projected when the ticket appeared, and how far off it turned out. */
export interface ProjectionAtTicket {
  /** Zero-based epoch of the ticket. */
  epoch: number;
  joules: number;
  low: number;
  high: number;
  /** Warm search epochs it rests on and their mean energy. */
  epochs: number;
  perEpochJoules: number;
  plannedEpochs: number;
  basis: string;
  /** The dense phase as measured later in the run (null when it did not run). */
  measuredJoules: number | null;
  /** (projected − measured) / measured × 100; null without a measured dense phase. */
  errorPercent: number | null;
}

/** Energies of a phase's logged epochs, in log order. */
export function phaseEpochJoules(view: RunView, phase: string): number[] {
  const ends = view.epochEnds?.[phase] ?? [];
  const curve = view.energy[phase];
  if (!ends.length || !curve) return [];
  return epochEnergies(curve, ends.map((e) => e.x));
}

/** The dense energy projected from the search epochs up to `throughEpoch` (all when absent), with its 95 % interval. */
export function denseProjection(view: RunView, plannedEpochs: number, throughEpoch?: number) {
  const ends = view.epochEnds?.search ?? [];
  const all = phaseEpochJoules(view, 'search');
  const epochJoules = throughEpoch === undefined ? all : all.filter((_, i) => ends[i]!.epoch <= throughEpoch);
  return projectionInterval({ epochJoules, plannedEpochs });
}

export function projectionAtTicket(view: RunView, plannedEpochs: number): ProjectionAtTicket | null {
  const ticket = view.earlyBird;
  if (!ticket) return null;
  const p = denseProjection(view, plannedEpochs, ticket.epoch);
  if (!p) return null;
  const dense = view.phases.find((x) => x.phase === 'dense' && x.status === 'completed');
  const measured = dense ? view.energyTotals.dense ?? null : null;
  return {
    epoch: ticket.epoch, joules: p.joules, low: p.low, high: p.high, epochs: p.epochs, perEpochJoules: p.perEpoch, plannedEpochs,
    basis: `projected at the ticket (epoch ${ticket.epoch + 1}): mean of ${p.epochs} warm search epochs of the dense network × ${plannedEpochs} planned; 95 % interval of that prediction`,
    measuredJoules: measured,
    errorPercent: measured ? ((p.joules - measured) / measured) * 100 : null,
  };
}

export interface EnergyCheckInput {
  /** Joules per phase (the summary's phase totals). */
  phaseJoules: Record<string, number>;
  /** Phases each method is charged, the last one training what the method delivers. */
  methodPhases: Record<string, readonly string[]>;
  ebPhases: readonly string[];
  plannedEpochs: number;
  /** The summary's dense figure when it is projected (not run), so the interval centres on it. */
  projectedDenseJoules: number | null;
  contention: Record<string, { othersShare: number; contended: boolean; runCpuSeconds?: number; mainThreadCpuSeconds?: number | null }>;
  /** The dense phase trains with the slimming term too (the standard pipeline's first stage). */
  denseWithL1: boolean;
  /** Detector cost, % of a search epoch. */
  detectorPercent: number;
  /** Validation accuracy to reach (0–1); null: dense final − 1 point. */
  accuracyTarget: number | null;
}

export interface EnergyChecks {
  likeForLike: LikeForLike | null;
  savedInterval: SavingInterval | null;
  projectionAtTicket: ProjectionAtTicket | null;
  energyToAccuracy: EnergyToAccuracy | null;
}

function phaseEnergy(view: RunView, input: EnergyCheckInput, phase: string): PhaseEnergy {
  return { phase, joules: input.phaseJoules[phase] ?? 0, epochJoules: phaseEpochJoules(view, phase) };
}

/** Epochs after the phase's last restart of epoch numbers (the lottery ticket's last round). */
function lastRound<T extends { epoch: number }>(entries: readonly T[]): { from: number; entries: T[] } {
  let from = 0;
  for (let i = 1; i < entries.length; i++) if (entries[i]!.epoch <= entries[i - 1]!.epoch) from = i;
  return { from, entries: entries.slice(from) };
}

export function methodTraces(view: RunView, input: EnergyCheckInput): MethodTrace[] {
  const traces: MethodTrace[] = [];
  for (const [method, phases] of Object.entries(input.methodPhases)) {
    const product = phases[phases.length - 1]!;
    const ends = view.epochEnds?.[product];
    const curve = view.energy[product];
    if (!ends?.length || !curve) continue;
    const prior = phases.slice(0, -1).reduce((sum, p) => sum + (input.phaseJoules[p] ?? 0), 0);
    traces.push({
      method, priorJoules: prior,
      epochs: lastRound(ends).entries.map((e) => ({ cumulativeJoules: cumulativeAt(curve, e.x), valAccuracy: e.valAccuracy })),
    });
  }
  return traces;
}

/** The run's CPU time outside its main thread over the main thread's, in a phase; null where the main thread was not read. */
function backgroundShare(c: { runCpuSeconds?: number; mainThreadCpuSeconds?: number | null } | undefined): number | null {
  const main = c?.mainThreadCpuSeconds;
  if (!c || c.runCpuSeconds === undefined || main == null || !(main > 0)) return null;
  return Math.max(0, c.runCpuSeconds - main) / main;
}

/** The log shows the dense phase's epochs among the search's: the two trained in turns (comparisons.sequential off). */
function trainedInTurns(view: RunView): boolean {
  const search = view.epochEnds?.search ?? [];
  const dense = view.epochEnds?.dense ?? [];
  return search.length > 0 && dense.length > 0 && dense[0]!.x < search[search.length - 1]!.x;
}

export function energyChecks(view: RunView, input: EnergyCheckInput): EnergyChecks {
  const images = view.data?.train ?? 0;
  const work = (phase: string) => ({
    phase, epochJoules: phaseEpochJoules(view, phase), imagesPerEpoch: images,
    othersShare: input.contention[phase]?.othersShare ?? null, contended: input.contention[phase]?.contended ?? false,
    backgroundShare: backgroundShare(input.contention[phase]),
  });
  const detector = `mask tracking (detector ${input.detectorPercent.toFixed(2)} % of an epoch)`;
  const ownCost = input.denseWithL1
    ? `both phases train with the slimming term (the dense phase is the standard pipeline's first stage); the search adds EB Train's ${detector}`
    : `the search adds EB Train's own work: the slimming term (λ·sign(γ) on every BatchNorm γ, each step) and ${detector}`;
  const densePhases = view.energyTotals.dense !== undefined && (view.epochEnds?.dense?.length ?? 0) > 0;
  const ebPhases = input.ebPhases.map((p) => phaseEnergy(view, input, p));
  const denseInterval = densePhases
    ? savingInterval([phaseEnergy(view, input, 'dense')], ebPhases)
    : input.projectedDenseJoules !== null
    ? savingInterval({ epochJoules: phaseEpochJoules(view, 'search'), plannedEpochs: input.plannedEpochs, joules: input.projectedDenseJoules }, ebPhases)
    : null;
  const denseEnds = view.epochEnds?.dense ?? [];
  const denseFinal = denseEnds.length ? denseEnds[denseEnds.length - 1]!.valAccuracy : null;
  return {
    likeForLike: likeForLike(work('search'), work('dense'), ownCost, trainedInTurns(view)),
    savedInterval: denseInterval,
    projectionAtTicket: projectionAtTicket(view, input.plannedEpochs),
    energyToAccuracy: energyToAccuracy(methodTraces(view, input), { target: input.accuracyTarget, denseFinal }),
  };
}
