/**
 * CPU power estimated from utilisation when no counter can be read:
 *   P = idle + (TDP − idle) × utilisation,   idle = idleFraction × TDP
 * TDP comes from the settings, else the model table (scaled to the share of the package's threads
 * this machine sees), else CodeCarbon's 85 W constant. Every reading is marked `estimated`, and the
 * formula with its numbers is kept as a string for the report.
 */
import type { PowerReading, PowerSource } from '../types.ts';
import { DEFAULT_TDP_WATTS, lookupCpuTdp } from './cpuTdpTable.ts';
import { readCpuModel, DEFAULT_CPU_INFO } from './cpuModel.ts';
import { cpuTimesFromOs, DEFAULT_PROC_STAT, readProcStat, utilisationBetween, type CpuTimes } from './procStat.ts';

/** Idle package power as a share of TDP: a modest assumption, stated in the formula string. */
export const DEFAULT_IDLE_FRACTION = 0.1;

export interface CpuEstimateSettings {
  procStat?: string;
  cpuInfo?: string;
  /** Overrides the table: the watts this machine's CPUs draw at full load. */
  tdpWatts?: number;
  idleFraction?: number;
}

export interface CpuPowerModel {
  tdpWatts: number;
  idleWatts: number;
  /** Where the TDP came from, in words. */
  tdpBasis: string;
  /** The formula with its numbers, for the report. */
  formula: string;
}

/** Pure: works out TDP and idle power from what is known about the CPU. */
export function cpuPowerModel(input: {
  model: string | null;
  logicalCpus: number;
  tdpWatts?: number;
  idleFraction?: number;
  utilisationFrom: string;
}): CpuPowerModel {
  const idleFraction = input.idleFraction ?? DEFAULT_IDLE_FRACTION;
  let tdpWatts: number;
  let tdpBasis: string;
  const entry = input.model ? lookupCpuTdp(input.model) : null;
  if (input.tdpWatts !== undefined) {
    tdpWatts = input.tdpWatts;
    tdpBasis = `${round(tdpWatts)} W from the settings`;
  } else if (entry) {
    tdpWatts = (entry.tdpWatts * input.logicalCpus) / entry.threads;
    tdpBasis =
      input.logicalCpus === entry.threads
        ? `${entry.tdpWatts} W, the TDP of the ${entry.key}`
        : `${round(tdpWatts)} W = ${entry.tdpWatts} W TDP of the ${entry.key} × ${input.logicalCpus} visible / ${entry.threads} threads per package`;
  } else {
    tdpWatts = DEFAULT_TDP_WATTS;
    const which = input.model ? `model "${input.model}" is not in the TDP table` : 'the CPU model is unknown';
    tdpBasis = `${DEFAULT_TDP_WATTS} W, CodeCarbon's default for an unknown CPU (${which}; set tdpWatts to correct it)`;
  }
  const idleWatts = idleFraction * tdpWatts;
  const formula =
    `P = idle + (TDP − idle) × utilisation; TDP = ${tdpBasis}; idle = ${round(idleFraction * 100)}% of TDP = ` +
    `${round(idleWatts)} W; utilisation from ${input.utilisationFrom} deltas (whole machine)`;
  return { tdpWatts, idleWatts, tdpBasis, formula };
}

export function estimateCpuWatts(model: Pick<CpuPowerModel, 'tdpWatts' | 'idleWatts'>, utilisation: number): number {
  return model.idleWatts + (model.tdpWatts - model.idleWatts) * utilisation;
}

export class CpuEstimateSource implements PowerSource {
  readonly name = 'cpu-estimate';
  readonly kind = 'estimated' as const;
  private lastUtilisation = 0;

  constructor(
    readonly model: CpuPowerModel,
    private readonly readTimes: () => Promise<CpuTimes>,
    private lastTimes: CpuTimes,
  ) {}

  get formula(): string {
    return this.model.formula;
  }

  describe(): string {
    return `CPU estimate (no counter readable): ${this.model.formula}`;
  }

  async read(): Promise<PowerReading[]> {
    const times = await this.readTimes();
    const utilisation = utilisationBetween(this.lastTimes, times) ?? this.lastUtilisation;
    this.lastTimes = times;
    this.lastUtilisation = utilisation;
    return [{
      source: this.name,
      device: 'cpu',
      timeMs: Date.now(),
      watts: estimateCpuWatts(this.model, utilisation),
      kind: this.kind,
      utilisation,
    }];
  }

  close(): void {}
}

/** Always succeeds: it is the last resort. */
export async function openCpuEstimateSource(settings: CpuEstimateSettings = {}): Promise<CpuEstimateSource> {
  const procStatPath = settings.procStat ?? DEFAULT_PROC_STAT;
  let readTimes = () => readProcStat(procStatPath);
  let utilisationFrom = procStatPath;
  let first: CpuTimes;
  try {
    first = await readTimes();
  } catch {
    readTimes = async () => cpuTimesFromOs();
    utilisationFrom = `os.cpus() (${procStatPath} unreadable)`;
    first = cpuTimesFromOs();
  }
  const cpu = await readCpuModel(settings.cpuInfo ?? DEFAULT_CPU_INFO);
  const model = cpuPowerModel({
    model: cpu.model,
    logicalCpus: cpu.logicalCpus,
    ...(settings.tdpWatts !== undefined ? { tdpWatts: settings.tdpWatts } : {}),
    ...(settings.idleFraction !== undefined ? { idleFraction: settings.idleFraction } : {}),
    utilisationFrom,
  });
  return new CpuEstimateSource(model, readTimes, first);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
