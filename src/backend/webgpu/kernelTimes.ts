/**
 * Where a training step's time goes on the webgpu backend, kernel by kernel.
 *
 * With timestamp queries (a hardware adapter that grants the `timestamp-query` feature) tf.profile
 * reports each kernel's GPU time and that is used. Without them (SwiftShader) every kernel call of
 * one step is recorded — name, input shapes and dtypes, attributes — and each distinct call is
 * replayed on fresh inputs of the same shapes and timed by the wall clock from its first dispatch
 * until the queue reports the work done: wall time per kernel, the compile of its pipeline
 * excluded (one untimed call first).
 */
import * as tf from '@tensorflow/tfjs';
import { getKernelsForBackend, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

export interface KernelTime {
  kernel: string;
  /** Milliseconds per step spent in this kernel (all its calls). */
  ms: number;
  calls: number;
  percent: number;
}

export interface KernelProfile {
  method: 'timestamp-query' | 'wall-time replay';
  kernels: KernelTime[];
}

interface RecordedCall {
  name: string;
  inputs: Record<string, { shape: number[]; dtype: tf.DataType }>;
  attrs: NamedAttrMap;
}

interface QueueOwner {
  device: GPUDevice;
  supportTimestampQuery?: boolean;
  commandEncoder?: GPUCommandEncoder | null;
  submitQueue(): void;
}

/** Runs `step` once, recording every kernel it calls on the webgpu backend. */
async function recordCalls(step: () => Promise<void>): Promise<RecordedCall[]> {
  const calls: RecordedCall[] = [];
  const configs = getKernelsForBackend('webgpu') as KernelConfig[];
  const originals = configs.map((c) => c.kernelFunc);
  configs.forEach((config, i) => {
    const original = originals[i]!;
    (config as { kernelFunc: KernelFunc }).kernelFunc = ((args: { inputs: Record<string, TensorInfo | null>; attrs: NamedAttrMap }) => {
      const inputs: RecordedCall['inputs'] = {};
      for (const [key, t] of Object.entries(args.inputs)) if (t) inputs[key] = { shape: [...t.shape], dtype: t.dtype as tf.DataType };
      calls.push({ name: config.kernelName, inputs, attrs: { ...(args.attrs ?? {}) } });
      return (original as (a: unknown) => unknown)(args);
    }) as unknown as KernelFunc;
  });
  try {
    await step();
  } finally {
    configs.forEach((config, i) => void ((config as { kernelFunc: KernelFunc }).kernelFunc = originals[i]!));
  }
  return calls;
}

async function drain(backend: QueueOwner): Promise<void> {
  if (backend.commandEncoder) backend.submitQueue();
  await backend.device.queue.onSubmittedWorkDone();
}

function freshInput({ shape, dtype }: { shape: number[]; dtype: tf.DataType }): tf.Tensor {
  // Indices (int32) and masks (bool) as zeros stay in range for every kernel that takes them.
  if (dtype === 'float32') return tf.randomNormal(shape, 0, 1, 'float32', 7);
  return tf.zeros(shape, dtype);
}

/** Milliseconds per call of one recorded kernel call, by replaying it `repeats` times. */
async function replay(call: RecordedCall, backend: QueueOwner, repeats: number): Promise<number> {
  const inputs: Record<string, tf.Tensor> = {};
  for (const [key, spec] of Object.entries(call.inputs)) inputs[key] = freshInput(spec);
  const run = () => {
    const out = tf.engine().runKernel(call.name, inputs, call.attrs) as tf.Tensor | tf.Tensor[];
    tf.dispose(out);
  };
  try {
    run();
    await drain(backend);
    const started = performance.now();
    for (let i = 0; i < repeats; i++) run();
    await drain(backend);
    return (performance.now() - started) / repeats;
  } finally {
    tf.dispose(Object.values(inputs));
  }
}

function summarise(byKernel: Map<string, { ms: number; calls: number }>, method: KernelProfile['method']): KernelProfile {
  const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
  const kernels = [...byKernel.entries()]
    .map(([kernel, { ms, calls }]) => ({ kernel, ms, calls, percent: total > 0 ? (100 * ms) / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { method, kernels };
}

/**
 * Per-kernel time of one call of `step` (a training step) on the current webgpu backend. `step`
 * must leave no tensors behind; it runs once more than it is measured (warm-up).
 */
export async function profileWebGpuStep(step: () => Promise<void>, repeats = 2): Promise<KernelProfile> {
  const backend = tf.backend() as unknown as QueueOwner;
  if (tf.getBackend() !== 'webgpu') throw new Error(`profileWebGpuStep: the current backend is ${tf.getBackend()}, not webgpu`);
  await step();
  const byKernel = new Map<string, { ms: number; calls: number }>();
  const add = (name: string, ms: number) => {
    const entry = byKernel.get(name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls++;
    byKernel.set(name, entry);
  };
  if (backend.supportTimestampQuery) {
    const info = await tf.profile(step);
    for (const k of info.kernels) if (!k.name.endsWith('__op')) add(k.name, Number(k.kernelTimeMs));
    return summarise(byKernel, 'timestamp-query');
  }
  const calls = await recordCalls(step);
  const timed = new Map<string, number>();
  for (const call of calls) {
    const key = JSON.stringify([call.name, call.inputs, call.attrs]);
    let ms = timed.get(key);
    if (ms === undefined) {
      ms = await replay(call, backend, repeats);
      timed.set(key, ms);
    }
    add(call.name, ms);
  }
  return summarise(byKernel, 'wall-time replay');
}
