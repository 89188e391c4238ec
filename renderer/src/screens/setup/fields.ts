/**
 * The setup form as data. What a field IS — its type, bounds, choices, default, whether it may be
 * left out — comes from the config schema (src/core/config.ts, sent by `experiment:defaults`
 * as JSON Schema); what a person READS — label, help, grouping, which fields sit under "More
 * settings", when a field applies — is kept by hand here, in one place. `buildFieldGroups` joins the
 * two and refuses a hand entry the schema does not have; `unlabelledSchemaPaths` lists schema fields
 * that have no entry here (a test keeps that list empty, so a new config field reaches the form).
 */
import type { ConfigJsonSchema } from '../../../../src/api/contract.ts';
import { methodLabel } from '../../../../src/core/methods.ts';

export type FieldKind = 'int' | 'number' | 'text' | 'select' | 'checkbox' | 'numberList';

type Config = Record<string, any>;

/** The hand-kept half of a field. */
export interface FieldText {
  path: string;
  label: string;
  help?: string;
  /** Shown in an empty field that may be left out (what leaving it out means). */
  placeholder?: string;
  /** Labels of the schema's choices; a choice without one shows its value. */
  choices?: Readonly<Record<string, string>>;
  /** The tracked ratios as the choices (search.pruneRatio): a select, though the schema says number. */
  choicesFromRatios?: boolean;
  /** Shown under "More settings" of its group. */
  advanced?: boolean;
  /** Enabled only when this is true for the current config. */
  enabledWhen?(config: Config): boolean;
}

/** A field as the form renders it: the hand-kept text plus what the schema says. */
export interface FieldSpec extends FieldText {
  kind: FieldKind;
  /** Empty means "leave it out" (no default, no limit) instead of an error. */
  optional: boolean;
  min?: number;
  max?: number;
  /** Bounds that exclude the limit itself (`> 0`, `< 1`). */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  options?: { value: string; label: string }[];
  default?: unknown;
  /** What the schema allows, in words, e.g. "whole number from 1 to 10000; default 20". */
  allowed: string;
}

export interface FieldGroup {
  id: string;
  title: string;
  description?: string;
  fields: FieldSpec[];
}

interface GroupText {
  id: string;
  title: string;
  description?: string;
  fields: FieldText[];
}

/** Config fields with their own control elsewhere in the form. */
export const CUSTOM_FIELDS = ['data.spec'] as const;
/** Config fields never shown: a constant the form keeps as loaded. */
export const SILENT_FIELDS = ['schemaVersion'] as const;

const lt = (c: Config) => Boolean(c.comparisons?.lotteryTicket?.enabled);
const pipeline = (c: Config) => Boolean(c.comparisons?.prunePipeline?.enabled);

const BACKEND_CHOICES: Record<string, string> = {
  auto: 'auto (fastest available)',
  webgpu: 'GPU: WebGPU (any GPU, through Dawn)',
  'tensorflow-gpu': 'GPU: CUDA (tfjs-node-gpu, NVIDIA on Linux)',
  tensorflow: 'CPU: libtensorflow (tfjs-node)',
  wasm: 'CPU: wasm, every core',
  cpu: 'CPU: plain JavaScript (slowest)',
};

export const FIELD_TEXT: readonly GroupText[] = [
  {
    id: 'data', title: 'Data', fields: [
      { path: 'data.trainLimit', label: 'Train limit', placeholder: 'all', help: 'Use only the first N training images.' },
      { path: 'data.testLimit', label: 'Test limit', placeholder: 'all', help: 'Use only the first N test images.' },
      { path: 'data.validationFraction', label: 'Validation fraction', help: 'Share of the training set held out for validation.', advanced: true },
      { path: 'data.augment', label: 'Augment training images (pad 4, random crop, horizontal flip)', help: 'The CIFAR recipe of the Early-Bird paper; the same crops and flips for every method.' },
    ],
  },
  {
    id: 'model', title: 'Model', fields: [
      { path: 'model.name', label: 'Model' },
      { path: 'model.width', label: 'Width multiplier', placeholder: 'model default', advanced: true },
      { path: 'model.depth', label: 'Depth', placeholder: 'model default', help: 'Hidden layers (mlp) or blocks per stage.', advanced: true },
    ],
  },
  {
    id: 'training', title: 'Training', fields: [
      { path: 'training.epochs', label: 'Epochs (planned N)', help: 'The dense budget; the Early-Bird search stops earlier when the ticket appears.' },
      { path: 'training.batchSize', label: 'Batch size' },
      { path: 'training.learningRate', label: 'Learning rate' },
      { path: 'training.optimizer', label: 'Optimizer', choices: { sgd: 'SGD with momentum', adam: 'Adam' } },
      { path: 'training.momentum', label: 'Momentum', advanced: true },
      { path: 'training.weightDecay', label: 'Weight decay', advanced: true },
      { path: 'training.milestones', label: 'LR milestones', help: 'Fractions of N where the learning rate drops, e.g. 0.5, 0.75.', advanced: true },
      { path: 'training.gamma', label: 'LR drop factor γ', advanced: true },
      { path: 'training.workers', label: 'Data-parallel workers', placeholder: 'auto', help: 'Threads the batch is split among; empty: every core on wasm, 1 elsewhere.', advanced: true },
    ],
  },
  {
    id: 'search', title: 'Early-Bird search', description: 'The channel mask of each pruning ratio is compared epoch to epoch; the ticket is drawn when it stops changing.', fields: [
      { path: 'search.ratios', label: 'Pruning ratios p', help: 'Ratios whose masks are tracked, e.g. 0.3, 0.5, 0.7.' },
      { path: 'search.pruneRatio', label: 'Ratio to prune', choicesFromRatios: true, help: 'The tracked ratio whose ticket is cut out and retrained.' },
      { path: 'search.epsilon', label: 'ε (distance threshold)' },
      { path: 'search.queueLength', label: 'Queue length', help: 'Masks compared; all distances must stay below ε.' },
      { path: 'search.l1', label: 'λ (slimming L1 on BN γ)' },
      { path: 'search.stopOnFound', label: 'Stop the search when the ticket is found', advanced: true },
    ],
  },
  {
    id: 'comparisons', title: 'Comparisons', description: 'Baselines trained in the same run, for accuracy and energy.', fields: [
      { path: 'comparisons.dense', label: `${methodLabel('dense')} trained in this run (else projected from the search)` },
      { path: 'comparisons.sequential', label: `${methodLabel('dense')} after ${methodLabel('ebTrain')}, not in turns`, help: 'In turns (the default) the two take an epoch each, so a machine whose speed drifts over minutes slows both alike.', advanced: true },
      { path: 'comparisons.prunePipeline.enabled', label: `${methodLabel('prunePipeline')} (slimming-train the dense net, prune, fine-tune)`, help: 'The pruning pipeline the Early-Bird paper measures its savings against.' },
      { path: 'comparisons.prunePipeline.fineTuneEpochs', label: 'Fine-tune epochs', placeholder: 'N (the training epochs)', enabledWhen: pipeline },
      { path: 'comparisons.ebReinit', label: `${methodLabel('ebReinit')} (ticket from random weights)` },
      { path: 'comparisons.lotteryTicket.enabled', label: methodLabel('lotteryTicket') },
      { path: 'comparisons.lotteryTicket.mode', label: 'LTH mode', choices: { 'one-shot': 'one-shot', iterative: 'iterative' }, enabledWhen: lt },
      { path: 'comparisons.lotteryTicket.rounds', label: 'LTH rounds', enabledWhen: (c) => lt(c) && c.comparisons?.lotteryTicket?.mode === 'iterative' },
      { path: 'comparisons.lotteryTicket.rate', label: 'LTH prune rate per round', enabledWhen: lt },
      { path: 'comparisons.lotteryTicket.scope', label: 'LTH scope', choices: { global: 'global', layerwise: 'layer-wise' }, enabledWhen: lt, advanced: true },
      { path: 'comparisons.lotteryTicket.reset', label: 'LTH reset', choices: { init: 'to θ0 (init)', rewind: 'rewind to θk' }, enabledWhen: lt, advanced: true },
      { path: 'comparisons.lotteryTicket.rewindEpoch', label: 'LTH rewind epoch k', enabledWhen: (c) => lt(c) && c.comparisons?.lotteryTicket?.reset === 'rewind', advanced: true },
      { path: 'comparisons.scratchE', label: `${methodLabel('scratchE')} (slim net, same epochs)` },
      { path: 'comparisons.scratchB', label: `${methodLabel('scratchB')} (slim net, same FLOP budget)` },
    ],
  },
  {
    id: 'energy', title: 'Energy', fields: [
      { path: 'energy.intervalMs', label: 'Sampling interval (ms)' },
      { path: 'energy.carbonIntensity', label: 'Carbon intensity (g CO2e/kWh)' },
      { path: 'energy.pue', label: 'PUE', help: 'Data-centre overhead, applied to CO2e only.' },
      { path: 'energy.tdpWatts', label: 'CPU TDP override (W)', placeholder: 'auto', help: 'Used by the CPU estimate when no power counter is readable.' },
      { path: 'energy.accuracyTarget', label: 'Accuracy target (0–1)', placeholder: 'dense − 1 point', help: 'Energy to accuracy: each method\'s energy until its validation accuracy first reaches this.' },
    ],
  },
  {
    id: 'run', title: 'Run', fields: [
      { path: 'name', label: 'Name', placeholder: 'optional' },
      { path: 'seed', label: 'Seed', help: 'The run\'s seed; with repeats, the first of them.' },
      { path: 'seeds', label: 'Seeds', placeholder: 'one run', help: 'Several seeds, e.g. 1, 2, 3: the whole experiment once per seed, reported as mean ± std (a study).' },
      { path: 'repeats', label: 'Repeats', placeholder: 'one run', help: 'Instead of seeds: this many runs, seeds seed, seed + 1, …' },
      { path: 'backend', label: 'Backend', choices: BACKEND_CHOICES },
      { path: 'export.quantize', label: 'Also export an 8-bit quantised ticket', advanced: true },
    ],
  },
];

/** The schema node at a dotted path, or undefined. */
export function schemaAt(schema: ConfigJsonSchema, path: string): ConfigJsonSchema | undefined {
  let node: ConfigJsonSchema | undefined = schema;
  for (const key of path.split('.')) node = node?.properties?.[key];
  return node;
}

/** Whether the property at `path` is required by its parent object. */
function isRequired(schema: ConfigJsonSchema, path: string): boolean {
  const keys = path.split('.');
  const parent = keys.length > 1 ? schemaAt(schema, keys.slice(0, -1).join('.')) : schema;
  return Boolean(parent?.required?.includes(keys[keys.length - 1]!));
}

/** Every leaf of the schema (a property that is not an object with properties), as dotted paths. */
export function schemaLeafPaths(schema: ConfigJsonSchema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, node]) =>
    node.type === 'object' && node.properties ? schemaLeafPaths(node, `${prefix}${key}.`) : [`${prefix}${key}`]);
}

/** Schema fields with neither a hand-kept entry nor a place in CUSTOM_FIELDS / SILENT_FIELDS. */
export function unlabelledSchemaPaths(schema: ConfigJsonSchema): string[] {
  const known = new Set<string>([...FIELD_TEXT.flatMap((g) => g.fields.map((f) => f.path)), ...CUSTOM_FIELDS, ...SILENT_FIELDS]);
  return schemaLeafPaths(schema).filter((path) => !known.has(path));
}

const SAFE_LIMIT = Number.MAX_SAFE_INTEGER;

function describeAllowed(node: ConfigJsonSchema, kind: FieldKind, optional: boolean): string {
  const number = (n: ConfigJsonSchema, noun: string): string => {
    const lo = n.exclusiveMinimum ?? n.minimum;
    const hi = n.exclusiveMaximum ?? (n.maximum !== undefined && n.maximum < SAFE_LIMIT ? n.maximum : undefined);
    const low = lo === undefined ? '' : n.exclusiveMinimum !== undefined ? `above ${lo}` : `at least ${lo}`;
    const high = hi === undefined ? '' : n.exclusiveMaximum !== undefined ? `below ${hi}` : `at most ${hi}`;
    return [noun, [low, high].filter(Boolean).join(' and ')].filter(Boolean).join(', ');
  };
  let text: string;
  if (kind === 'checkbox') text = 'on or off';
  else if (node.enum) text = `one of ${node.enum.join(', ')}`;
  else if (kind === 'numberList') {
    const count = node.minItems !== undefined && node.maxItems !== undefined ? `${node.minItems}–${node.maxItems}` : node.maxItems !== undefined ? `up to ${node.maxItems}` : node.minItems !== undefined ? `at least ${node.minItems}` : 'any number of';
    text = `${count} ${number(node.items ?? {}, node.items?.type === 'integer' ? 'whole numbers' : 'numbers')}`;
  } else if (kind === 'int' || kind === 'number') text = number(node, kind === 'int' ? 'whole number' : 'number');
  else text = node.maxLength !== undefined ? `text, up to ${node.maxLength} characters` : 'text';
  if (node.default !== undefined) text += `; default ${Array.isArray(node.default) ? node.default.join(', ') : String(node.default)}`;
  else if (optional) text += '; may be left empty';
  return text;
}

function kindOf(node: ConfigJsonSchema, text: FieldText): FieldKind {
  if (text.choicesFromRatios || node.enum) return 'select';
  switch (node.type) {
    case 'integer': return 'int';
    case 'number': return 'number';
    case 'boolean': return 'checkbox';
    case 'string': return 'text';
    case 'array': if (node.items?.type === 'number' || node.items?.type === 'integer') return 'numberList';
  }
  throw new Error(`setup form: config field ${text.path} is a ${node.type ?? 'value'} the form has no control for`);
}

/** The form's fields: the hand-kept text of each, with its type, bounds, choices and default from the schema. */
export function buildFieldGroups(schema: ConfigJsonSchema): FieldGroup[] {
  return FIELD_TEXT.map((group) => ({
    ...group,
    fields: group.fields.map((text): FieldSpec => {
      const node = schemaAt(schema, text.path);
      if (!node) throw new Error(`setup form: the config schema has no field ${text.path}`);
      const kind = kindOf(node, text);
      const optional = !isRequired(schema, text.path) && node.default === undefined;
      const bounds = kind === 'numberList' ? node.items ?? {} : node;
      return {
        ...text,
        kind,
        optional,
        min: bounds.exclusiveMinimum ?? bounds.minimum,
        max: bounds.exclusiveMaximum ?? (bounds.maximum !== undefined && bounds.maximum < SAFE_LIMIT ? bounds.maximum : undefined),
        exclusiveMin: bounds.exclusiveMinimum !== undefined,
        exclusiveMax: bounds.exclusiveMaximum !== undefined,
        options: node.enum?.map((value) => ({ value: String(value), label: text.choices?.[String(value)] ?? String(value) })),
        default: node.default,
        allowed: describeAllowed(node, text.choicesFromRatios ? kindOf(node, { ...text, choicesFromRatios: false }) : kind, optional),
      };
    }),
  }));
}

export function getPath(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), object);
}

export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = object;
  for (const key of keys.slice(0, -1)) {
    if (!target[key] || typeof target[key] !== 'object') target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys[keys.length - 1]!] = value;
}

/** Removes the value at `path` (nothing when the path does not exist). */
export function deletePath(object: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const parent = keys.length > 1 ? getPath(object, keys.slice(0, -1).join('.')) : object;
  if (parent && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[keys[keys.length - 1]!];
}

/** Every leaf of a plain object (a value that is not a non-empty plain object), as dotted paths. */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) return prefix ? [prefix.slice(0, -1)] : [];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, `${prefix}${key}.`));
}

/** Deep merge of plain objects (arrays and values from `over` win). */
export function mergeDeep(base: unknown, over: unknown): unknown {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return over === undefined ? base : over;
  if (!base || typeof base !== 'object' || Array.isArray(base)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) out[key] = mergeDeep(out[key], value);
  return out;
}
