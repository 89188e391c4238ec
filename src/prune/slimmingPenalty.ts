/**
 * Network slimming (Liu et al., 2017) as a training callback: while searching, λ·sign(γ) is added
 * to the gradient of every prunable BatchNorm γ — the subgradient of λ·Σ|γ| — which pushes
 * unimportant channels' scales towards zero so the |γ| ranking separates them.
 */
import * as tf from '@tensorflow/tfjs';
import { prunableGroups } from '../models/index.ts';
import type { TrainCallback, TrainContext } from '../train/callbacks.ts';

export class SlimmingPenalty implements TrainCallback {
  private gammaNames: string[] = [];

  constructor(readonly lambda: number) {}

  onTrainBegin(ctx: TrainContext): void {
    this.gammaNames = prunableGroups(ctx.model).map((g) => {
      const gamma = ctx.model.getLayer(g.bn).trainableWeights.find((w) => w.originalName.endsWith('gamma'));
      if (!gamma) throw new Error(`BatchNorm ${g.bn} has no trainable γ to penalise`);
      return (gamma.read() as tf.Variable).name;
    });
  }

  transformGradients(grads: tf.NamedTensorMap, ctx: TrainContext): void {
    if (this.lambda === 0) return;
    const byName = new Map(ctx.params.map((p) => [p.variable.name, p.variable]));
    for (const name of this.gammaNames) {
      const grad = grads[name];
      const gamma = byName.get(name);
      if (grad && gamma) grads[name] = grad.add(tf.sign(gamma).mul(this.lambda));
    }
  }
}
