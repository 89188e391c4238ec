/**
 * The one object that describes an experiment: data, model, training, the Early-Bird search, the
 * comparisons to run and the energy settings. Validated with zod; every bad field is rejected with
 * its path and what is allowed.
 */
import { z } from 'zod';
import { sameRatio } from './ratio.ts';
import { DEFAULT_OPTIMIZER, type OptimizerSettings } from './optimizerSettings.ts';

export const CONFIG_SCHEMA_VERSION = 1;

/**
 * The choices the schema offers, written here so the vocabulary layer loads nothing of the engine;
 * the engine modules that implement them check themselves against these lists (the backend selector
 * imports BACKEND_CHOICES, the model registry's keys are type-checked against ModelName).
 */
export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export const MODEL_NAMES = ['mlp', 'lenet5-bn', 'vgg-s', 'resnet-s', 'tiny', 'vgg16', 'preresnet20', 'preresnet56', 'preresnet110'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export const OPTIMIZERS = ['sgd', 'adam'] as const;
/** The Early-Bird paper's step schedule: ×gamma at these fractions of the planned epochs. */
export const EB_SCHEDULE: { milestones: number[]; gamma: number } = { milestones: [0.5, 0.75], gamma: 0.1 };

const ratio = z.number().gt(0, 'must be > 0').lt(1, 'must be < 1');

export const trainingSchema = z.strictObject({
  /** The planned epoch budget N: the dense network would train this long. */
  epochs: z.number().int().min(1).max(10_000).default(20),
  batchSize: z.number().int().min(1).max(4096).default(128),
  learningRate: z.number().positive().max(10).default(0.1),
  // The optimizer's defaults are the training loop's own (src/core/optimizerSettings.ts), read here, not repeated.
  optimizer: z.enum(OPTIMIZERS).default(DEFAULT_OPTIMIZER.kind),
  momentum: z.number().min(0).lt(1).default(DEFAULT_OPTIMIZER.momentum),
  weightDecay: z.number().min(0).max(1).default(DEFAULT_OPTIMIZER.weightDecay),
  /** Learning-rate drops, as fractions of the planned epochs. */
  milestones: z.array(z.number().gt(0).lt(1)).max(10).default(() => [...EB_SCHEDULE.milestones]),
  gamma: z.number().gt(0).max(1).default(EB_SCHEDULE.gamma),
  /**
   * Data-parallel replicas (worker threads, one core each; the batch is split among them). Unset:
   * the cores this process may use on the wasm backend, 1 on the others. 1: one thread.
   */
  workers: z.number().int().min(1).max(256).optional(),
});

export const searchSchema = z.strictObject({
  /** Pruning ratios whose masks the detector tracks. */
  ratios: z.array(ratio).min(1).max(9).default([0.3, 0.5, 0.7]),
  /** The ratio whose ticket is cut out and retrained. Must be one of `ratios`. */
  pruneRatio: ratio.default(0.5),
  epsilon: z.number().min(0).max(1).default(0.1),
  queueLength: z.number().int().min(2).max(50).default(5),
  /** Network-slimming strength: λ·sign(γ) is added to every BatchNorm γ gradient while searching. */
  l1: z.number().min(0).max(1).default(1e-4),
  /** Stop the search when the ticket is found (where the energy is saved), or train on to compare. */
  stopOnFound: z.boolean().default(true),
});

export const lotteryTicketSchema = z.strictObject({
  enabled: z.boolean().default(false),
  mode: z.enum(['one-shot', 'iterative']).default('one-shot'),
  rounds: z.number().int().min(1).max(20).default(3),
  /** Share of the remaining weights pruned per round. */
  rate: z.number().gt(0).lt(1).default(0.2),
  scope: z.enum(['global', 'layerwise']).default('global'),
  /** Survivors go back to θ0 (`init`) or to the weights after `rewindEpoch` epochs (`rewind`). */
  reset: z.enum(['init', 'rewind']).default('init'),
  rewindEpoch: z.number().int().min(0).default(1),
});

/**
 * The standard pruning pipeline (network slimming, Liu et al. 2017): the dense network trained with
 * the L1 term on γ for the whole budget, pruned at `search.pruneRatio` by the same global |γ| rule as
 * the ticket, then fine-tuned. The Early-Bird paper (You et al. 2020, §4) measures its savings against
 * this pipeline: 160 epochs of training followed by 160 of fine-tuning on CIFAR, i.e. the fine-tune as
 * long as the training budget — hence the default `fineTuneEpochs` = `training.epochs`. Checked
 * against both official codes: network slimming's README fine-tunes with `main.py --refine … --epochs
 * 160` after sparsity training at main.py's 160 (github.com/Eric-mingjie/network-slimming, "Fine-tune-160"
 * in its tables); Early-Bird's scripts/standard-train/search.sh trains `--epochs 160`
 * (github.com/GATECH-EIC/Early-Bird-Tickets).
 */
export const prunePipelineSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Fine-tuning epochs after the prune; absent: `training.epochs` (the EB paper's 160 + 160). */
  fineTuneEpochs: z.number().int().min(1).max(10_000).optional(),
});

export const comparisonsSchema = z.strictObject({
  dense: z.boolean().default(true),
  ebReinit: z.boolean().default(false),
  lotteryTicket: lotteryTicketSchema.default(lotteryTicketSchema.parse({})),
  scratchE: z.boolean().default(false),
  scratchB: z.boolean().default(false),
  prunePipeline: prunePipelineSchema.default(prunePipelineSchema.parse({})),
  /**
   * EB Train and the dense baseline take turns, one epoch each, so that a machine whose speed changes
   * over minutes (heat, clock, a virtual machine's host) slows both alike and the saving stays the
   * methods' own; `sequential: true` trains the dense baseline after EB Train instead. Absent means
   * off (in turns), and leaves the config hash of a config written without it unchanged.
   */
  sequential: z.boolean().optional(),
});

export const energySchema = z.strictObject({
  intervalMs: z.number().int().min(100).max(60_000).default(1000),
  /** Grid carbon intensity in g CO2e per kWh (475: the world average CodeCarbon uses). */
  carbonIntensity: z.number().min(0).max(2000).default(475),
  pue: z.number().min(1).max(3).default(1.0),
  /** Overrides the CPU TDP used by the utilisation estimate, in watts. */
  tdpWatts: z.number().positive().max(2000).optional(),
  /** Validation accuracy (0–1) each method's energy to accuracy is measured to; absent: the dense network's final validation accuracy minus 1 point. */
  accuracyTarget: z.number().min(0).max(1).optional(),
});

export const experimentSchema = z.strictObject({
  schemaVersion: z.literal(CONFIG_SCHEMA_VERSION).default(CONFIG_SCHEMA_VERSION),
  name: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  data: z.strictObject({
    /** `mnist`, `fashion-mnist:<dir>`, `cifar10:<dir>`, `idx:<dir>`, `mnist:<dir>`. */
    spec: z.string().min(1).default('mnist'),
    trainLimit: z.number().int().min(1).optional(),
    testLimit: z.number().int().min(1).optional(),
    validationFraction: z.number().min(0).lt(1).default(0.1),
    /**
     * Pad-4 random crop + horizontal flip of training images (the CIFAR recipe, src/data/augment.ts),
     * seeded, the same for every method. Absent means off, and leaves the config hash of a config
     * written without it unchanged.
     */
    augment: z.boolean().optional(),
  }).default({ spec: 'mnist', validationFraction: 0.1 }),
  model: z.strictObject({
    name: z.enum(MODEL_NAMES),
    width: z.number().positive().max(8).optional(),
    depth: z.number().int().min(1).max(20).optional(),
  }),
  training: trainingSchema.default(trainingSchema.parse({})),
  search: searchSchema.default(searchSchema.parse({})),
  comparisons: comparisonsSchema.default(comparisonsSchema.parse({})),
  energy: energySchema.default(energySchema.parse({})),
  export: z.strictObject({
    /** Also export the ticket with 8-bit weight quantisation, reporting size and accuracy change. */
    quantize: z.boolean().default(false),
  }).default({ quantize: false }),
  /** Run the whole experiment once per seed and report mean ± std and a 95 % interval (overrides `seed`). */
  seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100).optional(),
  /** Shorthand for `seeds`: `repeats: 3` runs seeds seed, seed + 1, seed + 2. */
  repeats: z.number().int().min(1).max(100).optional(),
}).superRefine((config, ctx) => {
  if (config.seeds && config.repeats !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['repeats'], message: 'give seeds or repeats, not both' });
  }
  if (config.seeds && new Set(config.seeds).size !== config.seeds.length) {
    ctx.addIssue({ code: 'custom', path: ['seeds'], message: `must not repeat a seed (got ${config.seeds.join(', ')})` });
  }
  if (!config.search.ratios.some((r) => sameRatio(r, config.search.pruneRatio))) {
    ctx.addIssue({
      code: 'custom',
      path: ['search', 'pruneRatio'],
      message: `must be one of the tracked pruning ratios (search.ratios: ${config.search.ratios.join(', ')})`,
    });
  }
  const lt = config.comparisons.lotteryTicket;
  if (lt.enabled && lt.reset === 'rewind' && lt.rewindEpoch >= config.training.epochs) {
    ctx.addIssue({
      code: 'custom',
      path: ['comparisons', 'lotteryTicket', 'rewindEpoch'],
      message: `must be below training.epochs (${config.training.epochs})`,
    });
  }
}).transform((config) => {
  // pruneRatio as the tracked ratio it matched, so every later comparison is exact.
  const tracked = config.search.ratios.find((r) => sameRatio(r, config.search.pruneRatio));
  return tracked === undefined || tracked === config.search.pruneRatio ? config : { ...config, search: { ...config.search, pruneRatio: tracked } };
});

export type ExperimentConfig = z.output<typeof experimentSchema>;
export type ExperimentConfigInput = z.input<typeof experimentSchema>;
export type TrainingSettings = ExperimentConfig['training'];
export type SearchSettings = ExperimentConfig['search'];
export type LotteryTicketSettings = ExperimentConfig['comparisons']['lotteryTicket'];
export type EnergySettings = ExperimentConfig['energy'];
export type PrunePipelineSettings = ExperimentConfig['comparisons']['prunePipeline'];

/** A config as a run folder may hold it: any field may be missing. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly DeepPartial<U>[]
  : T extends object
  ? { [K in keyof T]?: DeepPartial<T[K]> }
  : T;


export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(message: string, readonly issues: { path: string; message: string }[] = []) {
    super(message);
  }
}

/**
 * zod's wording for limits and types ("Too small: expected number to be >=1") in plain words for the
 * form and the CLI ("must be at least 1"); other messages are already written for people.
 */
function readableMessage(issue: z.core.$ZodIssue): string {
  const limit = issue as { origin?: string; minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean; expected?: string; values?: unknown[] };
  if (issue.code === 'invalid_value' && limit.values?.length) return limit.values.length === 1 ? `must be ${String(limit.values[0])}` : `must be one of ${limit.values.map(String).join(', ')}`;
  if (issue.code === 'too_small' && limit.origin === 'number') return `must be ${limit.inclusive ? 'at least' : 'more than'} ${limit.minimum}`;
  if (issue.code === 'too_big' && limit.origin === 'number') return `must be ${limit.inclusive ? 'at most' : 'less than'} ${limit.maximum}`;
  if (issue.code === 'too_small' && limit.origin === 'array') return `needs at least ${limit.minimum} value${Number(limit.minimum) === 1 ? '' : 's'}`;
  if (issue.code === 'too_big' && limit.origin === 'array') return `takes at most ${limit.maximum} values`;
  if (issue.code === 'too_small' && limit.origin === 'string') return Number(limit.minimum) === 1 ? 'must not be empty' : `needs at least ${limit.minimum} characters`;
  if (issue.code === 'invalid_type' && limit.expected === 'int') return 'must be a whole number';
  if (issue.code === 'invalid_type' && limit.expected) return `must be ${/^[aeiou]/.test(limit.expected) ? 'an' : 'a'} ${limit.expected}`;
  return issue.message;
}

/** Parses and validates; throws ConfigError listing every bad field by path. */
export function parseConfig(input: unknown, source = 'config'): ExperimentConfig {
  const result = experimentSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.join('.') : '(root)',
    message: readableMessage(issue),
  }));
  throw new ConfigError(`${source} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
}

/** The small experiment `earlybird run --demo` runs: embedded digits, every phase, a few minutes. */
export function demoConfig(): ExperimentConfig {
  return parseConfig({
    name: 'demo: lenet5-bn on the embedded digits',
    model: { name: 'lenet5-bn' },
    data: { spec: 'mnist', trainLimit: 4000 },
    training: { epochs: 12, batchSize: 64, learningRate: 0.05 },
    search: { ratios: [0.3, 0.5, 0.7], pruneRatio: 0.5, epsilon: 0.1, queueLength: 3 },
    comparisons: { dense: true, ebReinit: true, lotteryTicket: { enabled: true, mode: 'one-shot' }, scratchE: true, scratchB: false },
    export: { quantize: true },
  }, 'demo config');
}

/** The seeds a config asks for: `seeds`, else `repeats` consecutive seeds from `seed`, else `seed`. */
export function seedsOf(config: ExperimentConfig): number[] {
  if (config.seeds) return [...config.seeds];
  if (config.repeats !== undefined) return Array.from({ length: config.repeats }, (_, i) => config.seed + i);
  return [config.seed];
}

/** The config of one seed's run: `seed` set, `seeds`/`repeats` gone (one run is one experiment). */
export function withSeed(config: ExperimentConfig, seed: number): ExperimentConfig {
  const { seeds: _seeds, repeats: _repeats, ...single } = config;
  return { ...single, seed };
}

/** Training settings as the loop takes them. */
export function scheduleOf(training: TrainingSettings) {
  return { baseLearningRate: training.learningRate, milestones: training.milestones, gamma: training.gamma };
}

/** The optimizer a run trains with: the config's choices, Adam's constants from the loop's defaults. */
export function optimizerOf(training: TrainingSettings): OptimizerSettings {
  return { ...DEFAULT_OPTIMIZER, kind: training.optimizer, momentum: training.momentum, weightDecay: training.weightDecay };
}
