/**
 * The one table of the compared methods: per method its key, the phases it runs (in run order), the
 * phases of other methods it builds on, its label, short label and colour, whether a config asks for
 * it, and how many epochs each of its phases is planned to train. The runner runs the methods in this
 * order; the summary charges each method the energy of its phases; the app's progress and ETA, the
 * CLI, the PDF report and the study PDF name and colour methods and phases from here.
 * Pure: no node or DOM imports, and the schema only as a type (the page bundles this without zod).
 *
 * A new method is one row here and one file under src/experiment/methods/ (its training).
 */
import type { DeepPartial, ExperimentConfig } from './config.ts';
import { plannedLotteryEpochs } from './lotteryEpochs.ts';
import type { Method, Phase } from './events.ts';

/** A config as the table reads it: validated (the runner) or as a run folder holds it (report, page). */
export type PlanConfig = DeepPartial<ExperimentConfig>;

/** What is known of a run while it goes, for the epoch plan (null: not yet known). */
export interface PlanFacts {
  /** Forward FLOPs per image of the dense network and of the slim one the surgery cut. */
  denseFlops?: number | null;
  slimFlops?: number | null;
  /** Zero-based epoch the ticket was cut at; before the search ended, the search epochs done so far. */
  ebEpoch?: number | null;
}

/** Mid-luminance colours that read on light and dark backgrounds alike, in print and on screen. */
export const PALETTE = ['#3b82f6', '#f08c2e', '#22a06b', '#9b6ef3', '#e5484d', '#12a4b8', '#b07d48', '#d6409f', '#8b95a1', '#eab308', '#a3a3a3'] as const;
const [BLUE, ORANGE, GREEN, PURPLE, RED, TEAL, BROWN, PINK, SLATE, YELLOW, GREY] = PALETTE;
/** The mask-distance figure: one colour per tracked ratio, each far from the threshold ε's. */
export const RATIO_COLORS: readonly string[] = [BLUE, GREEN, PURPLE, TEAL, YELLOW];
export const EPSILON_COLOR: string = RED;

export type Network = 'dense' | 'slim' | 'pruned' | null;

export interface PhaseRow {
  key: string;
  label: string;
  shortLabel: string;
  color: string;
  /**
   * The network the phase trains: the dense one, the slim one the surgery cut, or one of its own whose
   * FLOPs the run does not log (`pruned`: the pipeline's); null: none. The ETA times dense epochs by
   * the search's, the others by the retrain's.
   */
  network: Network;
  /** Epochs the phase is planned to train. */
  plannedEpochs(config: PlanConfig, facts: PlanFacts): number;
}

export interface MethodRow {
  key: string;
  label: string;
  shortLabel: string;
  color: string;
  /** Its own phases, in the order they run. */
  phases: readonly PhaseRow[];
  /** Phases of other methods it builds on: its energy includes theirs (the pipeline reuses dense). */
  reuses: readonly string[];
  /** Whether the config asks for it. */
  wanted(config: PlanConfig): boolean;
}

type PhaseSpec = Omit<PhaseRow, 'label' | 'shortLabel' | 'color'> & Partial<Pick<PhaseRow, 'label' | 'shortLabel' | 'color'>>;
export type MethodSpec = Omit<MethodRow, 'phases' | 'reuses'> & { phases: readonly PhaseSpec[]; reuses?: readonly string[] };

const epochsOf = (config: PlanConfig) => config.training?.epochs ?? 0;

/** Fine-tuning epochs of the standard pipeline: the configured figure, else the training budget. */
export function fineTuneEpochsOf(config: PlanConfig): number {
  return config.comparisons?.prunePipeline?.fineTuneEpochs ?? epochsOf(config);
}

/**
 * Scratch-B (Liu et al.): the slim network gets the dense network's compute budget, i.e.
 * epochs × dense FLOPs / slim FLOPs, capped at 4× the epochs so a drastic prune cannot run away.
 * Before the surgery the slim FLOPs are unknown: the plan takes the cap, as much as the runner may train.
 */
export function scratchBudgetEpochs(epochs: number, denseFlops: number | null | undefined, slimFlops: number | null | undefined): number {
  if (!denseFlops || !slimFlops) return 4 * epochs;
  return Math.min(4 * epochs, Math.max(epochs, Math.round((epochs * denseFlops) / Math.max(slimFlops, 1))));
}

/** A method that is one training phase of its own key, named and coloured as the method. */
const single = (key: string, network: Network, plannedEpochs: PhaseRow['plannedEpochs']): PhaseSpec => ({ key, network, plannedEpochs });

/** The dense network is trained when asked for, and whenever the standard pipeline needs it. */
const denseTrained = (config: PlanConfig) => config.comparisons?.dense !== false || config.comparisons?.prunePipeline?.enabled === true;

const BUILT_IN: readonly MethodSpec[] = [
  {
    key: 'ebTrain', label: 'EB Train', shortLabel: 'EB Train', color: GREEN,
    phases: [
      { key: 'search', label: 'Search (dense + slimming)', shortLabel: 'search', color: BLUE, network: 'dense', plannedEpochs: epochsOf },
      { key: 'surgery', label: 'Surgery', shortLabel: 'surgery', color: YELLOW, network: null, plannedEpochs: () => 0 },
      // The retrain finishes the epoch budget from the ticket's epoch on.
      { key: 'retrain', label: 'Retrain (EB ticket)', shortLabel: 'retrain', network: 'slim', plannedEpochs: (c, f) => Math.max(0, epochsOf(c) - (f.ebEpoch != null ? f.ebEpoch + 1 : 0)) },
    ],
    wanted: () => true,
  },
  {
    key: 'ebReinit', label: 'EB re-init', shortLabel: 'EB re-init', color: PURPLE,
    phases: [single('ebReinit', 'slim', epochsOf)],
    wanted: (c) => c.comparisons?.ebReinit === true,
  },
  {
    key: 'dense', label: 'Dense baseline', shortLabel: 'dense', color: ORANGE,
    phases: [single('dense', 'dense', epochsOf)],
    wanted: denseTrained,
  },
  {
    key: 'prunePipeline', label: 'Standard pipeline', shortLabel: 'pipeline', color: PINK,
    phases: [{ key: 'prunePipeline', label: 'Prune + fine-tune', shortLabel: 'prune + fine-tune', network: 'pruned', plannedEpochs: fineTuneEpochsOf }],
    reuses: ['dense'],
    wanted: (c) => c.comparisons?.prunePipeline?.enabled === true,
  },
  {
    key: 'lotteryTicket', label: 'Lottery ticket (LTH)', shortLabel: 'LTH', color: RED,
    phases: [single('lotteryTicket', 'dense', (c) => {
      const lt = c.comparisons?.lotteryTicket;
      return plannedLotteryEpochs({ mode: lt?.mode ?? 'one-shot', rounds: lt?.rounds ?? 3, reset: lt?.reset ?? 'init', rewindEpoch: lt?.rewindEpoch ?? 1 }, epochsOf(c), denseTrained(c));
    })],
    wanted: (c) => c.comparisons?.lotteryTicket?.enabled === true,
  },
  {
    key: 'scratchE', label: 'Scratch-E', shortLabel: 'Scratch-E', color: TEAL,
    phases: [single('scratchE', 'slim', epochsOf)],
    wanted: (c) => c.comparisons?.scratchE === true,
  },
  {
    key: 'scratchB', label: 'Scratch-B', shortLabel: 'Scratch-B', color: BROWN,
    phases: [single('scratchB', 'slim', (c, f) => scratchBudgetEpochs(epochsOf(c), f.denseFlops, f.slimFlops))],
    wanted: (c) => c.comparisons?.scratchB === true,
  },
];

/** Energy-meter phase from the meter's start to the first warm-up: data loading and model building. */
export const START_UP_PHASE = 'start-up';
/** Energy-meter phase of the warm-up steps run before each metered training phase. */
export const WARM_UP_PHASE = 'warm-up';

/** Phases the energy meter records that belong to no method. */
const METER_PHASES: readonly PhaseRow[] = [
  { key: START_UP_PHASE, label: 'Start-up (charged to no method)', shortLabel: 'start-up', color: '#6b7280', network: null, plannedEpochs: () => 0 },
  { key: WARM_UP_PHASE, label: 'Warm-up (charged to no method)', shortLabel: 'warm-up', color: '#c4c4c4', network: null, plannedEpochs: () => 0 },
  { key: 'surgery-checks', label: 'Surgery checks', shortLabel: 'surgery checks', color: GREY, network: null, plannedEpochs: () => 0 },
  { key: 'unassigned', label: 'Outside phases', shortLabel: 'outside phases', color: SLATE, network: null, plannedEpochs: () => 0 },
];

function rowOf(spec: MethodSpec): MethodRow {
  return {
    ...spec,
    reuses: spec.reuses ?? [],
    phases: spec.phases.map((p) => ({ ...p, label: p.label ?? spec.label, shortLabel: p.shortLabel ?? spec.shortLabel, color: p.color ?? spec.color })),
  };
}

const table: MethodRow[] = BUILT_IN.map(rowOf);

/** The methods, in the order the runner runs them (and every list shows them). */
export function methodRows(): readonly MethodRow[] {
  return table;
}

/**
 * Adds a method to the table (after the built-in ones): its label, colour, phases and plan then
 * appear wherever methods are listed. Its training is registered beside it in src/experiment/methods/.
 */
export function registerMethodRow(spec: MethodSpec): MethodRow {
  if (table.some((m) => m.key === spec.key)) throw new Error(`method ${spec.key} is already in the table`);
  const row = rowOf(spec);
  const taken = new Set(phaseRows().map((p) => p.key));
  for (const p of row.phases) if (taken.has(p.key)) throw new Error(`method ${spec.key}: phase ${p.key} already belongs to another method`);
  table.push(row);
  return row;
}

/** Removes a method added with registerMethodRow (tests). */
export function unregisterMethodRow(key: string): void {
  const at = table.findIndex((m) => m.key === key);
  if (at >= BUILT_IN.length) table.splice(at, 1);
}

export function methodRow(key: string): MethodRow | undefined {
  return table.find((m) => m.key === key);
}

/** Every phase: the methods' own phases in run order, then the meter's own. */
export function phaseRows(): readonly PhaseRow[] {
  return [...table.flatMap((m) => m.phases), ...METER_PHASES];
}

export function phaseRow(key: string): PhaseRow | undefined {
  return phaseRows().find((p) => p.key === key);
}

/** The method whose own phase this is (EB Train's search, surgery and retrain; the pipeline's prune + fine-tune). */
export function methodOfPhase(phase: string): string {
  return table.find((m) => m.phases.some((p) => p.key === phase))?.key ?? phase;
}

/** The phases whose energy a method is charged: those it builds on, then its own. */
export function chargedPhases(method: string): string[] {
  const row = methodRow(method);
  return row ? [...row.reuses, ...row.phases.map((p) => p.key)] : [method];
}

/** EB Train's phases: search + surgery + retrain. */
export const ebTrainPhases = (): string[] => chargedPhases('ebTrain');

export function methodLabel(method: string): string {
  return methodRow(method)?.label ?? method;
}

export function methodShortLabel(method: string): string {
  return methodRow(method)?.shortLabel ?? method;
}

export function phaseLabel(phase: string): string {
  return phaseRow(phase)?.label ?? phase;
}

export function phaseShortLabel(phase: string): string {
  return phaseRow(phase)?.shortLabel ?? phase;
}

/** A method's colour; an unknown key takes the palette's `index`-th colour. */
export function methodColor(method: string, index = 0): string {
  return methodRow(method)?.color ?? PALETTE[index % PALETTE.length]!;
}

export function phaseColor(phase: string, index = 0): string {
  return phaseRow(phase)?.color ?? PALETTE[index % PALETTE.length]!;
}

/** The methods a config asks for, in run order. */
export function plannedMethods(config: PlanConfig): string[] {
  return table.filter((m) => m.wanted(config)).map((m) => m.key);
}

/** The phases a config will run, in order, each with its planned epochs and the network it trains. */
export function plannedPhases(config: PlanConfig, facts: PlanFacts = {}): { phase: string; method: string; epochs: number; network: Network }[] {
  return table.filter((m) => m.wanted(config)).flatMap((m) =>
    m.phases.map((p) => ({ phase: p.key, method: m.key, epochs: p.plannedEpochs(config, facts), network: p.network })));
}

/** The method keys in run order (the built-in ones are the `Method` type's). */
export function methodKeys(): Method[] {
  return table.map((m) => m.key as Method);
}

/** The methods' own phases in run order. */
export function phaseKeys(): Phase[] {
  return table.flatMap((m) => m.phases.map((p) => p.key as Phase));
}
