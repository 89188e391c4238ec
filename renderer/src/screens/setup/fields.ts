/**
 * The setup form as data: one entry per config field (its dotted path in the experiment config
 * schema, src/core/config.ts), grouped into fieldsets. Validation messages from
 * `experiment:validate` are shown next to the field whose path they name.
 */
export type FieldKind = 'int' | 'number' | 'text' | 'select' | 'checkbox' | 'numberList';

export interface FieldSpec {
  path: string;
  label: string;
  kind: FieldKind;
  help?: string;
  /** Empty means "leave it out" (the schema's default / no limit) instead of an error. */
  optional?: boolean;
  placeholder?: string;
  options?: readonly { value: string; label: string }[];
  step?: string;
  min?: number;
  /** Shown under "More settings" of its group. */
  advanced?: boolean;
  /** Enabled only when this is true for the current config. */
  enabledWhen?(config: Record<string, any>): boolean;
}

export interface FieldGroup {
  id: string;
  title: string;
  description?: string;
  fields: FieldSpec[];
}

const lt = (c: Record<string, any>) => Boolean(c.comparisons?.lotteryTicket?.enabled);

export const FIELD_GROUPS: FieldGroup[] = [
  {
    id: 'data', title: 'Data', fields: [
      { path: 'data.trainLimit', label: 'Train limit', kind: 'int', optional: true, placeholder: 'all', help: 'Use only the first N training images.', min: 1 },
      { path: 'data.testLimit', label: 'Test limit', kind: 'int', optional: true, placeholder: 'all', help: 'Use only the first N test images.', min: 1 },
      { path: 'data.validationFraction', label: 'Validation fraction', kind: 'number', step: 'any', help: 'Share of the training set held out for validation.', advanced: true },
      { path: 'data.augment', label: 'Augment training images (pad 4, random crop, horizontal flip)', kind: 'checkbox', help: 'The CIFAR recipe of the Early-Bird paper; the same crops and flips for every method.' },
    ],
  },
  {
    id: 'model', title: 'Model', fields: [
      { path: 'model.name', label: 'Model', kind: 'select' },
      { path: 'model.width', label: 'Width multiplier', kind: 'number', step: 'any', optional: true, placeholder: 'model default', advanced: true },
      { path: 'model.depth', label: 'Depth', kind: 'int', optional: true, placeholder: 'model default', help: 'Hidden layers (mlp) or blocks per stage.', advanced: true },
    ],
  },
  {
    id: 'training', title: 'Training', fields: [
      { path: 'training.epochs', label: 'Epochs (planned N)', kind: 'int', min: 1, help: 'The dense budget; the Early-Bird search stops earlier when the ticket appears.' },
      { path: 'training.batchSize', label: 'Batch size', kind: 'int', min: 1 },
      { path: 'training.learningRate', label: 'Learning rate', kind: 'number', step: 'any' },
      { path: 'training.optimizer', label: 'Optimizer', kind: 'select', options: [{ value: 'sgd', label: 'SGD with momentum' }, { value: 'adam', label: 'Adam' }] },
      { path: 'training.momentum', label: 'Momentum', kind: 'number', step: 'any', advanced: true },
      { path: 'training.weightDecay', label: 'Weight decay', kind: 'number', step: 'any', advanced: true },
      { path: 'training.milestones', label: 'LR milestones', kind: 'numberList', help: 'Fractions of N where the learning rate drops, e.g. 0.5, 0.75.', advanced: true },
      { path: 'training.gamma', label: 'LR drop factor γ', kind: 'number', step: 'any', advanced: true },
    ],
  },
  {
    id: 'search', title: 'Early-Bird search', description: 'The channel mask of each pruning ratio is compared epoch to epoch; the ticket is drawn when it stops changing.', fields: [
      { path: 'search.ratios', label: 'Pruning ratios p', kind: 'numberList', help: 'Ratios whose masks are tracked, e.g. 0.3, 0.5, 0.7.' },
      { path: 'search.pruneRatio', label: 'Ratio to prune', kind: 'select', help: 'The tracked ratio whose ticket is cut out and retrained.' },
      { path: 'search.epsilon', label: 'ε (distance threshold)', kind: 'number', step: 'any' },
      { path: 'search.queueLength', label: 'Queue length', kind: 'int', min: 2, help: 'Masks compared; all distances must stay below ε.' },
      { path: 'search.l1', label: 'λ (slimming L1 on BN γ)', kind: 'number', step: 'any' },
      { path: 'search.stopOnFound', label: 'Stop the search when the ticket is found', kind: 'checkbox', advanced: true },
    ],
  },
  {
    id: 'comparisons', title: 'Comparisons', description: 'Baselines trained in the same run, for accuracy and energy.', fields: [
      { path: 'comparisons.dense', label: 'Dense baseline trained in this run (else projected from the search)', kind: 'checkbox' },
      { path: 'comparisons.ebReinit', label: 'EB re-init (ticket from random weights)', kind: 'checkbox' },
      { path: 'comparisons.lotteryTicket.enabled', label: 'Lottery ticket (LTH)', kind: 'checkbox' },
      { path: 'comparisons.lotteryTicket.mode', label: 'LTH mode', kind: 'select', options: [{ value: 'one-shot', label: 'one-shot' }, { value: 'iterative', label: 'iterative' }], enabledWhen: lt },
      { path: 'comparisons.lotteryTicket.rounds', label: 'LTH rounds', kind: 'int', min: 1, enabledWhen: (c) => lt(c) && c.comparisons?.lotteryTicket?.mode === 'iterative' },
      { path: 'comparisons.lotteryTicket.rate', label: 'LTH prune rate per round', kind: 'number', step: 'any', enabledWhen: lt },
      { path: 'comparisons.lotteryTicket.scope', label: 'LTH scope', kind: 'select', options: [{ value: 'global', label: 'global' }, { value: 'layerwise', label: 'layer-wise' }], enabledWhen: lt, advanced: true },
      { path: 'comparisons.lotteryTicket.reset', label: 'LTH reset', kind: 'select', options: [{ value: 'init', label: 'to θ0 (init)' }, { value: 'rewind', label: 'rewind to θk' }], enabledWhen: lt, advanced: true },
      { path: 'comparisons.lotteryTicket.rewindEpoch', label: 'LTH rewind epoch k', kind: 'int', min: 0, enabledWhen: (c) => lt(c) && c.comparisons?.lotteryTicket?.reset === 'rewind', advanced: true },
      { path: 'comparisons.scratchE', label: 'Scratch-E (slim net, same epochs)', kind: 'checkbox' },
      { path: 'comparisons.scratchB', label: 'Scratch-B (slim net, same FLOP budget)', kind: 'checkbox' },
    ],
  },
  {
    id: 'energy', title: 'Energy', fields: [
      { path: 'energy.intervalMs', label: 'Sampling interval (ms)', kind: 'int', min: 100 },
      { path: 'energy.carbonIntensity', label: 'Carbon intensity (g CO2e/kWh)', kind: 'number', step: 'any' },
      { path: 'energy.pue', label: 'PUE', kind: 'number', step: 'any', help: 'Data-centre overhead, applied to CO2e only.' },
      { path: 'energy.tdpWatts', label: 'CPU TDP override (W)', kind: 'number', step: 'any', optional: true, placeholder: 'auto', help: 'Used by the CPU estimate when no power counter is readable.' },
      { path: 'energy.accuracyTarget', label: 'Accuracy target (0–1)', kind: 'number', step: 'any', optional: true, placeholder: 'dense − 1 point', help: 'Energy to accuracy: each method\'s energy until its validation accuracy first reaches this.' },
    ],
  },
  {
    id: 'run', title: 'Run', fields: [
      { path: 'name', label: 'Name', kind: 'text', optional: true, placeholder: 'optional' },
      { path: 'seed', label: 'Seed', kind: 'int', min: 0 },
      { path: 'backend', label: 'Backend', kind: 'select' },
      { path: 'export.quantize', label: 'Also export an 8-bit quantised ticket', kind: 'checkbox', advanced: true },
    ],
  },
];

export const ALL_FIELDS: FieldSpec[] = FIELD_GROUPS.flatMap((g) => g.fields);

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

/** Deep merge of plain objects (arrays and values from `over` win). */
export function mergeDeep(base: unknown, over: unknown): unknown {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return over === undefined ? base : over;
  if (!base || typeof base !== 'object' || Array.isArray(base)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) out[key] = mergeDeep(out[key], value);
  return out;
}
