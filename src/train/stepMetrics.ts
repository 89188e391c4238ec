/**
 * The training loss and accuracy of an epoch, summed where the step computed them: on the device
 * for a step that hands back tensors (the local step), on the host for one that hands back numbers
 * (the data-parallel step). On a GPU every read of a tensor flushes the queue and waits for it, so
 * the device sums are read every `readEvery` steps and at the end of the epoch, in one read of one
 * two-element tensor; on the CPU backends a read costs nothing worth saving and `readEvery` is 1.
 */
import * as tf from '@tensorflow/tfjs';

/** Steps between reads of the device sums on `backend` (tf.getBackend()'s name). */
export function metricReadInterval(backend: string): number {
  return backend === 'webgpu' ? METRIC_READ_INTERVAL_GPU : 1;
}

/**
 * Steps between reads on a GPU: a read per 16 steps keeps the read-backs below 0.1 per step while
 * progress still moves every step (the batch count) and its loss is at most 16 steps old.
 */
export const METRIC_READ_INTERVAL_GPU = 16;

export class StepMetrics {
  /** [Σ loss · size, Σ correct] of the steps not read yet, on the device. */
  private pending: tf.Tensor1D | null = null;
  private pendingSteps = 0;
  private pendingImages = 0;
  private hostLoss = 0;
  private hostCorrect = 0;
  private epochLoss = 0;
  private epochCorrect = 0;
  private epochImages = 0;
  /** Mean loss and accuracy of the last window read (what per-batch progress shows). */
  lastLoss = Number.NaN;
  lastAccuracy = Number.NaN;

  constructor(private readonly readEvery: number) {
    if (!Number.isInteger(readEvery) || readEvery < 1) throw new Error(`StepMetrics: readEvery must be an integer ≥ 1, got ${readEvery}`);
  }

  /** Adds one step's mean loss and correct count over `size` images; takes ownership of tensors. */
  add(loss: number | tf.Scalar, correct: number | tf.Scalar, size: number): void {
    if (typeof loss === 'number' && typeof correct === 'number') {
      this.hostLoss += loss * size;
      this.hostCorrect += correct;
    } else {
      const next = tf.tidy(() => {
        const step = tf.stack([tf.mul(loss, size), tf.cast(correct, 'float32')]) as tf.Tensor1D;
        return this.pending ? tf.add(this.pending, step) as tf.Tensor1D : step;
      });
      this.pending?.dispose();
      this.pending = next;
      tf.dispose([loss, correct].filter((t): t is tf.Scalar => typeof t !== 'number'));
    }
    this.pendingSteps++;
    this.pendingImages += size;
  }

  /** Whether `readEvery` steps have gone by since the last read. */
  due(): boolean {
    return this.pendingSteps >= this.readEvery;
  }

  /** Reads the pending sums (one read-back when they are on the device) into the epoch's totals. */
  async read(): Promise<void> {
    if (this.pendingSteps === 0) return;
    let loss = this.hostLoss;
    let correct = this.hostCorrect;
    if (this.pending) {
      const [l, c] = await this.pending.data();
      loss += l!;
      correct += c!;
      // Zeros in place of the sums, so that the tensor count stays the same from step to step.
      const zeros = tf.zeros([2]) as tf.Tensor1D;
      this.pending.dispose();
      this.pending = zeros;
    }
    this.lastLoss = loss / this.pendingImages;
    this.lastAccuracy = correct / this.pendingImages;
    this.epochLoss += loss;
    this.epochCorrect += correct;
    this.epochImages += this.pendingImages;
    this.hostLoss = 0;
    this.hostCorrect = 0;
    this.pendingSteps = 0;
    this.pendingImages = 0;
  }

  /** Reads what is pending and returns the epoch's mean loss and accuracy; starts the next epoch. */
  async endEpoch(): Promise<{ loss: number; accuracy: number; images: number }> {
    await this.read();
    const result = { loss: this.epochLoss / this.epochImages, accuracy: this.epochCorrect / this.epochImages, images: this.epochImages };
    this.epochLoss = 0;
    this.epochCorrect = 0;
    this.epochImages = 0;
    return result;
  }

  dispose(): void {
    this.pending?.dispose();
    this.pending = null;
  }
}
