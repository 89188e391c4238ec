/**
 * The compute ledger: the training work each phase actually did, counted rather than measured, so
 * two runs of the same experiment always agree on it.
 *
 *   FLOPs(phase) = images trained × training FLOPs per image + images evaluated × forward FLOPs per image
 *   training FLOPs per image = 3 × forward FLOPs of the network trained then (dense or slim): the
 *   forward pass plus a backward pass of about twice its cost (gradients for activations and weights).
 *
 * flopSavedRatio = dense FLOPs / EB Train FLOPs, the compute twin of the energy savedRatio. Where the
 * two disagree by more than 25 %, the ledger says the likely reason.
 */

/** Forward + backward ≈ 3 × forward. */
export const TRAINING_FLOPS_PER_FORWARD = 3;
/** Energy and compute savings further apart than this (relative) are flagged. */
export const DISAGREEMENT_THRESHOLD = 0.25;

export interface PhaseWork {
  phase: string;
  network: 'dense' | 'slim';
  /** Forward FLOPs per image of the network this phase trained. */
  forwardFlopsPerImage: number;
  /** Images passed through a training step (epochs × training images). */
  trainImages: number;
  /** Images only evaluated (validation each epoch, the test set at the end). */
  evalImages: number;
}

export interface PhaseCompute extends PhaseWork {
  trainingFlopsPerImage: number;
  flops: number;
}

export interface ComputeSummary {
  phases: Record<string, PhaseCompute>;
  ebTrainFlops: number;
  denseFlops: number | null;
  /** counted: the dense baseline ran; projected: planned epochs of the dense network, counted the same way. */
  denseBasis: 'counted' | 'projected' | null;
  /** dense FLOPs / EB Train FLOPs; null with `savedReason` when no saving may be claimed. */
  flopSavedRatio: number | null;
  savedReason: string | null;
  /** How far the energy saving is from the compute saving, and the likely reason when > 25 %. */
  agreement: { energyRatio: number; flopRatio: number; relativeDifference: number; disagrees: boolean; likelyReason: string | null } | null;
}

export function phaseCompute(work: PhaseWork): PhaseCompute {
  const trainingFlopsPerImage = TRAINING_FLOPS_PER_FORWARD * work.forwardFlopsPerImage;
  return { ...work, trainingFlopsPerImage, flops: work.trainImages * trainingFlopsPerImage + work.evalImages * work.forwardFlopsPerImage };
}

export function summariseCompute(input: {
  work: PhaseWork[];
  ebPhases: readonly string[];
  densePhase: string;
  /** The dense baseline's work if it had run, for the projection (null: cannot project). */
  projectedDense: PhaseWork | null;
  /** Why no saving may be claimed (shared with the energy summary); null: it may. */
  notEligible: string | null;
  /** The energy savedRatio, to compare with. */
  energyRatio: number | null;
  /** Phases whose CPU time others shared by more than 10 %. */
  contendedPhases: string[];
  /** Whether those phases were metered by a whole-device sensor (which charges others' work to the run). */
  contendedWholeDevice?: boolean;
  /** The slim network's measured training speed-up against its FLOP reduction (surgery). */
  slim: { trainSpeedup: number; flopReduction: number } | null;
}): ComputeSummary {
  const phases: Record<string, PhaseCompute> = {};
  for (const work of input.work) {
    const c = phaseCompute(work);
    const existing = phases[work.phase];
    phases[work.phase] = existing
      ? { ...existing, trainImages: existing.trainImages + c.trainImages, evalImages: existing.evalImages + c.evalImages, flops: existing.flops + c.flops }
      : c;
  }
  const ebTrainFlops = input.ebPhases.reduce((sum, phase) => sum + (phases[phase]?.flops ?? 0), 0);
  const counted = phases[input.densePhase];
  const dense = counted ? { flops: counted.flops, basis: 'counted' as const } : input.projectedDense ? { flops: phaseCompute(input.projectedDense).flops, basis: 'projected' as const } : null;
  const savedReason = input.notEligible ?? (dense ? null : 'no saving: no dense baseline to compare with');
  const flopSavedRatio = savedReason === null && dense && ebTrainFlops > 0 ? dense.flops / ebTrainFlops : null;
  let agreement: ComputeSummary['agreement'] = null;
  if (flopSavedRatio !== null && input.energyRatio !== null) {
    const relativeDifference = Math.abs(input.energyRatio / flopSavedRatio - 1);
    const disagrees = relativeDifference > DISAGREEMENT_THRESHOLD;
    agreement = {
      energyRatio: input.energyRatio, flopRatio: flopSavedRatio, relativeDifference, disagrees,
      likelyReason: disagrees ? likelyReason(input) : null,
    };
  }
  return { phases, ebTrainFlops, denseFlops: dense?.flops ?? null, denseBasis: dense?.basis ?? null, flopSavedRatio, savedReason, agreement };
}

/** The phases whose energy makes up the compared totals; a contended surgery or evaluation pass is too small to explain a gap. */
const TRAINING_PHASES = new Set(['search', 'retrain', 'dense']);

function likelyReason(input: { contendedPhases: string[]; contendedWholeDevice?: boolean; slim: { trainSpeedup: number; flopReduction: number } | null }): string {
  const reasons: string[] = [];
  const contended = input.contendedPhases.filter((phase) => TRAINING_PHASES.has(phase));
  if (contended.length) {
    reasons.push(`contention: other processes used more than 10 % of the CPU time in ${contended.join(', ')}` +
      (input.contendedWholeDevice ? ' and the whole-device sensor charged their work to the run' : ', which slowed the run and stretched its share of idle power'));
  }
  const slim = input.slim;
  if (slim && slim.trainSpeedup < slim.flopReduction * (1 - DISAGREEMENT_THRESHOLD)) {
    reasons.push(`the slim network does less per FLOP: its measured training speed-up is ${slim.trainSpeedup.toFixed(2)}x for ${slim.flopReduction.toFixed(2)}x fewer FLOPs`);
  }
  return reasons.length ? reasons.join('; and ') : 'costs that do not scale with FLOPs (data handling, the detector, evaluation, idle power)';
}
