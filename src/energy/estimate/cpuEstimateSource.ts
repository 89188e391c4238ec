/**
 * CPU power estimated when no counter can be read, charged to the run's own processes:
 *
 *   P_run     = idle per core × cores the run may use × the run's share of the busy CPU time
 *             + (watts per core − idle per core) × cores busy with the run
 *   P_machine = idle per core × logical CPUs + (watts per core − idle per core) × cores busy with anything
 *
 * The run's share of idle power follows its share of the machine's busy CPU time (1 when nothing
 * else runs): a run slowed down by others would otherwise be charged idle power for all the time
 * they kept it waiting, and that is most of its energy on a crowded machine.
 *
 * "Cores busy with the run" is the CPU time (user + system) of this process and its descendants per
 * second of wall time, read from /proc/<pid>/stat: another program on the machine changes P_machine,
 * never P_run. P_machine is what a wall meter would see; it is kept as a second, labelled view and is
 * never the basis of a saving. Watts per core come from CodeCarbon's CPU table (TDP / cores of the
 * model), or the user's override, or a stated default. Every reading is `estimated`.
 */
import type { PowerReading, PowerSource } from '../types.ts';
import { activityReadings, CpuActivityProbe, logicalCpuCount, type CpuActivityPaths, type CpuActivitySample } from './cpuActivity.ts';
import { readCpuModel, DEFAULT_CPU_INFO } from './cpuModel.ts';
import { coresInModelName, CPU_POWER_TABLE_SOURCE, DEFAULT_WATTS_PER_CORE, lookupCpuPower, type CpuPowerEntry } from './cpuPowerTable.ts';
import { usableCores, type UsableCoresPaths } from './usableCores.ts';

/** Idle power as a share of full-load power per core: a modest assumption, stated in the formula. */
export const DEFAULT_IDLE_FRACTION = 0.1;

export interface CpuEstimateSettings extends CpuActivityPaths, UsableCoresPaths {
  cpuInfo?: string;
  /** Override: the watts this machine's CPUs draw at full load, all logical CPUs together. */
  tdpWatts?: number;
  idleFraction?: number;
  /** Override of the logical CPUs the machine has (default os.cpus().length). */
  logicalCpus?: number;
}

/** What the estimate assumes, with where each number came from; shown wherever an estimate is. */
export interface CpuPowerModel {
  /** The CPU model string, or null when nothing says. */
  cpuModel: string | null;
  /** Where the watts come from: the CPU table row, the settings, or the default. */
  source: string;
  /** Full-load watts per core (per logical CPU the run may use). */
  wattsPerCore: number;
  idleWattsPerCore: number;
  /** How wattsPerCore was worked out, in words with its numbers. */
  perCoreBasis: string;
  /** Cores this run may keep busy (cgroup quota, affinity). */
  usableCores: number;
  usableCoresBasis: string;
  /** Logical CPUs of the whole machine (for the machine view). */
  machineCpus: number;
  /** One line: "<model>: 8.75 W per core (CodeCarbon's cpu_power.csv ...) × 2 cores". */
  summary: string;
  /** The formula with its numbers, for the report. */
  formula: string;
}

/** Pure: watts per core and idle from what is known about the CPU. */
export function cpuPowerModel(input: {
  model: string | null;
  machineCpus: number;
  usableCores: number;
  usableCoresBasis: string;
  tdpWatts?: number;
  idleFraction?: number;
  table?: readonly CpuPowerEntry[];
}): CpuPowerModel {
  const idleFraction = input.idleFraction ?? DEFAULT_IDLE_FRACTION;
  let wattsPerCore: number;
  let perCoreBasis: string;
  let source: string;
  const entry = input.model ? lookupCpuPower(input.model, ...(input.table ? [input.table] : [])) : null;
  const cores = entry?.cores ?? (input.model ? coresInModelName(input.model) : null);
  if (input.tdpWatts !== undefined) {
    wattsPerCore = input.tdpWatts / input.machineCpus;
    source = 'the settings (energy.tdpWatts)';
    perCoreBasis = `${round(wattsPerCore)} W = ${round(input.tdpWatts)} W from the settings / ${input.machineCpus} logical CPUs`;
  } else if (entry && cores) {
    // A machine that sees at least twice the model's cores runs two threads per core: a logical
    // CPU is then half a core. A VM seeing a few vCPUs of a big part gets a whole core each (the
    // higher, safer figure).
    const threadsPerCore = input.machineCpus >= 2 * cores ? 2 : 1;
    wattsPerCore = entry.tdpWatts / (cores * threadsPerCore);
    source = `${CPU_POWER_TABLE_SOURCE}, row "${entry.name}"`;
    perCoreBasis = `${round(wattsPerCore)} W = ${entry.tdpWatts} W TDP of the ${entry.name} / ${cores} cores` +
      (threadsPerCore === 2 ? ' / 2 threads per core' : '') + (entry.cores ? '' : ' (core count from the model name)');
  } else {
    wattsPerCore = DEFAULT_WATTS_PER_CORE;
    source = 'default per core';
    const which = !input.model ? 'the CPU model is unknown'
      : entry ? `"${entry.name}" (${entry.tdpWatts} W) has no core count in the table`
      : `model "${input.model}" is not in ${CPU_POWER_TABLE_SOURCE}`;
    perCoreBasis = `${DEFAULT_WATTS_PER_CORE} W, the median TDP per core of ${CPU_POWER_TABLE_SOURCE} (${which}; set energy.tdpWatts to correct it)`;
  }
  const idleWattsPerCore = idleFraction * wattsPerCore;
  const modelName = input.model ?? 'unknown CPU';
  const summary = `${modelName}: ${round(wattsPerCore)} W per core (${source}) × ${round(input.usableCores)} cores`;
  const formula =
    `P = idle per core × cores usable × run's share of the busy CPU time + (W per core − idle per core) × cores busy with the run's processes; ` +
    `W per core = ${perCoreBasis}; idle = ${round(idleFraction * 100)}% = ${round(idleWattsPerCore)} W per core; ` +
    `cores usable = ${round(input.usableCores)} (${input.usableCoresBasis})`;
  return {
    cpuModel: input.model, source, wattsPerCore, idleWattsPerCore, perCoreBasis,
    usableCores: input.usableCores, usableCoresBasis: input.usableCoresBasis, machineCpus: input.machineCpus, summary, formula,
  };
}

/** Watts for `busyCores` cores busy out of `cores` powered, charged `idleShare` (0..1) of their idle power. */
export function estimateCpuWatts(model: Pick<CpuPowerModel, 'wattsPerCore' | 'idleWattsPerCore'>, cores: number, busyCores: number, idleShare = 1): number {
  const busy = Math.min(Math.max(busyCores, 0), cores);
  const share = Math.min(Math.max(idleShare, 0), 1);
  return model.idleWattsPerCore * cores * share + (model.wattsPerCore - model.idleWattsPerCore) * busy;
}

/** The run's share of the machine's busy CPU time; 1 when the machine is idle (the run holds it alone). */
export function runShareOfBusy(runBusyCores: number, machineBusyCores: number): number {
  if (!(machineBusyCores > 0)) return 1;
  return Math.min(1, Math.max(0, runBusyCores / machineBusyCores));
}

/** Watts of the run and of the machine, and their utilisation (0..1). */
interface CpuPower {
  runWatts: number;
  machineWatts: number;
  run: number;
  machine: number;
}

/** The shortest span a reading's power and utilisation are shown over (boundary readings are shorter). */
export const MIN_SHOWN_SPAN_MS = 200;

export class CpuEstimateSource implements PowerSource {
  readonly name = 'cpu-estimate';
  readonly kind = 'estimated' as const;
  private lastBusy = { run: 0, machine: 0 };
  /** Estimated joules so far, run and machine, each interval's mean power × its length: the meter
   *  integrates these by difference (a trapezoid would spread an interval's energy half onto its
   *  neighbours, across phase boundaries). */
  private joules = { run: 0, machine: 0 };
  /** What a reading shows (watts, utilisation): over the last MIN_SHOWN_SPAN_MS or more. */
  private shown: CpuPower | null = null;
  private shownFrom: CpuActivitySample;

  constructor(
    readonly model: CpuPowerModel,
    private readonly probe: { sample(): Promise<CpuActivitySample> },
    private last: CpuActivitySample,
    private readonly runFrom: string,
  ) {
    this.shownFrom = last;
  }

  get formula(): string {
    return `${this.model.formula}; run's CPU time from ${this.runFrom}`;
  }

  get label(): string {
    return this.model.summary;
  }

  describe(): string {
    return `CPU estimate (no counter readable), charged to the run's processes: ${this.model.summary}`;
  }

  async read(): Promise<PowerReading[]> {
    const sample = await this.probe.sample();
    const seconds = (sample.timeMs - this.last.timeMs) / 1000;
    this.lastBusy = busyBetween(this.last, sample) ?? this.lastBusy;
    this.last = sample;
    if (seconds > 0) {
      const interval = this.powerAt(this.lastBusy);
      this.joules.run += interval.runWatts * seconds;
      this.joules.machine += interval.machineWatts * seconds;
    }
    // A reading taken at a phase boundary may follow the one before by a few milliseconds, where the
    // machine's busy time (and child processes', counted in 10 ms ticks) gives any utilisation at all:
    // the joules above stay exact (tick errors cancel in the sum), but the power shown is taken over a
    // span long enough to mean it.
    if (this.shown === null || sample.timeMs - this.shownFrom.timeMs >= MIN_SHOWN_SPAN_MS) {
      this.shown = this.powerAt(busyBetween(this.shownFrom, sample) ?? this.lastBusy);
      this.shownFrom = sample;
    }
    const base = { source: this.name, timeMs: sample.timeMs, kind: this.kind };
    return [
      { ...base, device: 'cpu', watts: this.shown.runWatts, counterJoules: this.joules.run, utilisation: this.shown.run },
      { ...base, device: 'cpu', view: 'machine', watts: this.shown.machineWatts, counterJoules: this.joules.machine, utilisation: this.shown.machine },
      ...activityReadings(sample),
    ];
  }

  /** The run's and the machine's watts and utilisation with these cores busy. */
  private powerAt(busy: { run: number; machine: number }): CpuPower {
    const m = this.model;
    return {
      runWatts: estimateCpuWatts(m, m.usableCores, busy.run, runShareOfBusy(busy.run, busy.machine)),
      machineWatts: estimateCpuWatts(m, m.machineCpus, busy.machine),
      run: Math.min(1, busy.run / m.usableCores),
      machine: Math.min(1, busy.machine / m.machineCpus),
    };
  }

  close(): void {}
}

/** Cores busy between two samples, the run's and the whole machine's; null when no time passed. */
function busyBetween(from: CpuActivitySample, to: CpuActivitySample): { run: number; machine: number } | null {
  const seconds = (to.timeMs - from.timeMs) / 1000;
  if (!(seconds > 0)) return null;
  return {
    run: Math.max(0, to.runCpuSeconds - from.runCpuSeconds) / seconds,
    machine: Math.max(0, to.machineBusySeconds - from.machineBusySeconds) / seconds,
  };
}

/** Always succeeds: it is the last resort. */
export async function openCpuEstimateSource(settings: CpuEstimateSettings = {}): Promise<CpuEstimateSource> {
  const probe = await CpuActivityProbe.open(settings);
  const first = await probe.sample();
  const cpu = await readCpuModel(settings.cpuInfo ?? DEFAULT_CPU_INFO);
  const usable = await usableCores(settings);
  const model = cpuPowerModel({
    model: cpu.model,
    machineCpus: settings.logicalCpus ?? logicalCpuCount(),
    usableCores: usable.cores,
    usableCoresBasis: usable.basis,
    ...(settings.tdpWatts !== undefined ? { tdpWatts: settings.tdpWatts } : {}),
    ...(settings.idleFraction !== undefined ? { idleFraction: settings.idleFraction } : {}),
  });
  return new CpuEstimateSource(model, probe, first, `${probe.runFrom}; machine from ${probe.machineFrom}`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
