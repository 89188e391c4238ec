/**
 * CPU thermal design power by model, from CodeCarbon's `cpu_power.csv` (MIT, github.com/mlco2/codecarbon,
 * kept as assets/energy/cpu_power.csv with a Cores column joined from CodeCarbon's own Intel ARK and
 * AMD datasets; see assets/energy/README.md for the credit and how to update it).
 *
 * The estimate needs watts per core, not per package: a VM that may use 2 cores of a 64-core EPYC
 * draws nowhere near its 280 W. Per-core watts = TDP / cores of that model; where the table has no
 * core count, the "N-Core" in the model string (AMD prints it) is used; else the stated default.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../../appRoot.ts';
import { csvRows } from './csvRows.ts';

// From the app root, so the engine bundle (dist/engine/) finds it too.
export const CPU_POWER_TABLE_PATH = join(appRoot(), 'assets', 'energy', 'cpu_power.csv');
export const CPU_POWER_TABLE_SOURCE = "CodeCarbon's cpu_power.csv (MIT)";

/**
 * Watts per core for a CPU the table does not know: the median TDP per core of the table's models
 * with a known core count (8.75 W over the 2,823 such rows of the table shipped here; re-derive with
 * `medianWattsPerCore()` when the table is updated — the test checks they still agree).
 */
export const DEFAULT_WATTS_PER_CORE = 8.75;

export interface CpuPowerEntry {
  /** As CodeCarbon spells it, e.g. "AMD EPYC 7763". */
  name: string;
  tdpWatts: number;
  /** Physical cores of that model, where known. */
  cores: number | null;
  /** The name normalised for matching. */
  key: string;
}

/** Lower case, trademarks, "CPU", "Processor", "N-Core" and the clock speed removed, single spaces. */
export function normaliseCpuName(name: string): string {
  return name
    .toLowerCase()
    .replace(/\((r|tm)\)|[®™]/g, ' ')
    .replace(/@.*$/, ' ')
    .replace(/\b\d+-core\b/g, ' ')
    .replace(/\b(cpu|processor|with radeon.*|w\/ radeon.*)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseCpuPowerTable(text: string): CpuPowerEntry[] {
  const [header, ...rows] = csvRows(text);
  const column = (name: string) => header?.findIndex((h) => h.trim().toLowerCase() === name.toLowerCase()) ?? -1;
  const nameAt = column('Name');
  const tdpAt = column('TDP');
  const coresAt = column('Cores');
  if (nameAt < 0 || tdpAt < 0) throw new Error('CPU power table: expected the columns Name and TDP');
  const entries: CpuPowerEntry[] = [];
  for (const row of rows) {
    const name = row[nameAt]?.trim() ?? '';
    const tdpWatts = Number(row[tdpAt]);
    const cores = coresAt >= 0 && row[coresAt] ? Number(row[coresAt]) : NaN;
    const key = normaliseCpuName(name);
    // A key without a digit ("Xeon", "Athlon") would match whole families: not a model.
    if (!name || !(tdpWatts > 0) || !/\d/.test(key)) continue;
    entries.push({ name, tdpWatts, cores: cores > 0 ? cores : null, key });
  }
  return entries;
}

let loaded: CpuPowerEntry[] | null = null;
/** The shipped table, parsed once. */
export function cpuPowerTable(): CpuPowerEntry[] {
  loaded ??= parseCpuPowerTable(readFileSync(CPU_POWER_TABLE_PATH, 'utf8'));
  return loaded;
}

/**
 * The entry whose normalised name appears in the model string as whole words; the longest such
 * name wins ("epyc 7763" over "7763"). An `f` suffix (Intel parts without graphics, same TDP) is
 * allowed; any other suffix is a different part (7950X3D ≠ 7950X).
 */
export function lookupCpuPower(model: string, table: readonly CpuPowerEntry[] = cpuPowerTable()): CpuPowerEntry | null {
  const normalised = normaliseCpuName(model);
  let best: CpuPowerEntry | null = null;
  for (const entry of table) {
    if (best && entry.key.length <= best.key.length) continue;
    const at = normalised.indexOf(entry.key);
    if (at < 0) continue;
    const before = normalised[at - 1];
    let after = normalised[at + entry.key.length];
    if (after === 'f') after = normalised[at + entry.key.length + 1];
    if ((before === undefined || !/[a-z0-9]/.test(before)) && (after === undefined || !/[a-z0-9]/.test(after))) best = entry;
  }
  return best;
}

/** "AMD EPYC 7763 64-Core Processor" → 64. */
export function coresInModelName(model: string): number | null {
  const match = /\b(\d+)-core\b/i.exec(model);
  return match ? Number(match[1]) : null;
}

/** Median TDP / cores over the entries with a known core count. */
export function medianWattsPerCore(table: readonly CpuPowerEntry[] = cpuPowerTable()): number {
  const perCore = table.filter((e) => e.cores).map((e) => e.tdpWatts / e.cores!).sort((a, b) => a - b);
  if (perCore.length === 0) throw new Error('CPU power table: no entry with a core count');
  const mid = Math.floor(perCore.length / 2);
  return perCore.length % 2 ? perCore[mid]! : (perCore[mid - 1]! + perCore[mid]!) / 2;
}
