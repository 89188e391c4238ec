/**
 * Picks the TF.js backend that trains fastest on this machine and says why the better ones were
 * skipped. Order unless the user names one: tfjs-node-gpu (CUDA), only when it really places ops on
 * the GPU → webgpu (Dawn: Vulkan, D3D12 or Metal) on a hardware adapter → tfjs-node (libtensorflow
 * CPU) → wasm with this project's gradient kernels → the pure-JS cpu backend (about 35x slower than
 * wasm). `auto` never picks a software WebGPU adapter (SwiftShader, lavapipe, a fallback adapter):
 * it emulates a GPU on the CPU, slower than wasm; `webgpu` asked for by name accepts one, with a
 * warning.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { nativeKernelVariant } from './wasm/nativeKernels.ts';
import { registerFastWasmKernels } from './wasm/registerFastKernels.ts';
import { activateWebGpu } from './webgpu/activate.ts';
import { adapterLabel, probeWebGpu, SOFTWARE_WARNING, type AdapterReport, type WebGpuProbe } from './webgpu/adapter.ts';

export type { AdapterReport } from './webgpu/adapter.ts';

import { BACKEND_CHOICES, type BackendChoice } from '../core/config.ts';

export { BACKEND_CHOICES, type BackendChoice };
type Candidate = Exclude<BackendChoice, 'auto'>;

export interface BackendReport {
  /** What the user asked for. */
  requested: BackendChoice;
  /** Our name of what runs. */
  choice: Candidate;
  /** TF.js's name of the active backend (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  tfBackend: string;
  /** One human line: what runs and how. */
  description: string;
  /** Better candidates that were passed over, each with the reason. */
  skipped: { choice: Candidate; reason: string }[];
  /** The WebGPU adapter that runs, when the choice is webgpu. */
  adapter?: AdapterReport;
  /** What the user should know about the choice (a software adapter, ops placed on the CPU). */
  warnings: string[];
}

const ORDER: Candidate[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];
const require = createRequire(import.meta.url);

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** A CUDA device is visible when the NVIDIA kernel driver lists one. */
function hasCudaDevice(): boolean {
  return existsSync('/proc/driver/nvidia/gpus') || existsSync('/dev/nvidia0');
}

/**
 * tfjs-node-gpu falls back to the CPU without a word when the CUDA 11.2 / cuDNN 8.1 runtimes are
 * missing; its backend says whether it found a GPU device (`isUsingGpuDevice`).
 */
export function gpuPlacementProblem(backend: unknown): string | null {
  const usingGpu = (backend as { isUsingGpuDevice?: boolean } | null)?.isUsingGpuDevice;
  if (usingGpu === false) {
    return 'tfjs-node-gpu loaded but placed ops on the CPU (libtensorflow found no usable GPU: CUDA 11.2 and cuDNN 8.1 runtimes are needed)';
  }
  return null;
}

async function tryNative(pkg: string, needGpu = false): Promise<string | null> {
  if (!isInstalled(pkg)) return `not installed (${pkg} is optional: its install downloads libtensorflow)`;
  try {
    await import(pkg);
    if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but the tensorflow backend did not initialise`;
    if (needGpu) {
      const problem = gpuPlacementProblem(tf.backend());
      if (problem) return problem;
    }
    return null;
  } catch (error) {
    return `failed to load: ${(error as Error).message.split('\n')[0]}`;
  }
}

async function tryWasm(threads: number | undefined): Promise<string | null> {
  try {
    // Compile every wasm function to optimised code at once. With V8's default dynamic tiering a
    // function is optimised only once hot, and the data-parallel replicas took many epochs to get
    // there (two-replica lenet5-bn in one process: 1.8–2.0 s epochs for the first network, 1.3 s
    // sixteen epochs later; with this flag 1.4–1.5 s from the second epoch), so a run's first phase
    // paid for it. Process-wide, for every module compiled after this call.
    setFlagsFromString('--no-wasm-dynamic-tiering');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (threads) wasm.setThreadsCount(threads);
    registerFastWasmKernels();
    if (!(await tf.setBackend('wasm'))) return 'the wasm backend did not initialise';
    return null;
  } catch (error) {
    return `failed to load: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** What a started candidate adds to the report. */
interface Started {
  adapter?: AdapterReport;
  warnings: string[];
}

let webGpuProbe: Promise<WebGpuProbe> | null = null;

/** Dawn's adapter, asked for once per process (it does not change while we run). */
export function webGpuAdapter(): Promise<WebGpuProbe> {
  webGpuProbe ??= probeWebGpu();
  return webGpuProbe;
}

async function tryWebGpu(requested: BackendChoice, started: Started): Promise<string | null> {
  const probe = await webGpuAdapter();
  if (!probe.ok) return probe.reason;
  if (probe.adapter.software && requested === 'auto') {
    return `only a software adapter, ${adapterLabel(probe.adapter)}: a CPU emulation, never chosen by auto (ask for --backend webgpu to use it anyway)`;
  }
  const reason = await activateWebGpu(probe.gpuAdapter);
  if (reason) return `${adapterLabel(probe.adapter)}: ${reason}`;
  started.adapter = probe.adapter;
  if (probe.adapter.software) started.warnings.push(`webgpu runs on ${adapterLabel(probe.adapter)}, ${SOFTWARE_WARNING}`);
  return null;
}

async function activate(choice: Candidate, requested: BackendChoice, options: SelectOptions, started: Started): Promise<string | null> {
  switch (choice) {
    case 'tensorflow-gpu':
      if (!hasCudaDevice()) return 'no CUDA device (no NVIDIA driver or GPU visible)';
      return tryNative('@tensorflow/tfjs-node-gpu', true);
    case 'webgpu':
      return tryWebGpu(requested, started);
    case 'tensorflow':
      return tryNative('@tensorflow/tfjs-node');
    case 'wasm':
      return tryWasm(options.wasmThreads);
    case 'cpu':
      return (await tf.setBackend('cpu')) ? null : 'the cpu backend did not initialise';
  }
}

function describe(choice: Candidate, started: Started): string {
  switch (choice) {
    case 'tensorflow-gpu':
      return 'tensorflow (tfjs-node-gpu, CUDA)';
    case 'webgpu':
      return `webgpu (Dawn) on ${started.adapter ? adapterLabel(started.adapter) : 'an unknown adapter'}${started.adapter?.software ? ', software emulation' : ''}`;
    case 'tensorflow':
      return 'tensorflow (tfjs-node, libtensorflow CPU)';
    case 'wasm': {
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
      return `wasm (XNNPACK, ${simd}, earlybird kernels: ${nativeKernelVariant() === 'relaxed-simd' ? 'relaxed SIMD with FMA' : 'SIMD'})`;
    }
    case 'cpu':
      return 'cpu (pure JavaScript, slowest)';
  }
}

export interface SelectOptions {
  wasmThreads?: number;
}

let current: BackendReport | null = null;

/** The backend chosen by the last `selectBackend` call in this process, if any. */
export function currentBackend(): BackendReport | null {
  return current;
}

export async function selectBackend(requested: BackendChoice = 'auto', options: SelectOptions = {}): Promise<BackendReport> {
  if (!BACKEND_CHOICES.includes(requested)) {
    throw new Error(`backend: unknown "${String(requested)}"; expected one of ${BACKEND_CHOICES.join(', ')}`);
  }
  // TF.js prints an advert for tfjs-node when it creates its cpu backend unless IS_TEST is set; we
  // report the backend ourselves. IS_TEST also turns on per-kernel leak checks, so it is only set
  // while backends start.
  const wasTest = tf.env().getBool('IS_TEST');
  tf.env().set('IS_TEST', true);
  try {
    return await selectFrom(requested, options);
  } finally {
    tf.env().set('IS_TEST', wasTest);
  }
}

async function selectFrom(requested: BackendChoice, options: SelectOptions): Promise<BackendReport> {
  const candidates = requested === 'auto' ? ORDER : [requested];
  const skipped: BackendReport['skipped'] = [];
  for (const choice of candidates) {
    const started: Started = { warnings: [] };
    const reason = await activate(choice, requested, options, started);
    if (reason === null) {
      await tf.ready();
      current = {
        requested, choice, tfBackend: tf.getBackend(), description: describe(choice, started), skipped,
        ...(started.adapter ? { adapter: started.adapter } : {}), warnings: started.warnings,
      };
      return current;
    }
    skipped.push({ choice, reason });
  }
  const reasons = skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ');
  throw new Error(`backend: could not start ${requested === 'auto' ? 'any backend' : requested} (${reasons})`);
}
