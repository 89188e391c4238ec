/**
 * AMD GPUs on Linux through the amdgpu driver's hwmon files:
 *   /sys/class/drm/card<N>/device/vendor                       0x1002 (AMD/ATI)
 *   /sys/class/drm/card<N>/device/hwmon/hwmon<M>/name          amdgpu
 *   .../energy1_input   cumulative energy in µJ (where the firmware exposes it): integrated by difference
 *   .../power1_average  average board power in µW (most GPUs before RDNA 3)
 *   .../power1_input    instantaneous power in µW (RDNA 3 and newer report this instead)
 * Power files are integrated by trapezoid by the meter. Reads are asynchronous file reads, so the event
 * loop never waits on sysfs. These files are world-readable on stock kernels: no root needed.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenResult, PowerReading, PowerSource } from '../types.ts';
import { messageOf } from '../types.ts';

export const DEFAULT_DRM_ROOT = '/sys/class/drm';
const AMD_PCI_VENDOR = '0x1002';

type AmdgpuMode = 'energy1_input' | 'power1_average' | 'power1_input';

export interface AmdgpuCard {
  /** `card0` */
  card: string;
  /** PCI device id from device/device, e.g. 0x744c. */
  pciDevice: string;
  hwmon: string;
  mode: AmdgpuMode;
  file: string;
}

interface CardState extends AmdgpuCard {
  baselineUj: number;
  lastUj: number;
  lastTimeMs: number;
}

async function readText(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}

async function readMicro(file: string): Promise<number> {
  const text = await readText(file);
  if (!/^\d+$/.test(text)) throw new Error(`${file} does not hold a number: "${text.slice(0, 40)}"`);
  return Number(text);
}

export type AmdgpuDiscovery = { ok: true; cards: AmdgpuCard[]; unreadable: string[] } | { ok: false; reason: string };

/** Every AMD card with a readable amdgpu hwmon power or energy file, best file first. */
export async function discoverAmdgpuCards(root: string = DEFAULT_DRM_ROOT): Promise<AmdgpuDiscovery> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: `amdgpu: ${root} does not exist (no DRM GPU driver loaded, or not Linux)` };
    return { ok: false, reason: `amdgpu: cannot list ${root}: ${messageOf(error)}` };
  }
  const cards: AmdgpuCard[] = [];
  const unreadable: string[] = [];
  let amdCards = 0;
  for (const card of entries.filter((e) => /^card\d+$/.test(e)).sort()) {
    const device = join(root, card, 'device');
    const vendor = await readText(join(device, 'vendor')).catch(() => '');
    if (vendor !== AMD_PCI_VENDOR) continue;
    amdCards++;
    const pciDevice = await readText(join(device, 'device')).catch(() => 'unknown');
    const hwmons = await readdir(join(device, 'hwmon')).catch(() => [] as string[]);
    let found: AmdgpuCard | null = null;
    const problems: string[] = [];
    for (const hwmon of hwmons.sort()) {
      const dir = join(device, 'hwmon', hwmon);
      if ((await readText(join(dir, 'name')).catch(() => '')) !== 'amdgpu') continue;
      for (const mode of ['energy1_input', 'power1_average', 'power1_input'] as const) {
        const file = join(dir, mode);
        try {
          await readMicro(file);
          found = { card, pciDevice, hwmon, mode, file };
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT') problems.push(`${file}: ${messageOf(error)}`);
        }
      }
      if (found) break;
    }
    if (found) cards.push(found);
    else unreadable.push(`${card} (${problems.length ? problems.join('; ') : 'no amdgpu hwmon with energy1_input, power1_average or power1_input'})`);
  }
  if (cards.length === 0) {
    if (amdCards === 0) return { ok: false, reason: `amdgpu: no AMD GPU (PCI vendor ${AMD_PCI_VENDOR}) under ${root}` };
    return { ok: false, reason: `amdgpu: no readable power file: ${unreadable.join('; ')}` };
  }
  return { ok: true, cards, unreadable };
}

export class AmdgpuPowerSource implements PowerSource {
  readonly name = 'amdgpu-hwmon';
  readonly kind = 'measured' as const;

  constructor(
    private readonly root: string,
    private readonly cards: CardState[],
    private readonly unreadable: string[],
  ) {}

  describe(): string {
    const parts = this.cards.map((c) =>
      c.mode === 'energy1_input'
        ? `${c.card} (${c.pciDevice}) via ${c.hwmon}/energy1_input (µJ, by difference)`
        : `${c.card} (${c.pciDevice}) via ${c.hwmon}/${c.mode} (µW, integrated by trapezoid)`,
    );
    const skipped = this.unreadable.length ? `; not metered: ${this.unreadable.join('; ')}` : '';
    return `amdgpu hwmon (${this.root}): ${parts.join('; ')}${skipped}`;
  }

  async read(): Promise<PowerReading[]> {
    const values = await Promise.all(this.cards.map((c) => readMicro(c.file)));
    const timeMs = Date.now();
    return this.cards.map((card, i) => {
      const value = values[i]!;
      const device = `${card.card} amdgpu ${card.pciDevice}`;
      if (card.mode !== 'energy1_input') {
        return { source: this.name, device, timeMs, watts: value / 1e6, kind: this.kind };
      }
      const elapsedMs = timeMs - card.lastTimeMs;
      const deltaUj = Math.max(0, value - card.lastUj);
      card.lastUj = value;
      card.lastTimeMs = timeMs;
      return {
        source: this.name, device, timeMs, kind: this.kind,
        // µJ per ms is mW.
        watts: elapsedMs > 0 ? deltaUj / elapsedMs / 1000 : 0,
        counterJoules: (value - card.baselineUj) / 1e6,
      };
    });
  }

  close(): void {
    // Nothing held open: every read opens and closes its file.
  }
}

/** Never throws: no AMD GPU, or none readable, becomes the reason it was skipped. */
export async function openAmdgpuSource(root: string = DEFAULT_DRM_ROOT): Promise<OpenResult<AmdgpuPowerSource>> {
  const discovery = await discoverAmdgpuCards(root);
  if (!discovery.ok) return discovery;
  try {
    const states: CardState[] = [];
    for (const card of discovery.cards) {
      const value = card.mode === 'energy1_input' ? await readMicro(card.file) : 0;
      states.push({ ...card, baselineUj: value, lastUj: value, lastTimeMs: Date.now() });
    }
    return { ok: true, source: new AmdgpuPowerSource(root, states, discovery.unreadable) };
  } catch (error) {
    return { ok: false, reason: `amdgpu: ${messageOf(error)}` };
  }
}
