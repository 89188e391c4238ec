/** Messages between the data-parallel step (main thread) and its replica workers. */

export interface ReplicaInit {
  /** The model's topology (`model.toJSON(null, false)`); weights come through `weights`. */
  modelTopology: unknown;
  /** TF.js backend the main thread trains on (`wasm`, `cpu`). */
  backend: string;
  numClasses: number;
  imageShape: [number, number, number];
  /** Every weight of the model, trainable ones first, in model order; written by the main thread. */
  weights: SharedArrayBuffer;
  trainableSizes: number[];
  nonTrainableSizes: number[];
  /** This worker's shard: images (float32) and labels (int32), written by the main thread. */
  images: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  /** This worker's results: its shard's mean-loss gradients (trainable order), then its non-trainable weights after the step. */
  grads: SharedArrayBuffer;
  nonTrainable: SharedArrayBuffer;
}

export type ToReplica =
  /** A new model (a new training run); answered by `ready`. */
  | { type: 'init'; init: ReplicaInit }
  | { type: 'step'; size: number }
  /** Send the weights as they are (those of the last step, with its own running statistics): how a test checks the replicas. */
  | { type: 'snapshot' };

export type FromReplica =
  | { type: 'ready' }
  | { type: 'stepped'; loss: number; correct: number }
  | { type: 'snapshot'; weights: Float32Array }
  | { type: 'error'; message: string };
