/**
 * Surgery: cuts the Early-Bird ticket out of the dense network for real, checks on a validation
 * batch that the slim network computes what the dense one does with the pruned channels zeroed,
 * and measures how much faster a training step and inference became.
 */
import * as tf from '@tensorflow/tfjs';
import { batches } from '../data/batches.ts';
import type { DataSplits } from '../data/types.ts';
import { batchTensors } from '../train/batchTensors.ts';
import { buildModel, modelStats, type ModelSpec } from '../models/index.ts';
import { slimModel, zeroPrunedChannels } from '../prune/slimModel.ts';
import { measureSpeedup } from '../prune/speedup.ts';
import type { OptimizerSettings } from '../train/optimizer.ts';
import { forTraining } from '../train/evaluate.ts';
import { readCheckpointMeta, restoreWeights } from './checkpoint.ts';
import type { SlimSummary } from '../core/summary.ts';

export interface SurgeryOutcome {
  slimSpec: ModelSpec;
  slim: SlimSummary;
  seconds: number;
}

function firstBatch(data: DataSplits, size: number): { xs: tf.Tensor4D; labels: tf.Tensor1D } {
  const set = data.validation.count > 0 ? data.validation : data.train;
  const batch = batches(set, size, { shuffle: false, seed: 0, epoch: 0 }).next().value!;
  return batchTensors(set, batch);
}

export async function runSurgery(options: {
  ebDir: string;
  spec: ModelSpec;
  data: DataSplits;
  batchSize: number;
  /** The run's optimizer and base learning rate: the speed probe times the step the retrain takes. */
  optimizer: OptimizerSettings;
  learningRate: number;
  saveSlim(model: tf.LayersModel, spec: ModelSpec): Promise<void>;
  /** Called when the cut is done and the checks begin (their energy is not the ticket's cost). */
  onChecksStart?(): Promise<void> | void;
}): Promise<SurgeryOutcome> {
  const started = performance.now();
  const meta = readCheckpointMeta(options.ebDir);
  const bits = meta.extra?.mask as Record<string, number[]>;
  const mask: Record<string, Uint8Array> = {};
  for (const [layer, keep] of Object.entries(bits)) mask[layer] = Uint8Array.from(keep);

  const dense = buildModel(options.spec);
  await restoreWeights(options.ebDir, dense);
  const slim = slimModel(dense, options.spec, mask);
  await options.saveSlim(slim.model, slim.spec);
  const surgerySeconds = (performance.now() - started) / 1000;
  await options.onChecksStart?.();

  const { xs, labels } = firstBatch(options.data, options.batchSize);
  const zeroed = buildModel(options.spec);
  zeroed.setWeights(dense.getWeights());
  zeroPrunedChannels(zeroed, mask);
  const difference = tf.tidy(() => {
    const a = forTraining(slim.model).apply(xs, { training: false }) as tf.Tensor;
    const b = forTraining(zeroed).apply(xs, { training: false }) as tf.Tensor;
    return a.sub(b).abs().max();
  });
  const maxAbsDifference = (await difference.data())[0]!;
  difference.dispose();
  zeroed.dispose();
  const speed = await measureSpeedup(dense, slim.model, xs, labels, options.spec.numClasses, { warmup: 1, repeats: 3, optimizer: options.optimizer, learningRate: options.learningRate });
  const denseStats = modelStats(dense);
  const slimStats = modelStats(slim.model);
  tf.dispose([xs, labels]);
  dense.dispose();
  slim.model.dispose();
  return {
    slimSpec: slim.spec,
    seconds: surgerySeconds,
    slim: {
      params: { dense: denseStats.params, slim: slimStats.params },
      flops: { dense: denseStats.flops, slim: slimStats.flops },
      flopReduction: denseStats.flops / slimStats.flops,
      speedup: { train: speed.train.speedup, inference: speed.inference.speedup },
      maxAbsDifference,
    },
  };
}
