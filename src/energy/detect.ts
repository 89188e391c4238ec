/**
 * Picks the power sources this machine offers: GPUs through NVML, else nvidia-smi; the CPU through
 * RAPL, else the utilisation × TDP estimate. Whatever could not be used is listed with a sentence
 * saying why, which the CLI and the report print as they are.
 */
import { detectAdapterPower, type GpuAdapterIdentity } from './adapterPower.ts';
import { CpuActivityProbe, CpuActivitySource } from './estimate/cpuActivity.ts';
import { openCpuEstimateSource } from './estimate/cpuEstimateSource.ts';
import { openNvidiaSmiSource } from './nvidiaSmi/nvidiaSmiSource.ts';
import { openNvmlSource } from './nvml/nvmlSource.ts';
import { openRaplSource } from './rapl/raplSource.ts';
import type { PowerSource } from './types.ts';

export interface PowerSourceSettings {
  /** Path or soname of NVML (default libnvidia-ml.so.1). */
  nvmlLibrary?: string;
  /** Command for the nvidia-smi fallback (default `nvidia-smi`, looked up on the PATH). */
  nvidiaSmi?: string;
  /** Default /sys/class/powercap. */
  powercapRoot?: string;
  /** Default /proc/stat. */
  procStat?: string;
  /** Default /proc/cpuinfo. */
  cpuInfo?: string;
  /** Default /proc (per-process CPU time of the run). */
  procRoot?: string;
  /** The process whose tree is the run (default this process). */
  rootPid?: number;
  /** Default /proc/self/cgroup and /sys/fs/cgroup (the cores this run may use). */
  procSelfCgroup?: string;
  cgroupRoot?: string;
  /** Overrides the CPU table for the estimate: full-load watts of all logical CPUs together. */
  tdpWatts?: number;
  /** Idle CPU power as a share of TDP for the estimate (default 0.1). */
  idleFraction?: number;
  /** Default /sys/class/drm (amdgpu hwmon power files). */
  drmRoot?: string;
  /** The WebGPU adapter that trains, when it does: GPU power then follows it (see adapterPower.ts). */
  gpuAdapter?: GpuAdapterIdentity;
  /** Sampling interval; nvidia-smi is started with the same period. */
  intervalMs: number;
}

export interface SkippedSource {
  name: string;
  reason: string;
}

export interface DetectedSources {
  sources: PowerSource[];
  skipped: SkippedSource[];
}

export async function detectPowerSources(settings: PowerSourceSettings): Promise<DetectedSources> {
  const [gpu, cpu] = await Promise.all([detectGpu(settings), detectCpu(settings)]);
  return { sources: [...gpu.sources, ...cpu.sources], skipped: [...gpu.skipped, ...cpu.skipped] };
}

async function detectGpu(settings: PowerSourceSettings): Promise<DetectedSources> {
  if (settings.gpuAdapter) return detectAdapterPower(settings.gpuAdapter, settings);
  const skipped: SkippedSource[] = [];
  const nvml = await openNvmlSource(settings.nvmlLibrary);
  if (nvml.ok) return { sources: [nvml.source], skipped };
  skipped.push({ name: 'nvml', reason: nvml.reason });

  const smi = await openNvidiaSmiSource({
    intervalMs: settings.intervalMs,
    ...(settings.nvidiaSmi !== undefined ? { command: settings.nvidiaSmi } : {}),
  });
  if (smi.ok) return { sources: [smi.source], skipped };
  skipped.push({ name: 'nvidia-smi', reason: smi.reason });
  return { sources: [], skipped };
}

async function detectCpu(settings: PowerSourceSettings): Promise<DetectedSources> {
  const rapl = await openRaplSource(settings.powercapRoot);
  if (rapl.ok) {
    // RAPL reads the whole package: the run's share of CPU time says whether others inflated it.
    const activity = await CpuActivityProbe.open(settings).then((probe) => new CpuActivitySource(probe), () => null);
    return { sources: activity ? [rapl.source, activity] : [rapl.source], skipped: [] };
  }
  const estimate = await openCpuEstimateSource(settings);
  return { sources: [estimate], skipped: [{ name: 'rapl', reason: rapl.reason }] };
}
