/**
 * What a training step costs the WebGPU backend besides arithmetic: dispatches (compute passes'
 * dispatchWorkgroups), queue submits and read-backs (each asynchronous read of a tensor flushes
 * the queue and waits for the GPU). Counted by wrapping the backend instance's own methods of
 * tfjs-backend-webgpu 4.22 (`recordAndSubmit`, `submitQueue`, `read`); the benchmark divides them
 * by the steps it ran.
 */
export interface WebGpuCounts {
  dispatches: number;
  submits: number;
  readbacks: number;
}

const counts: WebGpuCounts = { dispatches: 0, submits: 0, readbacks: 0 };
const instrumented = new WeakSet<object>();

type Method = (...args: unknown[]) => unknown;

function wrap(target: Record<string, unknown>, name: string, count: keyof WebGpuCounts): void {
  const original = target[name];
  if (typeof original !== 'function') throw new Error(`the webgpu backend has no ${name}() to count (tfjs-backend-webgpu changed?)`);
  target[name] = function (this: unknown, ...args: unknown[]) {
    counts[count]++;
    return (original as Method).apply(this, args);
  };
}

/** Starts counting on a WebGPUBackend instance; idempotent. */
export function instrumentWebGpuBackend(backend: object): void {
  if (instrumented.has(backend)) return;
  instrumented.add(backend);
  const target = backend as Record<string, unknown>;
  wrap(target, 'recordAndSubmit', 'dispatches');
  wrap(target, 'submitQueue', 'submits');
  wrap(target, 'read', 'readbacks');
}

/** The counts so far in this process (a copy). */
export function webGpuCounts(): WebGpuCounts {
  return { ...counts };
}
