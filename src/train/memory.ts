/**
 * Bounds before work: the least memory one training step of a network needs, and the refusal of a
 * configuration that cannot fit, with the figure, before any epoch starts (instead of "memory access
 * out of bounds" from deep in the wasm heap minutes later).
 *
 * The figure is a lower bound, so nothing that could fit is refused: float32 weights, their
 * gradients and the optimizer's slots (SGD momentum 1, Adam 2 per weight), plus every layer's output
 * for the whole batch, which backpropagation keeps until the backward pass (gradient buffers and
 * kernel scratch come on top and are not counted).
 */
import { totalmem } from 'node:os';
import type { ModelStats } from '../models/types.ts';

const BYTES_PER_FLOAT = 4;
const GiB = 2 ** 30;

/** wasm32: the backend's heap cannot grow past 4 GiB, whatever the machine has. */
export const WASM_HEAP_LIMIT_BYTES = 4 * GiB;

export interface MemoryEstimate {
  /** Lower bound of the bytes one training step holds at once. */
  bytes: number;
  weightBytes: number;
  activationBytes: number;
  /** Floats of all layer outputs for one image. */
  activationsPerImage: number;
}

export function estimateTrainingMemory(stats: ModelStats, inputPerImage: number, batchSize: number, optimizer: 'sgd' | 'adam'): MemoryEstimate {
  const slots = optimizer === 'adam' ? 2 : 1;
  const activationsPerImage = inputPerImage + stats.layers.reduce((sum, layer) => sum + layer.outputShape.reduce((a, b) => a * b, 1), 0);
  const weightBytes = stats.params * (2 + slots) * BYTES_PER_FLOAT;
  const activationBytes = activationsPerImage * batchSize * BYTES_PER_FLOAT;
  return { bytes: weightBytes + activationBytes, weightBytes, activationBytes, activationsPerImage };
}

/** What the backend can hold: the wasm heap limit for wasm, else 80 % of this machine's memory. */
export function memoryLimit(backend: string, machineBytes = totalmem()): { bytes: number; what: string } {
  const machine = { bytes: 0.8 * machineBytes, what: `80 % of this machine's ${formatGiB(machineBytes)}` };
  if (backend === 'wasm' && WASM_HEAP_LIMIT_BYTES < machine.bytes) return { bytes: WASM_HEAP_LIMIT_BYTES, what: 'the 4 GiB the wasm backend can address' };
  return machine;
}

export function formatGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(bytes < GiB ? 2 : 1)} GiB`;
}

/**
 * Null when the step fits; otherwise the refusal in words: the figure, the limit, and the largest
 * batch size that would fit (if any).
 */
export function memoryRefusal(label: string, estimate: MemoryEstimate, batchSize: number, limit: { bytes: number; what: string }): string | null {
  if (estimate.bytes <= limit.bytes) return null;
  const perImage = estimate.activationsPerImage * BYTES_PER_FLOAT;
  const fittingBatch = Math.floor((limit.bytes - estimate.weightBytes) / perImage);
  const advice = fittingBatch >= 1 ? `lower training.batchSize to ${fittingBatch} or less` : 'the weights alone do not fit: choose a smaller model or width';
  return `${label} at batch size ${batchSize} needs at least ${formatGiB(estimate.bytes)} to train ` +
    `(${formatGiB(estimate.weightBytes)} weights, gradients and optimizer slots + ${formatGiB(estimate.activationBytes)} of layer outputs kept for backpropagation), ` +
    `more than ${limit.what}; ${advice}`;
}
