/**
 * Who kept the CPUs busy: the run's process tree (its CPU seconds, /proc/<pid>/stat) against the whole
 * machine (busy jiffies of /proc/stat). Read together at each sample so both cover the same interval.
 * The CPU estimate charges the run from it; for whole-device sensors (RAPL) it says per phase how
 * much of the machine other processes used.
 */
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROC_ROOT, processTreeCpuSeconds, USER_HZ } from './processCpu.ts';
import { cpuTimesFromOs, DEFAULT_PROC_STAT, readProcStat, type CpuTimes } from './procStat.ts';
import type { PowerReading, PowerSource } from '../types.ts';

export interface CpuActivitySample {
  timeMs: number;
  /** Cumulative CPU seconds of the run's process tree. */
  runCpuSeconds: number;
  /** Cumulative busy CPU seconds of the whole machine. */
  machineBusySeconds: number;
  /**
   * Cumulative CPU seconds of the run's main thread alone (/proc/<pid>/task/<pid>/schedstat, ns);
   * the rest of runCpuSeconds is its other threads and processes (V8's compilers and garbage
   * collector, data-parallel replicas, the sampler). Null where not readable.
   */
  mainThreadCpuSeconds: number | null;
}

export interface CpuActivityPaths {
  procStat?: string;
  procRoot?: string;
  /** The process whose tree is the run (default this process). */
  rootPid?: number;
}

export class CpuActivityProbe {
  private constructor(
    private readonly readMachine: () => Promise<CpuTimes>,
    private readonly readRun: () => Promise<number>,
    /** Where the two figures come from, for the formula string. */
    readonly runFrom: string,
    readonly machineFrom: string,
    /** Clock ticks per second of `readMachine`'s counters. */
    private readonly machineTicksPerSecond: number,
    private readonly readMainThread: () => Promise<number | null>,
  ) {}

  static async open(paths: CpuActivityPaths = {}): Promise<CpuActivityProbe> {
    const procStat = paths.procStat ?? DEFAULT_PROC_STAT;
    const rootPid = paths.rootPid ?? process.pid;
    const procRoot = paths.procRoot ?? DEFAULT_PROC_ROOT;
    let readMachine = () => readProcStat(procStat);
    let machineFrom = `${procStat} busy jiffies`;
    let ticks = USER_HZ;
    try {
      await readMachine();
    } catch {
      readMachine = async () => cpuTimesFromOs();
      machineFrom = `os.cpus() times (${procStat} unreadable)`;
      ticks = 1000; // os.cpus() times are milliseconds
    }
    const first = await processTreeCpuSeconds(rootPid, procRoot);
    const schedstat = join(procRoot, String(rootPid), 'task', String(rootPid), 'schedstat');
    const readMainThread = () => readFile(schedstat, 'utf8').then((text) => {
      const ns = Number(text.split(' ')[0]);
      return Number.isFinite(ns) ? ns / 1e9 : null;
    }, () => null);
    return new CpuActivityProbe(readMachine, async () => (await processTreeCpuSeconds(rootPid, procRoot)).seconds, first.from, machineFrom, ticks, readMainThread);
  }

  async sample(): Promise<CpuActivitySample> {
    const [machine, run, mainThread] = await Promise.all([this.readMachine(), this.readRun(), this.readMainThread()]);
    return { timeMs: Date.now(), runCpuSeconds: run, machineBusySeconds: machine.busy / this.machineTicksPerSecond, mainThreadCpuSeconds: mainThread };
  }
}

/** Name of the pseudo-source whose "joules" are CPU seconds (meter view `activity`). */
export const CPU_ACTIVITY_SOURCE = 'cpu-activity';

/** The activity view's device of the run's main thread alone (part of `run`). */
export const MAIN_THREAD_DEVICE = 'main-thread';

/** Activity counters as meter readings: devices `run`, `others` and `main-thread`, counters in CPU seconds. */
export function activityReadings(sample: CpuActivitySample): PowerReading[] {
  const others = Math.max(0, sample.machineBusySeconds - sample.runCpuSeconds);
  const base = { source: CPU_ACTIVITY_SOURCE, timeMs: sample.timeMs, watts: 0, kind: 'measured' as const, view: 'activity' as const };
  return [
    { ...base, device: 'run', counterJoules: sample.runCpuSeconds },
    { ...base, device: 'others', counterJoules: others },
    ...(sample.mainThreadCpuSeconds === null ? [] : [{ ...base, device: MAIN_THREAD_DEVICE, counterJoules: sample.mainThreadCpuSeconds }]),
  ];
}

/**
 * The activity alone, for runs whose energy comes from a whole-device sensor: no watts of its own,
 * it only tells the meter how much CPU time was the run's and how much others'.
 */
export class CpuActivitySource implements PowerSource {
  readonly name = CPU_ACTIVITY_SOURCE;
  readonly kind = 'measured' as const;
  readonly view = 'activity' as const;
  constructor(private readonly probe: CpuActivityProbe) {}
  describe(): string {
    return `CPU time of the run (${this.probe.runFrom}) against the whole machine (${this.probe.machineFrom}), to tell contended phases`;
  }
  async read(): Promise<PowerReading[]> {
    return activityReadings(await this.probe.sample());
  }
  close(): void {}
}

export function logicalCpuCount(): number {
  return cpus().length || 1;
}
