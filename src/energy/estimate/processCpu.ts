/**
 * CPU time of one process tree, from /proc/<pid>/stat: utime + stime of the process and every live
 * descendant, plus their cutime + cstime (the time of children they already reaped, so a worker that
 * exited is still counted). Summed that way the figure only grows, whichever child ends when.
 * Clock ticks are USER_HZ, 100 on every Linux build this runs on. For this process itself the
 * kernel's own count is read instead (process.cpuUsage(), every thread, in microseconds): a reading
 * at a phase boundary a few milliseconds after the last one would otherwise see 0 or 10 ms.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const USER_HZ = 100;
export const DEFAULT_PROC_ROOT = '/proc';

export interface ProcStatFields {
  pid: number;
  /** One letter: R running, S sleeping, D disk wait, T stopped, Z zombie, ... */
  state: string;
  ppid: number;
  /** utime + stime + cutime + cstime, seconds. */
  cpuSeconds: number;
  /** cutime + cstime alone (children already reaped), seconds. */
  reapedCpuSeconds: number;
}

/** Fields of one /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parsePidStat(text: string): ProcStatFields {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`unreadable stat line "${text.slice(0, 80)}"`);
  const pid = Number(text.slice(0, text.indexOf('(')).trim());
  // After ") ": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17)
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  const reaped = field(16) + field(17);
  const ticks = field(14) + field(15) + reaped;
  if (!Number.isFinite(pid) || !Number.isFinite(ticks)) throw new Error(`unreadable stat line "${text.slice(0, 80)}"`);
  return { pid, state: rest[0]!, ppid: field(4), cpuSeconds: ticks / USER_HZ, reapedCpuSeconds: reaped / USER_HZ };
}

/** Every readable process of the system (processes that end while we read are skipped). */
export async function readAllPidStats(procRoot: string = DEFAULT_PROC_ROOT): Promise<ProcStatFields[]> {
  const names = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(names.map((name) => readFile(join(procRoot, name, 'stat'), 'utf8').then(parsePidStat, () => null)));
  return stats.filter((s): s is ProcStatFields => s !== null);
}

/**
 * CPU seconds of `rootPid` and all its descendants among `stats`; `rootOwnSeconds`, when given,
 * replaces the root's own utime + stime (its reaped children's time is still taken from its line).
 */
export function treeCpuSeconds(stats: readonly ProcStatFields[], rootPid: number, rootOwnSeconds?: number): { seconds: number; pids: number[] } {
  const children = new Map<number, ProcStatFields[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  const root = stats.find((s) => s.pid === rootPid);
  if (!root) throw new Error(`process ${rootPid} not found`);
  let seconds = rootOwnSeconds === undefined ? 0 : rootOwnSeconds - (root.cpuSeconds - root.reapedCpuSeconds);
  const pids: number[] = [];
  const stack = [root];
  while (stack.length) {
    const s = stack.pop()!;
    seconds += s.cpuSeconds;
    pids.push(s.pid);
    stack.push(...(children.get(s.pid) ?? []));
  }
  return { seconds, pids };
}

/**
 * Reads the tree's CPU seconds; where /proc does not exist (macOS, Windows) falls back to
 * process.cpuUsage() of this process alone, which misses child processes (said in `from`).
 */
export async function processTreeCpuSeconds(rootPid: number, procRoot: string = DEFAULT_PROC_ROOT): Promise<{ seconds: number; from: string }> {
  const own = rootPid === process.pid ? ownCpuSeconds() : undefined;
  try {
    const stats = await readAllPidStats(procRoot);
    return own === undefined
      ? { seconds: treeCpuSeconds(stats, rootPid).seconds, from: `${procRoot}/<pid>/stat of process ${rootPid} and its descendants` }
      : { seconds: treeCpuSeconds(stats, rootPid, own).seconds, from: `process.cpuUsage() of process ${rootPid}, ${procRoot}/<pid>/stat of its descendants` };
  } catch (error) {
    if (own === undefined) throw error;
    return { seconds: own, from: 'process.cpuUsage() (no /proc: child processes not counted)' };
  }
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
