/**
 * Step learning-rate schedule (the Early-Bird paper's default): the base rate, multiplied by
 * `gamma` at each milestone, milestones given as fractions of the planned epochs.
 */
export interface StepSchedule {
  baseLearningRate: number;
  /** Fractions of the planned epochs where the rate drops, e.g. [0.5, 0.75]. */
  milestones: number[];
  gamma: number;
}

export { EB_SCHEDULE } from '../core/config.ts';

/** Learning rate for a zero-based `epoch` of a run planned for `plannedEpochs`. */
export function learningRateAt(schedule: StepSchedule, epoch: number, plannedEpochs: number): number {
  let rate = schedule.baseLearningRate;
  for (const m of schedule.milestones) {
    if (epoch >= Math.round(m * plannedEpochs)) rate *= schedule.gamma;
  }
  return rate;
}
