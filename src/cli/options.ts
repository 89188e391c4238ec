/**
 * Command-line options that are not config fields (--runs, --json, --port …) as zod schemas, the way
 * configFlags.ts makes config fields into flags: each option's type, bounds, choices and default live
 * in its schema, its help text beside it, and the parseArgs spec, the usage lines and the checked
 * values are all read from that one definition. Nothing about an option is written twice.
 */
import { z } from 'zod';
import { UsageError } from './args.ts';
import { schemaFacts, unwrap } from './configFlags.ts';
import { RUNS_DIR_ENV, RUNS_DIR_FALLBACK, resolveRunsDir } from '../run/runStore.ts';

export interface OptionMeta {
  /** What the option does (bounds, choices and the default are added from the schema). */
  help: string;
  /** Placeholder of the value in the usage line. */
  placeholder?: string;
  short?: string;
  /** The default in words, for one that depends on the environment (else it is read from the schema). */
  defaultText?: string;
}

const registry = z.registry<OptionMeta>();

/** An option: its schema (type, bounds, default) and its help. */
export function option<T extends z.ZodType>(schema: T, meta: OptionMeta): T {
  registry.add(schema, meta);
  return schema;
}

export type OptionShape = Record<string, z.ZodType>;
export type OptionValues<S extends OptionShape> = z.output<z.ZodObject<S>>;

/* eslint-disable @typescript-eslint/no-explicit-any -- zod's internal defs are walked by shape */
type AnySchema = any;

function metaOf(name: string, schema: z.ZodType): OptionMeta {
  const meta = registry.get(schema);
  if (!meta) throw new Error(`option --${name} is not declared with option() (it has no help)`);
  return meta;
}

function isBoolean(schema: z.ZodType): boolean {
  return unwrap(schema)?.def?.type === 'boolean';
}

/** The default the schema gives (run through its transform), or undefined when it has none. */
function defaultOf(schema: AnySchema): unknown {
  const type = schema.def?.type;
  if (type !== 'default' && type !== 'prefault') return undefined;
  const result = schema.safeParse(undefined);
  return result.success ? result.data : undefined;
}

/** "integer ≥ 0, ≤ 65535; default any free port" — bounds, choices and default of one option. */
export function optionFacts(name: string, schema: z.ZodType, withDefault = true): string {
  const meta = metaOf(name, schema);
  if (isBoolean(schema)) return '';
  return schemaFacts(unwrap(schema), withDefault ? meta.defaultText ?? defaultOf(schema) : undefined);
}

/** parseArgs option specs (values arrive as strings; the schema converts and checks them), and -h/--help. */
export function parseArgsSpec(shape: OptionShape): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, schema] of Object.entries(shape)) {
    const meta = metaOf(name, schema);
    spec[name] = { type: isBoolean(schema) ? 'boolean' : 'string', ...(meta.short ? { short: meta.short } : {}) };
  }
  return spec;
}

/** One usage line per option: `  --runs <dir>         where run folders are (default $EARLYBIRD_RUNS, else ./runs)`. */
export function optionsHelp(shape: OptionShape, width = 21): string {
  return Object.entries(shape).map(([name, schema]) => {
    const meta = metaOf(name, schema);
    const flag = isBoolean(schema) ? `--${name}` : `--${name} <${meta.placeholder ?? 'x'}>`;
    const facts = optionFacts(name, schema);
    return `  ${flag.padEnd(width)}${meta.help}${facts ? ` (${facts})` : ''}`;
  }).join('\n');
}

/** The options' values checked by their schemas (defaults filled in); a bad one is a UsageError naming the flag. */
export function parseOptions<S extends OptionShape>(shape: S, values: Record<string, string | boolean | undefined>): OptionValues<S> {
  const input: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(shape)) {
    const raw = values[name];
    if (raw === undefined) continue;
    input[name] = unwrap(schema)?.def?.type === 'number' && typeof raw === 'string' ? (raw.trim() === '' ? Number.NaN : Number(raw)) : raw;
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data as OptionValues<S>;
  throw new UsageError(result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const raw = values[name];
    const facts = shape[name] ? optionFacts(name, shape[name], false) : '';
    return `--${name}: ${issue.message}${typeof raw === 'string' ? ` (got "${raw}")` : ''}${facts ? `; expected ${facts}` : ''}`;
  }).join('\n'));
}

/** --runs: the runs folder, `~` expanded and resolved; default $EARLYBIRD_RUNS, else ./runs (as defaultRunsDir). */
export function runsDirOption(help: string) {
  return option(z.string().min(1, 'expected a folder').transform(resolveRunsDir).prefault(() => process.env[RUNS_DIR_ENV] ?? RUNS_DIR_FALLBACK), {
    help, placeholder: 'dir', defaultText: `$${RUNS_DIR_ENV}, else ./${RUNS_DIR_FALLBACK}`,
  });
}
