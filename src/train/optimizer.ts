/**
 * SGD with momentum and weight decay (PyTorch semantics: g ← g + wd·w; v ← μ·v + g; w ← w − lr·v),
 * or Adam with the same L2 weight decay. Written here rather than taken from tf.train so the
 * learning rate can change per epoch and the state can be saved in a checkpoint and restored.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSettings } from '../core/optimizerSettings.ts';

export { DEFAULT_OPTIMIZER, type OptimizerSettings } from '../core/optimizerSettings.ts';

/** Optimizer state as plain arrays, keyed by slot and parameter key, for checkpoints. */
export interface OptimizerState {
  kind: OptimizerSettings['kind'];
  step: number;
  slots: Record<string, { shape: number[]; values: number[] | Float32Array }>;
}

/** A trainable variable with a key that stays the same across processes (the layer weight's name). */
export interface TrainableParam {
  key: string;
  variable: tf.Variable;
}

export class Optimizer {
  private readonly slots = new Map<string, tf.Variable>();
  private step = 0;

  constructor(readonly settings: OptimizerSettings) {}

  private slot(kind: string, param: TrainableParam): tf.Variable {
    const key = `${kind}:${param.key}`;
    const variable = param.variable;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = tf.variable(tf.zerosLike(variable), false);
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Applies gradients (keyed by tf variable name) to the parameters; disposes nothing it was given. */
  apply(params: TrainableParam[], grads: tf.NamedTensorMap, learningRate: number): void {
    this.step++;
    const { weightDecay, momentum, beta1, beta2, epsilon } = this.settings;
    tf.tidy(() => {
      for (const param of params) {
        const variable = param.variable;
        const raw = grads[variable.name];
        if (!raw) continue;
        const grad = weightDecay > 0 ? raw.add(variable.mul(weightDecay)) : raw;
        if (this.settings.kind === 'sgd') {
          const velocity = this.slot('velocity', param);
          const next = momentum > 0 ? velocity.mul(momentum).add(grad) : grad;
          if (momentum > 0) velocity.assign(next);
          variable.assign(variable.sub(next.mul(learningRate)));
        } else {
          const m = this.slot('m', param);
          const v = this.slot('v', param);
          const mNext = m.mul(beta1).add(grad.mul(1 - beta1));
          const vNext = v.mul(beta2).add(grad.square().mul(1 - beta2));
          m.assign(mNext);
          v.assign(vNext);
          const stepSize = (learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
          variable.assign(variable.sub(mNext.div(vNext.sqrt().add(epsilon)).mul(stepSize)));
        }
      }
    });
  }

  async getState(): Promise<OptimizerState> {
    const slots: OptimizerState['slots'] = {};
    for (const [key, slot] of this.slots) slots[key] = { shape: slot.shape, values: (await slot.data()) as Float32Array };
    return { kind: this.settings.kind, step: this.step, slots };
  }

  /** Restores a saved state; slots for variables that no longer exist are ignored. */
  setState(state: OptimizerState, params: TrainableParam[]): void {
    if (state.kind !== this.settings.kind) {
      throw new Error(`optimizer state is for ${state.kind}, this optimizer is ${this.settings.kind}`);
    }
    this.dispose();
    this.step = state.step;
    const keys = new Set(params.map((p) => p.key));
    for (const [key, { shape, values }] of Object.entries(state.slots)) {
      if (!keys.has(key.slice(key.indexOf(':') + 1))) continue;
      this.slots.set(key, tf.variable(tf.tensor(Float32Array.from(values), shape), false));
    }
  }

  dispose(): void {
    for (const slot of this.slots.values()) slot.dispose();
    this.slots.clear();
  }
}
