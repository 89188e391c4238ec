/**
 * The CPU's model string and how many logical CPUs this machine sees, for the TDP lookup. /proc/cpuinfo
 * answers in a millisecond; systeminformation covers the platforms without it.
 */
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

export const DEFAULT_CPU_INFO = '/proc/cpuinfo';

export interface CpuModel {
  /** e.g. "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", or null when nothing says. */
  model: string | null;
  logicalCpus: number;
  /** Where the model string came from, for the report. */
  from: string;
}

export function parseCpuInfo(text: string): { model: string | null; logicalCpus: number } {
  const model = /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? null;
  const logicalCpus = (text.match(/^processor\s*:/gm) ?? []).length;
  return { model, logicalCpus };
}

export async function readCpuModel(cpuInfoPath: string = DEFAULT_CPU_INFO): Promise<CpuModel> {
  try {
    const parsed = parseCpuInfo(await readFile(cpuInfoPath, 'utf8'));
    if (parsed.model) return { model: parsed.model, logicalCpus: parsed.logicalCpus || cpus().length, from: cpuInfoPath };
  } catch {
    // Not Linux, or an unusual kernel: ask systeminformation below.
  }
  try {
    const { default: si } = await import('systeminformation');
    const cpu = await si.cpu();
    const model = `${cpu.manufacturer} ${cpu.brand}`.trim();
    return { model: model || null, logicalCpus: cpu.cores || cpus().length, from: 'systeminformation' };
  } catch {
    return { model: cpus()[0]?.model ?? null, logicalCpus: cpus().length, from: 'os.cpus()' };
  }
}
