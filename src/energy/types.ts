/**
 * Shared vocabulary of the energy engine: what a power source is and what one reading carries.
 * Every number that ends up in a report says how it was obtained (`kind`), because a measured joule,
 * an estimated joule and a projected joule are not the same claim.
 */

/** measured: read from a hardware counter or sensor; estimated: computed from a model (TDP × load);
 *  projected: extrapolated from measured epochs to epochs that were never run. */
export type EnergyKind = 'measured' | 'estimated' | 'projected';

/** Kinds a live source can produce (nothing is projected at sampling time). */
export type SourceKind = 'measured' | 'estimated';

export interface PowerReading {
  /** Name of the source that produced it, e.g. `nvml`, `nvidia-smi`, `rapl`, `cpu-estimate`. */
  source: string;
  /** Device inside the source, e.g. `gpu0 NVIDIA H100`, `package-0`, `dram`, `cpu`. */
  device: string;
  /** Wall-clock time of the reading (ms since epoch, same clock as Date.now()). */
  timeMs: number;
  /** Power at (or averaged just before) `timeMs`. */
  watts: number;
  kind: SourceKind;
  /** Cumulative energy since the source was opened, already unwrapped by the source. When present,
   *  the meter integrates by difference instead of by trapezoid. */
  counterJoules?: number;
  /** Device utilisation in [0, 1], where the source knows it. */
  utilisation?: number;
  /** Which account the reading feeds (default `run`): `machine` is the whole-machine estimate a wall
   *  meter would see, kept apart and never the basis of a saving; `activity` carries CPU seconds of
   *  the run and of other processes in `counterJoules` (not joules), to tell contended phases. */
  view?: ReadingView;
}

export type ReadingView = 'run' | 'machine' | 'activity';

export interface PowerSource {
  readonly name: string;
  readonly kind: SourceKind;
  /** One human sentence for the CLI and the report: what is read, from where, and how. */
  describe(): string;
  /** Estimated sources only: how the watts are computed, with the numbers used. */
  readonly formula?: string;
  /** Estimated sources only: the model in one line, shown next to every estimated figure. */
  readonly label?: string;
  /** `activity`: the source reads no power, only CPU time (it does not count as a power source). */
  readonly view?: 'activity';
  /** Never blocks the event loop. Rejects when the source has failed for good. */
  read(): Promise<PowerReading[]>;
  close(): Promise<void> | void;
}

/** Outcome of trying to open one source: either a working source or the sentence saying why not. */
export type OpenResult<S extends PowerSource = PowerSource> =
  | { ok: true; source: S }
  | { ok: false; reason: string };

/** The message of anything thrown, for sentences shown to people. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
