/**
 * How many cores this process may keep busy: the smallest of the CPUs its affinity allows
 * (`os.availableParallelism()`), and its cgroup's CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us` /
 * `cpu.cfs_period_us`), which containers and Slurm jobs use. A quota may be fractional (1.5 cores).
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export interface UsableCores {
  cores: number;
  /** In words: what limited it, e.g. "cgroup cpu.max 150000/100000", "2 CPUs in the affinity mask". */
  basis: string;
}

export interface UsableCoresPaths {
  /** Default /proc/self/cgroup. */
  procSelfCgroup?: string;
  /** Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** Default os.availableParallelism(). */
  affinityCpus?: number;
}

/** The CPU quota of the cgroup this process is in, in cores; null when unlimited or unreadable. */
export async function cgroupCpuQuota(paths: UsableCoresPaths = {}): Promise<{ cores: number; file: string; text: string } | null> {
  const root = paths.cgroupRoot ?? '/sys/fs/cgroup';
  let membership: string;
  try {
    membership = await readFile(paths.procSelfCgroup ?? '/proc/self/cgroup', 'utf8');
  } catch {
    return null;
  }
  for (const line of membership.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (path === undefined) continue;
    if (controllers === '') {
      // cgroup v2: the quota of the own cgroup or of any ancestor limits us; the smallest wins.
      let best: { cores: number; file: string; text: string } | null = null;
      for (let dir = path; ; dir = dir.slice(0, dir.lastIndexOf('/')) || '/') {
        const file = join(root, dir, 'cpu.max');
        const text = await readFile(file, 'utf8').then((t) => t.trim(), () => null);
        const [quota, period] = text?.split(/\s+/) ?? [];
        if (text && quota !== 'max' && Number(quota) > 0 && Number(period) > 0) {
          const cores = Number(quota) / Number(period);
          if (!best || cores < best.cores) best = { cores, file, text };
        }
        if (dir === '/') break;
      }
      if (best) return best;
    } else if (controllers!.split(',').includes('cpu')) {
      for (const dir of [join(root, 'cpu', path), join(root, 'cpu,cpuacct', path), join(root, 'cpu')]) {
        const quota = await readFile(join(dir, 'cpu.cfs_quota_us'), 'utf8').then(Number, () => NaN);
        const period = await readFile(join(dir, 'cpu.cfs_period_us'), 'utf8').then(Number, () => NaN);
        if (quota > 0 && period > 0) return { cores: quota / period, file: join(dir, 'cpu.cfs_quota_us'), text: `${quota}/${period}` };
      }
    }
  }
  return null;
}

export async function usableCores(paths: UsableCoresPaths = {}): Promise<UsableCores> {
  const affinity = paths.affinityCpus ?? availableParallelism();
  const quota = await cgroupCpuQuota(paths);
  if (quota && quota.cores < affinity) {
    return { cores: quota.cores, basis: `cgroup CPU quota ${round(quota.cores)} cores (${quota.file}: ${quota.text})` };
  }
  return { cores: affinity, basis: `${affinity} CPUs this process may run on (affinity)` };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
