/**
 * The optimizer's settings and their one set of defaults, apart from the optimizer itself so that the
 * config schema (which reads these defaults) does not load TensorFlow.js.
 */
export interface OptimizerSettings {
  kind: 'sgd' | 'adam';
  momentum: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_OPTIMIZER: OptimizerSettings = {
  kind: 'sgd', momentum: 0.9, weightDecay: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
};
