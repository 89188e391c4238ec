/**
 * Data-parallel gradients across worker threads (K replicas of the model, each with its own wasm
 * backend, so each runs on its own core).
 *
 * Each step the batch is split into K contiguous shards (sizes differ by at most one). The main
 * thread computes shard 0 on its own model while workers 1..K-1 compute theirs; their gradients
 * and BatchNorm running statistics come back through SharedArrayBuffers (no JSON, no copies
 * through messages). The gradients are combined on the main thread as Σ (nᵢ/B)·gᵢ, always in
 * shard order, so a run is deterministic for a given seed and K. The loop then applies the
 * callbacks and the optimizer once, on the main model, and the next step starts by writing the
 * main model's weights to shared memory, which every replica loads: all replicas hold
 * bit-identical weights at every step, and whatever a callback did to the weights (masks,
 * checkpoints restored, surgery) reaches them.
 *
 * BatchNorm: each replica normalises with its own shard's statistics, i.e. ghost batch norm with
 * batches of B/K. Running statistics: each replica updates them from its shard, and the main model
 * keeps their shard-size-weighted mean (elementwise; a weight no replica changed stays exact).
 */
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import type { Batch, ImageSet } from '../../data/types.ts';
import { batchTensors } from '../batchTensors.ts';
import type { GradientStep, StepGradients } from './gradientStep.ts';
import { shardGradients } from './gradientStep.ts';
import type { FromReplica, ReplicaInit, ToReplica } from './protocol.ts';

const WORKER_URL = new URL('./replicaWorker.mjs', import.meta.url);

interface Replica {
  worker: Worker;
  images: Float32Array;
  labels: Int32Array;
  grads: Float32Array;
  nonTrainable: Float32Array;
  /** Settles the request in flight. */
  pending: { resolve: (m: FromReplica) => void; reject: (e: Error) => void } | null;
  failure: Error | null;
}

export interface DataParallelOptions {
  model: tf.LayersModel;
  /** The logits view of `model` that the loss is computed on. */
  net: tf.LayersModel;
  workers: number;
  batchSize: number;
  numClasses: number;
  imageShape: [number, number, number];
}

/** Shard sizes of a batch of `n` over `k` replicas: contiguous, differing by at most one. */
export function shardSizes(n: number, k: number): number[] {
  const parts = Math.min(k, n);
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

export class DataParallelGradientStep implements GradientStep {
  private readonly trainable: tf.Variable[];
  private readonly nonTrainable: tf.Variable[];
  private readonly weights: Float32Array;
  private constructor(
    private readonly options: DataParallelOptions,
    private readonly replicas: Replica[],
    weights: SharedArrayBuffer,
  ) {
    this.trainable = options.model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.nonTrainable = options.model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
    this.weights = new Float32Array(weights);
  }

  /** Starts K − 1 replica workers (the main thread is replica 0) and waits until each is ready. */
  static async start(options: DataParallelOptions): Promise<DataParallelGradientStep> {
    const { model, workers: k, batchSize, imageShape } = options;
    if (!Number.isInteger(k) || k < 2) throw new RangeError(`workers: expected an integer ≥ 2 for data parallelism, got ${k}`);
    const trainableSizes = model.trainableWeights.map((w) => w.read().size);
    const nonTrainableSizes = model.nonTrainableWeights.map((w) => w.read().size);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const weights = new SharedArrayBuffer(4 * (sum(trainableSizes) + sum(nonTrainableSizes)));
    const maxShard = Math.ceil(batchSize / k);
    const imageSize = imageShape[0] * imageShape[1] * imageShape[2];
    const replicas: Replica[] = [];
    const inits: ReplicaInit[] = [];
    const topology = model.toJSON(null, false);
    const backend = tf.getBackend();
    for (let i = 1; i < k; i++) {
      const buffers = {
        images: new SharedArrayBuffer(4 * maxShard * imageSize),
        labels: new SharedArrayBuffer(4 * maxShard),
        grads: new SharedArrayBuffer(4 * sum(trainableSizes)),
        nonTrainable: new SharedArrayBuffer(4 * Math.max(1, sum(nonTrainableSizes))),
      };
      const init: ReplicaInit = {
        modelTopology: topology, backend, numClasses: options.numClasses, imageShape,
        weights, trainableSizes, nonTrainableSizes, ...buffers,
      };
      const worker = acquireWorker();
      const replica: Replica = {
        worker,
        images: new Float32Array(buffers.images),
        labels: new Int32Array(buffers.labels),
        grads: new Float32Array(buffers.grads),
        nonTrainable: new Float32Array(buffers.nonTrainable),
        pending: null,
        failure: null,
      };
      const fail = (error: Error) => {
        replica.failure ??= error;
        replica.pending?.reject(error);
        replica.pending = null;
      };
      worker.on('message', (m: FromReplica) => {
        if (m.type === 'error') return fail(new Error(`replica ${i}: ${m.message}`));
        const pending = replica.pending;
        replica.pending = null;
        pending?.resolve(m);
      });
      worker.on('error', (e) => fail(new Error(`replica ${i}: ${e.message}`)));
      worker.on('exit', (code) => fail(new Error(`replica ${i} exited (code ${code})`)));
      inits.push(init);
      replicas.push(replica);
    }
    const step = new DataParallelGradientStep(options, replicas, weights);
    try {
      await Promise.all(replicas.map((r, i) => step.request(r, { type: 'init', init: inits[i]! })));
    } catch (error) {
      await step.dispose();
      throw error;
    }
    return step;
  }

  /** Sends a message and resolves with the replica's answer. */
  private request(replica: Replica, message: ToReplica): Promise<FromReplica> {
    if (replica.failure) return Promise.reject(replica.failure);
    return new Promise((resolve, reject) => {
      replica.pending = { resolve, reject };
      replica.worker.postMessage(message);
    });
  }

  /** The main model's weights into shared memory: what every replica loads before its step. */
  private publishWeights(): void {
    let offset = 0;
    for (const v of [...this.trainable, ...this.nonTrainable]) {
      this.weights.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
  }

  async compute(set: ImageSet, batch: Batch): Promise<StepGradients> {
    const sizes = shardSizes(batch.size, this.replicas.length + 1);
    const imageSize = set.height * set.width * set.channels;
    this.publishWeights();
    // Hand shards 1..K-1 to the workers first, so they run while this thread does shard 0.
    const answers: Promise<FromReplica>[] = [];
    let start = sizes[0]!;
    for (let i = 1; i < sizes.length; i++) {
      const replica = this.replicas[i - 1]!;
      const n = sizes[i]!;
      replica.images.set(batch.images.subarray(start * imageSize, (start + n) * imageSize));
      replica.labels.set(batch.labels.subarray(start, start + n));
      answers.push(this.request(replica, { type: 'step', size: n }));
      start += n;
    }
    const n0 = sizes[0]!;
    const local = tf.tidy(() => {
      const { xs, labels } = batchTensors(set, { images: batch.images.subarray(0, n0 * imageSize), labels: batch.labels.subarray(0, n0), size: n0 });
      return shardGradients(this.options.net, this.trainable, xs, labels, this.options.numClasses);
    });
    const results = await Promise.allSettled(answers);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      tf.dispose([local.value, local.correct, ...Object.values(local.grads)]);
      throw (failed as PromiseRejectedResult).reason;
    }
    const stepped = results.map((r) => (r as PromiseFulfilledResult<FromReplica>).value as Extract<FromReplica, { type: 'stepped' }>);

    const share = sizes.map((s) => s / batch.size);
    // A batch smaller than K leaves the last replicas idle this step.
    const used = this.replicas.slice(0, sizes.length - 1);
    let loss = share[0]! * local.value.dataSync()[0]!;
    let correct = local.correct.dataSync()[0]!;
    stepped.forEach((s, i) => {
      loss += share[i + 1]! * s.loss;
      correct += s.correct;
    });

    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    for (const v of this.trainable) {
      const combined = Float32Array.from(local.grads[v.name]!.dataSync() as Float32Array, (g) => share[0]! * g);
      used.forEach((r, i) => {
        const w = share[i + 1]!;
        for (let j = 0; j < combined.length; j++) combined[j] = combined[j]! + w * r.grads[offset + j]!;
      });
      grads[v.name] = tf.tensor(combined, v.shape);
      offset += v.size;
    }
    tf.dispose([local.value, local.correct, ...Object.values(local.grads)]);
    this.averageNonTrainable(share, used);
    return { loss, correct, grads };
  }

  /** Running statistics: the shard-weighted mean of what each replica computed from its shard. */
  private averageNonTrainable(share: number[], used: Replica[]): void {
    let offset = 0; // into the replicas' nonTrainable buffers
    let published = this.trainable.reduce((a, v) => a + v.size, 0); // into the weights buffer
    for (const v of this.nonTrainable) {
      const mine = v.dataSync() as Float32Array;
      const before = this.weights.subarray(published, published + v.size);
      const out = new Float32Array(v.size);
      let changed = false;
      for (let j = 0; j < v.size; j++) {
        let same = mine[j] === before[j];
        let value = share[0]! * mine[j]!;
        used.forEach((r, i) => {
          const x = r.nonTrainable[offset + j]!;
          if (x !== before[j]) same = false;
          value += share[i + 1]! * x;
        });
        out[j] = same ? before[j]! : value;
        if (out[j] !== mine[j]) changed = true;
      }
      if (changed) tf.tidy(() => v.assign(tf.tensor(out, v.shape)));
      offset += v.size;
      published += v.size;
    }
  }

  /**
   * Each replica's weights as they stand: the weights its last step used, with the running
   * statistics its own shard gave (trainable first, then non-trainable, as `mainWeights`).
   */
  async replicaSnapshots(): Promise<Float32Array[]> {
    const answers = await Promise.all(this.replicas.map((r) => this.request(r, { type: 'snapshot' })));
    return answers.map((a) => (a as Extract<FromReplica, { type: 'snapshot' }>).weights);
  }

  /** The main model's weights in the layout replicas load them (and `replicaSnapshots` returns). */
  mainWeights(): Float32Array {
    this.publishWeights();
    return Float32Array.from(this.weights);
  }

  /** How many values of `mainWeights` are trainable (the rest are running statistics). */
  get trainableSize(): number {
    return this.trainable.reduce((a, v) => a + v.size, 0);
  }

  get workers(): number {
    return this.replicas.length + 1;
  }

  /** Hands the workers back to the pool (a failed one is terminated): the next run starts faster. */
  async dispose(): Promise<void> {
    await Promise.all(this.replicas.map(async (r) => {
      r.worker.removeAllListeners('message');
      r.worker.removeAllListeners('exit');
      r.worker.removeAllListeners('error');
      if (r.failure || r.pending) await r.worker.terminate();
      else {
        r.worker.unref();
        idleWorkers.push(r.worker);
      }
    }));
  }
}

/**
 * Workers kept between training runs of this process (an experiment trains several phases; each
 * worker start loads TF.js and compiles wasm, seconds on a busy machine). Unreferenced, so an idle
 * worker never keeps the process alive.
 */
const idleWorkers: Worker[] = [];

function acquireWorker(): Worker {
  // Referenced while in use: the main thread awaits its answers.
  const worker = idleWorkers.pop() ?? new Worker(WORKER_URL);
  worker.ref();
  return worker;
}
