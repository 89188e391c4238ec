/**
 * CPU package (and DRAM) energy from Linux RAPL powercap counters. Reads are asynchronous file reads
 * (libuv thread pool), so the event loop never waits on sysfs. Each reading carries the cumulative,
 * unwrapped energy since the source opened, which the meter integrates by difference.
 */
import { join } from 'node:path';
import type { OpenResult, PowerReading, PowerSource } from '../types.ts';
import { counterDelta } from './counter.ts';
import { DEFAULT_POWERCAP_ROOT, discoverRaplZones, readMicrojoules, type RaplZone } from './powercapZones.ts';

interface ZoneCounter {
  zone: RaplZone;
  file: string;
  lastUj: number;
  cumulativeUj: number;
  lastTimeMs: number;
}

export class RaplPowerSource implements PowerSource {
  readonly name = 'rapl';
  readonly kind = 'measured' as const;

  constructor(
    private readonly root: string,
    private readonly counters: ZoneCounter[],
    private readonly notSummed: string[],
  ) {}

  describe(): string {
    const zones = this.counters.map((c) => `${c.zone.label} (${c.zone.id})`).join(', ');
    const skipped = this.notSummed.length ? `; not summed: ${this.notSummed.join(', ')}` : '';
    return `RAPL powercap (${this.root}): energy_uj of ${zones}, by difference with wrap-around at max_energy_range_uj${skipped}`;
  }

  async read(): Promise<PowerReading[]> {
    const values = await Promise.all(this.counters.map((c) => readMicrojoules(c.file)));
    const timeMs = Date.now();
    return this.counters.map((counter, i) => {
      const currentUj = values[i]!;
      const deltaUj = counterDelta(counter.lastUj, currentUj, counter.zone.maxEnergyRangeUj);
      const elapsedMs = timeMs - counter.lastTimeMs;
      counter.cumulativeUj += deltaUj;
      counter.lastUj = currentUj;
      counter.lastTimeMs = timeMs;
      return {
        source: this.name,
        device: counter.zone.label,
        timeMs,
        // µJ per ms is mW.
        watts: elapsedMs > 0 ? deltaUj / elapsedMs / 1000 : 0,
        kind: this.kind,
        counterJoules: counter.cumulativeUj / 1e6,
      };
    });
  }

  close(): void {
    // Nothing held open: every read opens and closes its file.
  }
}

/** Never throws: an absent, empty or unreadable powercap tree becomes the reason it was skipped. */
export async function openRaplSource(root: string = DEFAULT_POWERCAP_ROOT): Promise<OpenResult<RaplPowerSource>> {
  const discovery = await discoverRaplZones(root);
  if (!discovery.ok) return discovery;
  try {
    const counters: ZoneCounter[] = [];
    for (const zone of discovery.zones) {
      const file = join(zone.directory, 'energy_uj');
      counters.push({ zone, file, lastUj: await readMicrojoules(file), cumulativeUj: 0, lastTimeMs: Date.now() });
    }
    return { ok: true, source: new RaplPowerSource(root, counters, discovery.notSummed) };
  } catch (error) {
    return { ok: false, reason: `RAPL: ${(error as Error).message}` };
  }
}
