/**
 * Machine-wide CPU utilisation from the aggregate `cpu` line of /proc/stat (jiffies since boot):
 *   cpu  user nice system idle iowait irq softirq steal guest guest_nice
 * guest time is already inside user, so it is not added again; steal is time the hypervisor gave to
 * someone else, so it counts in the total but not as our work.
 * Where /proc/stat does not exist (macOS, Windows) os.cpus() gives the same counters.
 */
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

export const DEFAULT_PROC_STAT = '/proc/stat';

export interface CpuTimes {
  busy: number;
  total: number;
}

export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new Error('no aggregate "cpu" line');
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  if (values.length < 4 || values.some((v) => !Number.isFinite(v))) throw new Error(`unreadable cpu line "${line}"`);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const busy = user + nice + system + irq + softirq;
  return { busy, total: busy + idle + iowait + steal };
}

export async function readProcStat(path: string = DEFAULT_PROC_STAT): Promise<CpuTimes> {
  return parseProcStat(await readFile(path, 'utf8'));
}

export function cpuTimesFromOs(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + irq + idle;
  }
  return { busy, total };
}

/** Share of CPU time spent busy between two snapshots, in [0, 1]; null when no time passed. */
export function utilisationBetween(before: CpuTimes, after: CpuTimes): number | null {
  const total = after.total - before.total;
  if (!(total > 0)) return null;
  return Math.min(1, Math.max(0, (after.busy - before.busy) / total));
}
