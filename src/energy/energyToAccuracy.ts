/**
 * Energy to accuracy: what each method spent until the network it delivers first reached a target
 * validation accuracy (default: the dense network's final validation accuracy minus one point). A
 * method's delivered network trains in its last phase (EB Train: the retrain; the standard pipeline:
 * its fine-tune; the lottery ticket: its last round); the energy counts every phase before it in full
 * (EB Train's search and surgery) plus its own up to the end of the epoch that reached the target.
 */
import { methodLabel } from '../core/methods.ts';

export const DEFAULT_TARGET_DROP = 0.01;

export interface ProductEpoch {
  /** Cumulative joules of the product phase at the end of this epoch (from its start). */
  cumulativeJoules: number;
  valAccuracy: number | null;
}

export interface MethodTrace {
  method: string;
  /** Joules of the method's phases before the one that trains its product. */
  priorJoules: number;
  epochs: readonly ProductEpoch[];
}

export interface EnergyToTarget {
  /** Joules until the target was first reached; null with `reason` when it was not. */
  joules: number | null;
  /** Zero-based index of the epoch (in the product phase) that reached it. */
  epoch: number | null;
  reason: string | null;
}

export interface EnergyToAccuracy {
  /** Validation accuracy (0–1) every method is timed to. */
  target: number;
  /** Where the target comes from, in words. */
  targetBasis: string;
  methods: Record<string, EnergyToTarget>;
  /** E(dense to target) / E(EB Train to target); null with `savedReason` when either is missing. */
  savedRatio: number | null;
  savedPercent: number | null;
  savedReason: string | null;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

export function energyToTarget(trace: MethodTrace, target: number): EnergyToTarget {
  const validated = trace.epochs.filter((e) => e.valAccuracy !== null);
  if (!validated.length) return { joules: null, epoch: null, reason: 'no validation accuracy was logged' };
  const index = trace.epochs.findIndex((e) => e.valAccuracy !== null && e.valAccuracy >= target);
  if (index === -1) {
    const best = Math.max(...validated.map((e) => e.valAccuracy!));
    return { joules: null, epoch: null, reason: `never reached ${pct(target)} validation accuracy (best ${pct(best)})` };
  }
  return { joules: trace.priorJoules + trace.epochs[index]!.cumulativeJoules, epoch: index, reason: null };
}

/**
 * Null when there is no target: neither set nor a dense validation accuracy to derive it from.
 * `denseFinal` is the dense network's final validation accuracy.
 */
export function energyToAccuracy(traces: readonly MethodTrace[], options: { target?: number | null; denseFinal: number | null; reference?: string; subject?: string }): EnergyToAccuracy | null {
  const set = options.target ?? null;
  if (set === null && options.denseFinal === null) return null;
  const target = set ?? Math.max(0, options.denseFinal! - DEFAULT_TARGET_DROP);
  const targetBasis = set !== null ? `set in the config (energy.accuracyTarget = ${set})` : `dense final validation accuracy ${pct(options.denseFinal!)} − 1 point`;
  const methods = Object.fromEntries(traces.map((t) => [t.method, energyToTarget(t, target)]));
  const reference = methods[options.reference ?? 'dense'];
  const subject = methods[options.subject ?? 'ebTrain'];
  let savedRatio: number | null = null;
  let savedReason: string | null = null;
  if (!reference || !subject) savedReason = `no saving to accuracy: ${!reference ? 'dense' : methodLabel('ebTrain')} did not run`;
  else if (reference.joules === null) savedReason = `no saving to accuracy: dense ${reference.reason}`;
  else if (subject.joules === null) savedReason = `no saving to accuracy: ${methodLabel('ebTrain')} ${subject.reason}`;
  else if (!(subject.joules > 0)) savedReason = `no saving to accuracy: ${methodLabel('ebTrain')} used no energy`;
  else savedRatio = reference.joules / subject.joules;
  return {
    target, targetBasis, methods, savedRatio,
    savedPercent: savedRatio !== null ? (1 - 1 / savedRatio) * 100 : null,
    savedReason,
  };
}
