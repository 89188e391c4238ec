/**
 * GPU power follows the WebGPU adapter that trains: an NVIDIA adapter is metered through NVML on
 * its matching device (else nvidia-smi), an AMD one on Linux through the amdgpu hwmon files, an
 * Intel integrated GPU through RAPL (it sits in the CPU package, so the package counter already
 * holds its joules); otherwise the report says the GPU's power was not measured, and why.
 */
import { openAmdgpuSource, DEFAULT_DRM_ROOT } from './amdgpu/amdgpuSource.ts';
import { openNvidiaSmiSource } from './nvidiaSmi/nvidiaSmiSource.ts';
import { openNvmlSource } from './nvml/nvmlSource.ts';
import type { PowerReading, PowerSource } from './types.ts';

/** The adapter facts power detection needs (a plain object: it crosses to the sampler thread). */
export interface GpuAdapterIdentity {
  vendor: string;
  architecture: string;
  description: string;
  /** Dawn's device field: a name slug on NVIDIA's Vulkan driver ("nvidia-h100-80gb-hbm3"), else often a PCI id. */
  device?: string;
  software: boolean;
}

export interface AdapterPowerSettings {
  nvmlLibrary?: string;
  nvidiaSmi?: string;
  /** Default /sys/class/drm. */
  drmRoot?: string;
  intervalMs: number;
  platform?: NodeJS.Platform;
}

export interface AdapterPowerResult {
  sources: PowerSource[];
  skipped: { name: string; reason: string }[];
}

const normalise = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '');

/**
 * Whether an NVML device label (`gpu0 NVIDIA H100 80GB HBM3`) names the adapter's GPU: by the
 * adapter's description, or by its device slug where the description is only the driver's version
 * (NVIDIA's Vulkan driver: description "NVIDIA: 580.159.04 580.159.4.0", device "nvidia-h100-80gb-hbm3").
 */
export function labelMatchesAdapter(label: string, description: string, device = ''): boolean {
  const name = normalise(label.replace(/^gpu\d+\s+/, ''));
  if (name.length === 0) return false;
  return [description, device].map(normalise).some((wanted) => wanted.length > 3 && (name.includes(wanted) || wanted.includes(name)));
}

/**
 * Keeps the readings of the devices that are the adapter. When no device name matches, every device
 * is kept and the description says so: the adapter's GPU is among them, but which one is unknown.
 */
export class AdapterFilteredSource implements PowerSource {
  readonly name: string;
  readonly kind: PowerSource['kind'];
  private matched: boolean | null = null;

  constructor(private readonly inner: PowerSource, private readonly adapter: GpuAdapterIdentity) {
    this.name = inner.name;
    this.kind = inner.kind;
  }

  describe(): string {
    const adapter = this.adapter.device ? `"${this.adapter.description}" (${this.adapter.device})` : `"${this.adapter.description}"`;
    const which = this.matched === null
      ? `; the device(s) matching the WebGPU adapter ${adapter}, or every device if none matches`
      : this.matched
        ? `; only the device(s) matching the WebGPU adapter ${adapter}`
        : `; no device name matched the WebGPU adapter ${adapter}, so every device is metered`;
    return `${this.inner.describe()}${which}`;
  }

  async read(): Promise<PowerReading[]> {
    const readings = await this.inner.read();
    const mine = readings.filter((r) => labelMatchesAdapter(r.device, this.adapter.description, this.adapter.device));
    this.matched ??= mine.length > 0;
    return this.matched ? mine : readings;
  }

  close(): Promise<void> | void {
    return this.inner.close();
  }
}

export type AdapterVendor = 'nvidia' | 'amd' | 'intel' | 'apple' | 'other';

export function adapterVendor(adapter: Pick<GpuAdapterIdentity, 'vendor' | 'description'>): AdapterVendor {
  const text = `${adapter.vendor} ${adapter.description}`.toLowerCase();
  if (/nvidia|geforce|quadro|tesla/.test(text)) return 'nvidia';
  if (/\bamd\b|\bati\b|radeon/.test(text)) return 'amd';
  if (/intel/.test(text)) return 'intel';
  if (/apple/.test(text)) return 'apple';
  return 'other';
}

/** Intel's integrated parts (UHD, Iris, HD Graphics) share the CPU package; Arc cards do not. */
export function isIntelIntegrated(adapter: Pick<GpuAdapterIdentity, 'description' | 'architecture'>): boolean {
  return !/\barc\b/i.test(adapter.description) && !/^xe-hpg/i.test(adapter.architecture);
}

/** The GPU power sources for `adapter`, each skipped one with the sentence saying why. */
export async function detectAdapterPower(adapter: GpuAdapterIdentity, settings: AdapterPowerSettings): Promise<AdapterPowerResult> {
  const platform = settings.platform ?? process.platform;
  const skipped: AdapterPowerResult['skipped'] = [];
  const name = adapter.description || `${adapter.vendor} ${adapter.architecture}`.trim() || 'the WebGPU adapter';
  if (adapter.software) {
    skipped.push({ name: 'gpu', reason: `GPU power not measured: ${name} is a software adapter, a GPU emulated on the CPU; its work is in the CPU figure` });
    return { sources: [], skipped };
  }
  switch (adapterVendor(adapter)) {
    case 'nvidia': {
      const nvml = await openNvmlSource(settings.nvmlLibrary);
      if (nvml.ok) return { sources: [new AdapterFilteredSource(nvml.source, adapter)], skipped };
      skipped.push({ name: 'nvml', reason: nvml.reason });
      const smi = await openNvidiaSmiSource({ intervalMs: settings.intervalMs, ...(settings.nvidiaSmi !== undefined ? { command: settings.nvidiaSmi } : {}) });
      if (smi.ok) return { sources: [new AdapterFilteredSource(smi.source, adapter)], skipped };
      skipped.push({ name: 'nvidia-smi', reason: smi.reason });
      return { sources: [], skipped };
    }
    case 'amd': {
      if (platform !== 'linux') {
        skipped.push({ name: 'amdgpu', reason: `GPU power not measured: ${name} is an AMD GPU on ${platform}; only Linux's amdgpu hwmon files are read` });
        return { sources: [], skipped };
      }
      const amd = await openAmdgpuSource(settings.drmRoot ?? DEFAULT_DRM_ROOT);
      if (amd.ok) return { sources: [amd.source], skipped };
      skipped.push({ name: 'amdgpu', reason: amd.reason });
      return { sources: [], skipped };
    }
    case 'intel':
      skipped.push({
        name: 'gpu',
        reason: isIntelIntegrated(adapter)
          ? `GPU power not metered separately: ${name} is integrated in the CPU package, so its joules are inside the RAPL package figure (RAPL's uncore zone), when RAPL is readable`
          : `GPU power not measured: ${name} is a discrete Intel GPU; its hwmon energy file is not read yet`,
      });
      return { sources: [], skipped };
    case 'apple':
      skipped.push({ name: 'gpu', reason: `GPU power not measured: ${name}: macOS reports GPU power only through powermetrics, which needs root` });
      return { sources: [], skipped };
    default:
      skipped.push({ name: 'gpu', reason: `GPU power not measured: no power interface known for ${name} (vendor "${adapter.vendor}")` });
      return { sources: [], skipped };
  }
}
