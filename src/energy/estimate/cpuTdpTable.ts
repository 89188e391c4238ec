/**
 * Thermal design power of common CPUs, per package, with the threads one package runs. Used only by
 * the estimate when no counter can be read. Values are the vendors' base/default TDP (Intel "base
 * power" for 12th gen and later, AMD "default TDP"); `threads` lets a VM that sees 2 of 128 threads
 * claim 2/128 of the package rather than all of it.
 */

export interface CpuTdpEntry {
  /** Model key as it appears inside the model string, lower case, e.g. `i7-8700k`, `epyc 7763`. */
  key: string;
  tdpWatts: number;
  threads: number;
}

/** CodeCarbon's constant for a CPU it cannot find in its table. */
export const DEFAULT_TDP_WATTS = 85;

export const CPU_TDP_TABLE: readonly CpuTdpEntry[] = [
  // Intel desktop
  { key: 'core ultra 9 285k', tdpWatts: 125, threads: 24 },
  { key: 'i9-14900k', tdpWatts: 125, threads: 32 },
  { key: 'i9-13900k', tdpWatts: 125, threads: 32 },
  { key: 'i7-13700k', tdpWatts: 125, threads: 24 },
  { key: 'i5-13600k', tdpWatts: 125, threads: 20 },
  { key: 'i9-12900k', tdpWatts: 125, threads: 24 },
  { key: 'i7-12700k', tdpWatts: 125, threads: 20 },
  { key: 'i5-12600k', tdpWatts: 125, threads: 16 },
  { key: 'i5-12400', tdpWatts: 65, threads: 12 },
  { key: 'i9-10900k', tdpWatts: 125, threads: 20 },
  { key: 'i7-10700k', tdpWatts: 125, threads: 16 },
  { key: 'i9-9900k', tdpWatts: 95, threads: 16 },
  { key: 'i7-9700k', tdpWatts: 95, threads: 8 },
  { key: 'i7-8700k', tdpWatts: 95, threads: 12 },
  { key: 'i7-7700k', tdpWatts: 91, threads: 8 },
  { key: 'i7-6700k', tdpWatts: 91, threads: 8 },
  // Intel laptop
  { key: 'core ultra 7 155h', tdpWatts: 28, threads: 22 },
  { key: 'i9-13900h', tdpWatts: 45, threads: 20 },
  { key: 'i7-13700h', tdpWatts: 45, threads: 20 },
  { key: 'i7-12700h', tdpWatts: 45, threads: 20 },
  { key: 'i7-1360p', tdpWatts: 28, threads: 16 },
  { key: 'i7-1260p', tdpWatts: 28, threads: 16 },
  { key: 'i7-1185g7', tdpWatts: 28, threads: 8 },
  { key: 'i7-1165g7', tdpWatts: 28, threads: 8 },
  { key: 'i5-1135g7', tdpWatts: 28, threads: 8 },
  { key: 'i7-10510u', tdpWatts: 15, threads: 8 },
  { key: 'i7-8550u', tdpWatts: 15, threads: 8 },
  // Intel server
  { key: 'xeon platinum 8480', tdpWatts: 350, threads: 112 },
  { key: 'xeon platinum 8380', tdpWatts: 270, threads: 80 },
  { key: 'xeon platinum 8259cl', tdpWatts: 210, threads: 48 },
  { key: 'xeon platinum 8175m', tdpWatts: 240, threads: 48 },
  { key: 'xeon gold 6338', tdpWatts: 205, threads: 64 },
  { key: 'xeon gold 6248', tdpWatts: 150, threads: 40 },
  { key: 'xeon gold 6230', tdpWatts: 125, threads: 40 },
  { key: 'xeon silver 4210', tdpWatts: 85, threads: 20 },
  { key: 'xeon e5-2680 v4', tdpWatts: 120, threads: 28 },
  { key: 'xeon e5-2620 v3', tdpWatts: 85, threads: 12 },
  { key: 'xeon e-2288g', tdpWatts: 95, threads: 16 },
  // AMD desktop
  { key: 'ryzen 9 7950x', tdpWatts: 170, threads: 32 },
  { key: 'ryzen 9 7900x', tdpWatts: 170, threads: 24 },
  { key: 'ryzen 7 7800x3d', tdpWatts: 120, threads: 16 },
  { key: 'ryzen 7 7700x', tdpWatts: 105, threads: 16 },
  { key: 'ryzen 5 7600x', tdpWatts: 105, threads: 12 },
  { key: 'ryzen 9 5950x', tdpWatts: 105, threads: 32 },
  { key: 'ryzen 9 5900x', tdpWatts: 105, threads: 24 },
  { key: 'ryzen 7 5800x', tdpWatts: 105, threads: 16 },
  { key: 'ryzen 5 5600x', tdpWatts: 65, threads: 12 },
  { key: 'ryzen 9 3900x', tdpWatts: 105, threads: 24 },
  { key: 'ryzen 7 3700x', tdpWatts: 65, threads: 16 },
  { key: 'ryzen 5 3600', tdpWatts: 65, threads: 12 },
  // AMD laptop
  { key: 'ryzen 7 7840u', tdpWatts: 28, threads: 16 },
  { key: 'ryzen 7 5800h', tdpWatts: 45, threads: 16 },
  { key: 'ryzen 7 5800u', tdpWatts: 15, threads: 16 },
  // AMD server and workstation
  { key: 'epyc 9654', tdpWatts: 360, threads: 192 },
  { key: 'epyc 9554', tdpWatts: 360, threads: 128 },
  { key: 'epyc 7763', tdpWatts: 280, threads: 128 },
  { key: 'epyc 7742', tdpWatts: 225, threads: 128 },
  { key: 'epyc 7543', tdpWatts: 225, threads: 64 },
  { key: 'epyc 7502', tdpWatts: 180, threads: 64 },
  { key: 'epyc 7402', tdpWatts: 180, threads: 48 },
  { key: 'epyc 7313', tdpWatts: 155, threads: 32 },
  { key: 'epyc 7302', tdpWatts: 155, threads: 32 },
  { key: 'threadripper 3990x', tdpWatts: 280, threads: 128 },
];

/** Lower case, trademarks and clock speed removed, single spaces: "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz" → "intel core i7-8700k cpu". */
export function normaliseCpuModel(model: string): string {
  return model
    .toLowerCase()
    .replace(/\((r|tm)\)|[®™]/g, ' ')
    .replace(/@.*$/, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The entry whose key appears in the model string as a whole word; an `f` suffix (Intel parts
 * without graphics, same TDP) is allowed, any other suffix is a different part (7950X3D ≠ 7950X).
 * Longest key first, so "ryzen 7 7800x3d" wins over shorter keys.
 */
export function lookupCpuTdp(model: string, table: readonly CpuTdpEntry[] = CPU_TDP_TABLE): CpuTdpEntry | null {
  const normalised = normaliseCpuModel(model);
  const byLength = [...table].sort((a, b) => b.key.length - a.key.length);
  for (const entry of byLength) {
    const escaped = entry.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(^|[^a-z0-9])${escaped}f?(?![a-z0-9])`).test(normalised)) return entry;
  }
  return null;
}
