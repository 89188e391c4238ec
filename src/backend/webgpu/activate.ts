/// <reference types="@webgpu/types" />
/**
 * Starts TF.js's WebGPU backend on the adapter `probeWebGpu` found, so the adapter the report names
 * is the one that runs. `@tensorflow/tfjs-backend-webgpu` expects a browser: it looks for
 * `navigator.gpu` when it is imported and when its backend is built, so Dawn's GPU object is put
 * there first.
 *
 * In Node every read must be asynchronous on this backend: `dataSync()` goes through `readSync`,
 * which needs `OffscreenCanvas` (absent in Node) and fails.
 */
import * as tf from '@tensorflow/tfjs';
import { dawnGpuInstance } from './adapter.ts';
import { instrumentWebGpuBackend } from './counters.ts';
import { registerFastWebGpuKernels } from './trainingKernels.ts';

/**
 * Dispatches recorded before the backend submits its command buffer: tfjs's own 15, kept by
 * measurement. On SwiftShader here (tiny, batch 16, our kernels, busy 2-core VM, two rounds each)
 * 4, 8 and 15 gave 10–16 img/s and 32, 64 and 256 gave 5–9: a submit lets the device start on the
 * work while JavaScript records the rest of the step. EARLYBIRD_WEBGPU_SUBMIT_BATCH overrides it.
 */
export const SUBMIT_BATCH_SIZE = 15;

function submitBatchSize(): number {
  const text = process.env.EARLYBIRD_WEBGPU_SUBMIT_BATCH;
  if (text === undefined || text === '') return SUBMIT_BATCH_SIZE;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`EARLYBIRD_WEBGPU_SUBMIT_BATCH: expected an integer ≥ 1, got "${text}"`);
  return n;
}

let registeredFor: GPUAdapter | null = null;
/** What the backend factory threw on its last try. */
let factoryError: Error | null = null;

type WebGpuModule = typeof import('@tensorflow/tfjs-backend-webgpu');

/**
 * The package's WebGPUBackend class. Node gives a CommonJS package's exports as named exports, but
 * a bundle that inlines the package (bench/gpu-machine/pack.ts) gives them only as `default`.
 */
export function webGpuBackendClass(module: WebGpuModule | { default?: Partial<WebGpuModule> }): WebGpuModule['WebGPUBackend'] {
  const found = (module as Partial<WebGpuModule>).WebGPUBackend ?? (module as { default?: Partial<WebGpuModule> }).default?.WebGPUBackend;
  if (typeof found !== 'function') throw new Error('@tensorflow/tfjs-backend-webgpu exports no WebGPUBackend class');
  return found;
}

function exposeNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator && typeof g.navigator === 'object') {
    if (g.navigator.gpu !== gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

/**
 * Registers the `webgpu` TF.js backend on `adapter` and makes it current. Returns null on success,
 * or the reason it could not start.
 */
export async function activateWebGpu(adapter: GPUAdapter): Promise<string | null> {
  try {
    exposeNavigatorGpu(await dawnGpuInstance());
    const WebGPUBackend = webGpuBackendClass(await import('@tensorflow/tfjs-backend-webgpu'));
    registerFastWebGpuKernels();
    // Training tensors stay on the GPU: small ones are not handed to the cpu backend and uploaded.
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', submitBatchSize());
    if (registeredFor !== adapter) {
      // The package registers a factory of its own that asks for an adapter again; ours uses the
      // probed one, with the same device limits the package requests.
      if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      // tfjs swallows a factory's exception (setBackend just answers false): keep it for the report.
      tf.registerBackend('webgpu', async () => {
        factoryError = null;
        try {
          const features: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
          const limits = adapter.limits;
          const device = await adapter.requestDevice({
            requiredFeatures: features,
            requiredLimits: {
              maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
              maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
              maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
              maxBufferSize: limits.maxBufferSize,
              maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
              maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
            },
          });
          return new WebGPUBackend(device, adapter.info);
        } catch (error) {
          factoryError = error as Error;
          throw error;
        }
      }, 0);
      registeredFor = adapter;
    }
    if (!(await tf.setBackend('webgpu'))) {
      return `the webgpu backend did not initialise (${factoryError ? factoryError.message.split('\n')[0] : 'no reason given by tfjs'})`;
    }
    instrumentWebGpuBackend(tf.backend());
    return null;
  } catch (error) {
    return `failed to start: ${(error as Error).message.split('\n')[0]}`;
  }
}
