/**
 * What EB Train saved against each reference it can be compared with, each saving labelled with
 * its reference: the dense network trained for the whole budget (which yields no pruned model) and
 * the standard pruning pipeline (train dense with L1 → prune → fine-tune), the comparison the
 * Early-Bird paper reports.
 *
 *   saved   = E(reference) − E(EB Train);  ratio = E(reference) / E(EB Train);
 *   percent = saved / E(reference) × 100
 */
import type { EnergyKind, Method } from '../core/events.ts';

export const SAVING_REFERENCES = ['dense', 'prunePipeline'] as const;
export type SavingReference = (typeof SAVING_REFERENCES)[number];

export const REFERENCE_LABELS: Record<SavingReference, string> = {
  dense: 'against dense training',
  prunePipeline: 'against the standard pipeline (train, prune, fine-tune)',
};

export interface Saving {
  reference: SavingReference;
  label: string;
  ebTrainJoules: number;
  referenceJoules: number;
  /** `projected` when the reference was not run but projected from the search's epochs. */
  referenceKind: EnergyKind;
  savedJoules: number;
  ratio: number;
  percent: number;
}

type MethodEnergy = Partial<Record<Method, { joules: number; kind: EnergyKind }>>;

/** One saving per reference whose energy the run has; none without EB Train's energy. */
export function savingsAgainstReferences(methods: MethodEnergy | undefined | null): Saving[] {
  const eb = methods?.ebTrain;
  if (!eb || !(eb.joules > 0)) return [];
  const out: Saving[] = [];
  for (const reference of SAVING_REFERENCES) {
    const ref = methods?.[reference];
    if (!ref || !(ref.joules > 0)) continue;
    out.push({
      reference, label: REFERENCE_LABELS[reference], ebTrainJoules: eb.joules, referenceJoules: ref.joules, referenceKind: ref.kind,
      savedJoules: ref.joules - eb.joules, ratio: ref.joules / eb.joules, percent: ((ref.joules - eb.joules) / ref.joules) * 100,
    });
  }
  return out;
}
