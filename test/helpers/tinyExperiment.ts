/**
 * The smallest experiment that still runs every phase (tiny net, 200 embedded digits, 2 epochs):
 * the base that the study, sweep and Slurm tests build their sweeps on.
 */
export const TINY_EXPERIMENT = {
  model: { name: 'tiny' },
  data: { spec: 'mnist', trainLimit: 200, testLimit: 100 },
  training: { epochs: 2, batchSize: 64, learningRate: 0.05 },
  search: { ratios: [0.3, 0.7], pruneRatio: 0.3, queueLength: 2, epsilon: 0.3 },
  energy: { intervalMs: 500 },
};
