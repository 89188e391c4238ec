/**
 * A data-parallel replica: its own TF.js backend (wasm with earlybird's kernels) and its own copy
 * of the model. Each step it loads the main thread's weights, computes its shard's gradients and
 * writes them, with its BatchNorm running statistics, into shared memory. A worker outlives one
 * training run: `init` replaces its model (the next phase may train a pruned network).
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { selectBackend, type BackendChoice } from '../../backend/selectBackend.ts';
// Registers earlybird's BatchNormalization and Conv2D for those class names, so the replica
// deserializes the same layers (fused BatchNorm on wasm, lazy conv gradients) as the main thread.
import '../../models/batchNormalization.ts';
import '../../models/conv2d.ts';
import { forTraining } from '../evaluate.ts';
import { shardGradients } from './gradientStep.ts';
import type { FromReplica, ReplicaInit, ToReplica } from './protocol.ts';

const port = parentPort!;
const send = (message: FromReplica) => port.postMessage(message);

interface Replica {
  init: ReplicaInit;
  model: tf.LayersModel;
  net: tf.LayersModel;
  trainable: tf.Variable[];
  nonTrainable: tf.Variable[];
  weights: Float32Array;
  images: Float32Array;
  labels: Int32Array;
  grads: Float32Array;
  nonTrainableOut: Float32Array;
}

let backend: string | null = null;
let replica: Replica | null = null;

async function initialise(init: ReplicaInit): Promise<void> {
  if (backend !== init.backend) {
    await selectBackend(init.backend as BackendChoice);
    backend = init.backend;
  }
  replica?.model.dispose();
  replica = null;
  const model = await tf.models.modelFromJSON({ modelTopology: init.modelTopology as tf.io.ModelJSON['modelTopology'] });
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const nonTrainable = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const sizes = [...init.trainableSizes, ...init.nonTrainableSizes];
  const all = [...trainable, ...nonTrainable];
  if (all.length !== sizes.length || all.some((v, i) => v.size !== sizes[i])) {
    model.dispose();
    throw new Error('replica model does not match the main model\'s weights');
  }
  replica = {
    init, model, net: forTraining(model), trainable, nonTrainable,
    weights: new Float32Array(init.weights),
    images: new Float32Array(init.images),
    labels: new Int32Array(init.labels),
    grads: new Float32Array(init.grads),
    nonTrainableOut: new Float32Array(init.nonTrainable),
  };
}

function loadWeights(r: Replica): void {
  let offset = 0;
  for (const v of [...r.trainable, ...r.nonTrainable]) {
    v.assign(tf.tensor(r.weights.subarray(offset, offset + v.size), v.shape));
    offset += v.size;
  }
}

function writeValues(variables: tf.Variable[], out: Float32Array, from: tf.NamedTensorMap | null = null): void {
  let offset = 0;
  for (const v of variables) {
    out.set((from ? from[v.name]! : v).dataSync() as Float32Array, offset);
    offset += v.size;
  }
}

function step(r: Replica, n: number): FromReplica {
  const [h, w, c] = r.init.imageShape;
  const { value, correct, grads } = tf.tidy(() => {
    loadWeights(r);
    const xs = tf.tensor4d(r.images.subarray(0, n * h * w * c), [n, h, w, c]);
    const ys = tf.tensor1d(r.labels.subarray(0, n), 'int32');
    return shardGradients(r.net, r.trainable, xs, ys, r.init.numClasses);
  });
  writeValues(r.trainable, r.grads, grads);
  writeValues(r.nonTrainable, r.nonTrainableOut);
  const loss = value.dataSync()[0]!;
  const correctCount = correct.dataSync()[0]!;
  tf.dispose([value, correct, ...Object.values(grads)]);
  return { type: 'stepped', loss, correct: correctCount };
}

function snapshot(r: Replica): FromReplica {
  const weights = new Float32Array(r.weights.length);
  let offset = 0;
  for (const v of [...r.trainable, ...r.nonTrainable]) {
    weights.set(v.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  return { type: 'snapshot', weights };
}

port.on('message', (message: ToReplica) => {
  const fail = (error: unknown) => send({ type: 'error', message: (error as Error).stack ?? String(error) });
  try {
    if (message.type === 'init') {
      initialise(message.init).then(() => send({ type: 'ready' }), fail);
      return;
    }
    if (!replica) throw new Error(`replica got "${message.type}" before init`);
    send(message.type === 'step' ? step(replica, message.size) : snapshot(replica));
  } catch (error) {
    fail(error);
  }
});
