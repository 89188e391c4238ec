/**
 * CLI flags as views of the experiment schema (open_lth's hparams dataclasses are the model): each
 * flag names a config field; its type, bounds, choices and default are read from the zod schema, its
 * value is validated by the schema, and its help line is generated from both. Nothing about a flag is
 * written twice, so `--epochs` cannot say "default 10" while the schema says 20.
 */
import { MODEL_NAMES, experimentSchema, parseConfig, ConfigError, type ExperimentConfig, type ExperimentConfigInput } from '../core/config.ts';
import { UsageError } from './args.ts';

export interface ConfigFlag {
  flag: string;
  /** Path of the config field, e.g. ['training', 'epochs']. */
  path: readonly string[];
  /** What the value means (bounds, choices and default are added from the schema). */
  help: string;
  /** Placeholder in the usage line. */
  placeholder?: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- zod's internal defs are walked by shape */
type AnySchema = any;

/** The zod schema of a config field, through the defaults, optionals and objects on the way. */
export function fieldSchema(path: readonly string[]): AnySchema {
  let schema: AnySchema = (experimentSchema as AnySchema).in ?? experimentSchema;
  for (const key of path) {
    schema = unwrap(schema);
    schema = schema?.shape?.[key];
    if (!schema) throw new Error(`no config field ${path.join('.')}`);
  }
  return schema;
}

/** A schema under its defaults, optionals and transforms: what the user types (config flags and CLI options). */
export function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const type = s?.def?.type;
    if (type === 'default' || type === 'optional' || type === 'prefault') s = s.unwrap();
    else if (type === 'pipe') s = s.def.in; // a transform: what the user types is its input
    else return s;
  }
}

/** The default the schema gives a field (from a config that sets only what is required). */
export function fieldDefault(path: readonly string[]): unknown {
  const base = parseConfig({ model: { name: MODEL_NAMES[0] } }) as unknown as Record<string, unknown>;
  let value: unknown = base;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

function numberBounds(schema: AnySchema): string {
  const checks: { check: string; value: number; inclusive: boolean }[] = (schema.def?.checks ?? []).map((c: AnySchema) => c._zod?.def).filter(Boolean);
  const lower = checks.find((c) => c.check === 'greater_than');
  const upper = checks.find((c) => c.check === 'less_than');
  const integer = schema.isInt === true;
  const fmt = (n: number) => (Math.abs(n) >= 1e15 ? '' : String(n));
  const low = lower ? `${lower.inclusive ? '≥' : '>'} ${fmt(lower.value)}` : '';
  const high = upper && fmt(upper.value) ? `${upper.inclusive ? '≤' : '<'} ${fmt(upper.value)}` : '';
  return [integer ? 'integer' : 'number', [low, high].filter(Boolean).join(', ')].filter(Boolean).join(' ');
}

/** "integer ≥ 1, ≤ 10000; default 20" / "one of sgd | adam; default sgd", from a schema and its default. */
export function schemaFacts(schema: AnySchema, fallback: unknown): string {
  const parts: string[] = [];
  if (schema.def?.type === 'number') parts.push(numberBounds(schema));
  else if (schema.def?.type === 'enum') parts.push(`one of ${(schema.options as string[]).join(' | ')}`);
  if (fallback !== undefined && typeof fallback !== 'object') parts.push(`default ${String(fallback)}`);
  return parts.join('; ');
}

/** The facts of a config field's flag: bounds, choices and the schema's default. */
export function describeField(path: readonly string[]): string {
  const raw = fieldSchema(path);
  // Only a field the schema defaults has a default; a required one (model.name) has none to show.
  return schemaFacts(unwrap(raw), raw.def?.type === 'default' ? fieldDefault(path) : undefined);
}

/** One usage line per flag: `--epochs <n>   planned epochs (integer ≥ 1, ≤ 10000; default 20)`. */
export function flagHelp(flags: readonly ConfigFlag[], width = 21): string {
  return flags.map((f) => {
    const name = `--${f.flag} <${f.placeholder ?? 'x'}>`;
    const facts = describeField(f.path);
    return `  ${name.padEnd(width)}${f.help}${facts ? ` (${facts})` : ''}`;
  }).join('\n');
}

/** The flags' values as a partial config input (numbers converted where the schema wants numbers). */
export function flagsToInput(flags: readonly ConfigFlag[], values: Record<string, string | boolean | undefined>, base: ExperimentConfigInput | Record<string, unknown> = {}): Record<string, unknown> {
  const input = structuredClone(base) as Record<string, unknown>;
  for (const f of flags) {
    const raw = values[f.flag];
    if (raw === undefined || typeof raw === 'boolean') continue;
    const schema = unwrap(fieldSchema(f.path));
    const value = schema.def?.type === 'number' ? (raw.trim() === '' ? Number.NaN : Number(raw)) : raw;
    let node = input;
    for (const key of f.path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[f.path[f.path.length - 1]!] = value;
  }
  return input;
}

/** Validates flags through the schema; a bad value is a UsageError naming the flag and the rule. */
export function configFromFlags(flags: readonly ConfigFlag[], values: Record<string, string | boolean | undefined>, base: ExperimentConfigInput | Record<string, unknown> = {}): ExperimentConfig {
  const input = flagsToInput(flags, values, base);
  try {
    return parseConfig(input, 'flags');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = error.issues.map((issue) => {
      const flag = flags.find((f) => f.path.join('.') === issue.path);
      const raw = flag ? values[flag.flag] : undefined;
      return flag ? `--${flag.flag}: ${issue.message}${typeof raw === 'string' ? ` (got "${raw}")` : ''}; expected ${describeField(flag.path)}` : `${issue.path}: ${issue.message}`;
    });
    throw new UsageError(lines.join('\n'));
  }
}

/** parseArgs option specs for the flags (all strings: the schema converts and checks them). */
export function parseArgsOptions(flags: readonly ConfigFlag[]): Record<string, { type: 'string' }> {
  return Object.fromEntries(flags.map((f) => [f.flag, { type: 'string' as const }]));
}
