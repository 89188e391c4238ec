/**
 * A data-parallel replica: its own TF.js backend (wasm with earlybird's kernels) and its own copy
 * of the model. Each step it loads the main thread's weights, computes its shard's gradients and
 * writes them, with its BatchNorm running statistics, into shared memory.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, type BackendChoice } from '../../backend/selectBackend.ts';
import { forTraining } from '../evaluate.ts';
import { shardGradients } from './gradientStep.ts';
import type { FromReplica, ReplicaInit, ToReplica } from './protocol.ts';

const init = workerData as ReplicaInit;
const port = parentPort!;
const send = (message: FromReplica) => port.postMessage(message);

async function start() {
  await selectBackend(init.backend as BackendChoice);
  const model = await tf.models.modelFromJSON({ modelTopology: init.modelTopology as tf.io.ModelJSON['modelTopology'] });
  const net = forTraining(model);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const nonTrainable = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const all = [...trainable, ...nonTrainable];
  const sizes = [...init.trainableSizes, ...init.nonTrainableSizes];
  if (all.length !== sizes.length || all.some((v, i) => v.size !== sizes[i])) {
    throw new Error('replica model does not match the main model\'s weights');
  }
  const weights = new Float32Array(init.weights);
  const images = new Float32Array(init.images);
  const labels = new Int32Array(init.labels);
  const grads = new Float32Array(init.grads);
  const nonTrainableOut = new Float32Array(init.nonTrainable);
  const [h, w, c] = init.imageShape;

  const loadWeights = () => {
    let offset = 0;
    for (const v of all) {
      v.assign(tf.tensor(weights.subarray(offset, offset + v.size), v.shape));
      offset += v.size;
    }
  };

  port.on('message', (message: ToReplica) => {
    try {
      if (message.type === 'snapshot') {
        const out = new Float32Array(weights.length);
        let offset = 0;
        for (const v of all) {
          out.set(v.dataSync() as Float32Array, offset);
          offset += v.size;
        }
        send({ type: 'snapshot', weights: out });
        return;
      }
      const n = message.size;
      const { value, correct, grads: g } = tf.tidy(() => {
        loadWeights();
        const xs = tf.tensor4d(images.subarray(0, n * h * w * c), [n, h, w, c]);
        const ys = tf.tensor1d(labels.subarray(0, n), 'int32');
        return shardGradients(net, trainable, xs, ys, init.numClasses);
      });
      let offset = 0;
      for (const v of trainable) {
        grads.set(g[v.name]!.dataSync() as Float32Array, offset);
        offset += v.size;
      }
      offset = 0;
      for (const v of nonTrainable) {
        nonTrainableOut.set(v.dataSync() as Float32Array, offset);
        offset += v.size;
      }
      const loss = value.dataSync()[0]!;
      const correctCount = correct.dataSync()[0]!;
      tf.dispose([value, correct, ...Object.values(g)]);
      send({ type: 'stepped', loss, correct: correctCount });
    } catch (error) {
      send({ type: 'error', message: (error as Error).stack ?? String(error) });
    }
  });
  send({ type: 'ready' });
}

start().catch((error: Error) => send({ type: 'error', message: error.stack ?? String(error) }));
