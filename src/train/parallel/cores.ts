/**
 * How many cores this process may use: the CPU affinity mask (os.availableParallelism) capped by
 * a cgroup v2 CPU quota (containers, Slurm), never below one.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';

/** `cpu.max` is "<quota> <period>" or "max <period>"; the quota in whole cores, rounded up. */
export function cgroupCpuLimit(cpuMax: string | null): number | null {
  if (!cpuMax) return null;
  const [quota, period] = cpuMax.trim().split(/\s+/);
  if (!quota || quota === 'max' || !period) return null;
  const q = Number(quota);
  const p = Number(period);
  if (!(q > 0) || !(p > 0)) return null;
  return Math.max(1, Math.ceil(q / p));
}

function readCgroupCpuMax(): string | null {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return null;
  }
}

export function usableCores(cpuMax: string | null = readCgroupCpuMax()): number {
  const affinity = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const quota = cgroupCpuLimit(cpuMax);
  return Math.max(1, quota === null ? affinity : Math.min(affinity, quota));
}

/**
 * Null when `requested` data-parallel replicas fit the cores this process may use; otherwise why
 * not. More replicas than cores only time-slice the same cores, each with its
 * own copy of the network, so memory grows and nothing gets faster.
 */
export function workersRefusal(requested: number | undefined, cores: number = usableCores()): string | null {
  if (requested === undefined || requested <= cores) return null;
  return `${requested} data-parallel replicas, but this process may use ${cores} core${cores === 1 ? '' : 's'} (CPU affinity and cgroup quota); ` +
    `use at most ${cores}, or leave workers out to use every core`;
}

/**
 * Below this many forward FLOPs per image a second replica does not pay for its messages: on a
 * 2-core VM, lenet5-bn (0.8 M) trained 3,950 img/s alone and 2,600 with two replicas, tiny (2.1 M)
 * 3,950 and 3,650–4,600, vgg-s (58 M) 237 and 300 (the same loop, 4 epochs of 3,600 digits at batch 64, in one process). Replicas
 * that do not pay also cost energy: two cores busy for the same images.
 */
export const DATA_PARALLEL_MIN_FLOPS = 10e6;

/**
 * The replica count a training run uses: what the user asked for, else on the wasm backend
 * (single-threaded per replica) every usable core for a network of at least
 * DATA_PARALLEL_MIN_FLOPS per image and one below it, and 1 elsewhere (native TensorFlow and
 * WebGPU use the cores or the device themselves; the cpu backend is only a fallback).
 */
export function workersFor(requested: number | undefined, backend: string = tf.getBackend(), flopsPerImage?: number): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`workers: expected an integer ≥ 1, got ${requested}`);
    // The replicas read and write weights synchronously, which webgpu in Node cannot do.
    if (requested > 1 && backend === 'webgpu') throw new RangeError(`workers: ${requested} data-parallel replicas need a CPU backend (wasm); on webgpu the GPU runs the whole batch in parallel, use 1`);
    const refusal = workersRefusal(requested);
    if (refusal) throw new RangeError(`training.workers: ${refusal}`);
    return requested;
  }
  if (backend !== 'wasm') return 1;
  return flopsPerImage !== undefined && flopsPerImage < DATA_PARALLEL_MIN_FLOPS ? 1 : usableCores();
}
