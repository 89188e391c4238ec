/**
 * NVIDIA GPUs through NVML. Per device it prefers the board's total-energy counter (Volta and newer:
 * exact, no sampling error, integrated by difference) and falls back to the instantaneous power
 * usage, which the meter integrates by trapezoid.
 */
import type { OpenResult, PowerReading, PowerSource } from '../types.ts';
import { messageOf } from '../types.ts';
import { loadNvmlLibrary, NvmlLoadError, type NvmlDeviceHandle, type NvmlLibrary } from './nvmlLibrary.ts';

/** NVML ships with the driver: libnvidia-ml.so.1 on Linux, nvml.dll (in System32 since driver 450) on Windows. */
export const DEFAULT_NVML_LIBRARY = process.platform === 'win32' ? 'nvml.dll' : 'libnvidia-ml.so.1';

/**
 * The GPUs the training may use, from CUDA_VISIBLE_DEVICES: null when unset (all of them), else the
 * listed indices or UUIDs (prefixes allowed), up to the first entry CUDA itself would reject.
 */
export function parseVisibleDevices(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const entries: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (!/^\d+$/.test(entry) && !/^(GPU|MIG)-/i.test(entry)) break;
    entries.push(entry);
  }
  return entries;
}

type MeteringMode = 'energy-counter' | 'power-usage';

interface NvmlDevice {
  index: number;
  label: string;
  handle: NvmlDeviceHandle;
  mode: MeteringMode;
  /** Counter value (mJ) when the source opened: readings report energy since then. */
  baselineMillijoules: number;
  lastMillijoules: number;
  lastTimeMs: number;
}

export class NvmlPowerSource implements PowerSource {
  readonly name = 'nvml';
  readonly kind = 'measured' as const;
  private closed = false;

  constructor(
    private readonly library: NvmlLibrary,
    private readonly devices: NvmlDevice[],
    private readonly unreadable: string[],
  ) {}

  describe(): string {
    const parts = this.devices.map((device) =>
      device.mode === 'energy-counter'
        ? `${device.label} via its total-energy counter (mJ, by difference)`
        : `${device.label} via power usage (mW, integrated by trapezoid; no energy counter before Volta)`,
    );
    const skipped = this.unreadable.length ? `; not metered: ${this.unreadable.join('; ')}` : '';
    return `NVML (${this.library.path}): ${parts.join('; ')}${skipped}`;
  }

  async read(): Promise<PowerReading[]> {
    if (this.closed) throw new Error('NVML source is closed');
    const results = await Promise.all(this.devices.map((device) => this.readDevice(device)));
    const readings = results.filter((r): r is PowerReading => 'watts' in r);
    if (readings.length === 0) {
      const failures = results.map((r) => ('failure' in r ? r.failure : '')).join('; ');
      throw new Error(`NVML: no GPU could be read: ${failures}`);
    }
    return readings;
  }

  private async readDevice(device: NvmlDevice): Promise<PowerReading | { failure: string }> {
    const [energy, power, utilisation] = await Promise.all([
      device.mode === 'energy-counter' ? this.library.totalEnergyMillijoules(device.handle) : undefined,
      this.library.powerMilliwatts(device.handle),
      this.library.utilisation(device.handle),
    ]);
    const timeMs = Date.now();
    const reading: PowerReading = { source: this.name, device: device.label, timeMs, watts: 0, kind: this.kind };
    if (utilisation.ok) reading.utilisation = utilisation.value.gpuPercent / 100;

    if (energy?.ok) {
      let millijoules = energy.value;
      if (millijoules < device.lastMillijoules) {
        // The counter restarts when the driver reloads: continue from where we were, count nothing for the gap.
        device.baselineMillijoules = millijoules - (device.lastMillijoules - device.baselineMillijoules);
      }
      const elapsedMs = timeMs - device.lastTimeMs;
      const averageWatts = elapsedMs > 0 ? Math.max(0, millijoules - device.lastMillijoules) / elapsedMs : 0;
      reading.counterJoules = (millijoules - device.baselineMillijoules) / 1000;
      reading.watts = power.ok ? power.value / 1000 : averageWatts;
      device.lastMillijoules = millijoules;
      device.lastTimeMs = timeMs;
      return reading;
    }
    if (power.ok) {
      reading.watts = power.value / 1000;
      return reading;
    }
    return { failure: `${device.label}: ${power.message}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The library stays mapped: unloading NVML while its own threads may still run is not safe.
    await this.library.shutdown();
  }
}

/** Loads NVML, initialises it and works out how each GPU can be metered. Never throws. */
export async function openNvmlSource(
  libraryPath: string = DEFAULT_NVML_LIBRARY,
  visibleDevices: string | undefined = process.env.CUDA_VISIBLE_DEVICES,
): Promise<OpenResult<NvmlPowerSource>> {
  const visible = parseVisibleDevices(visibleDevices);
  if (visible !== null && visible.length === 0) {
    return { ok: false, reason: `NVML: CUDA_VISIBLE_DEVICES="${visibleDevices}" hides every GPU from the training, so none is metered` };
  }
  let library: NvmlLibrary;
  try {
    library = await loadNvmlLibrary(libraryPath);
  } catch (error) {
    const driverMissing = error instanceof NvmlLoadError && error.stage === 'library';
    return { ok: false, reason: `NVML: ${messageOf(error)}${driverMissing ? '; no NVIDIA driver here' : ''}` };
  }
  const init = await library.init();
  if (!init.ok) return { ok: false, reason: `NVML: nvmlInit_v2 failed: ${init.message}` };

  const giveUp = async (reason: string): Promise<OpenResult<NvmlPowerSource>> => {
    await library.shutdown();
    return { ok: false, reason };
  };
  const count = await library.deviceCount();
  if (!count.ok) return giveUp(`NVML: nvmlDeviceGetCount_v2 failed: ${count.message}`);
  if (count.value === 0) return giveUp('NVML: the driver is loaded but reports no GPU');

  const devices: NvmlDevice[] = [];
  const unreadable: string[] = [];
  /** GPUs in the box that the training does not use (CUDA_VISIBLE_DEVICES): never metered. */
  const notUsed: string[] = [];
  for (let index = 0; index < count.value; index++) {
    const handle = await library.handleByIndex(index);
    if (!handle.ok) {
      unreadable.push(`gpu${index}: ${handle.message}`);
      continue;
    }
    const name = await library.name(handle.value);
    const label = `gpu${index} ${name.ok ? name.value : 'NVIDIA GPU'}`;
    if (visible !== null) {
      const uuid = visible.some((v) => !/^\d+$/.test(v)) ? await library.uuid(handle.value) : null;
      const used = visible.some((v) => (/^\d+$/.test(v) ? Number(v) === index : uuid?.ok === true && uuid.value.toLowerCase().startsWith(v.toLowerCase())));
      if (!used) {
        notUsed.push(label);
        continue;
      }
    }
    const energy = await library.totalEnergyMillijoules(handle.value);
    if (energy.ok) {
      devices.push({
        index, label, handle: handle.value, mode: 'energy-counter',
        baselineMillijoules: energy.value, lastMillijoules: energy.value, lastTimeMs: Date.now(),
      });
      continue;
    }
    const power = await library.powerMilliwatts(handle.value);
    if (power.ok) {
      devices.push({ index, label, handle: handle.value, mode: 'power-usage', baselineMillijoules: 0, lastMillijoules: 0, lastTimeMs: 0 });
    } else {
      unreadable.push(`${label}: no energy counter (${energy.message}) and no power usage (${power.message})`);
    }
  }
  if (devices.length === 0) {
    return giveUp(notUsed.length && !unreadable.length
      ? `NVML: CUDA_VISIBLE_DEVICES="${visibleDevices}" matches none of ${notUsed.join(', ')}`
      : `NVML: no GPU reports energy or power (${unreadable.join('; ')})`);
  }
  if (notUsed.length) unreadable.push(`${notUsed.join(', ')} (not used by this run: CUDA_VISIBLE_DEVICES="${visibleDevices}")`);
  return { ok: true, source: new NvmlPowerSource(library, devices, unreadable) };
}
