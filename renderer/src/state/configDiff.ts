/**
 * What differs between runs' configs: every leaf of each config as a dotted path
 * (`training.batchSize`, `comparisons.lotteryTicket.enabled`), and the paths whose values are not the
 * same in every config. An array is one value (`search.ratios`), and a key one config lacks counts
 * as a difference (shown as missing). Pure: no DOM, so it is unit-tested on its own.
 */

export interface ConfigDifference {
  /** Dotted path of the key, e.g. `data.trainLimit`. */
  key: string;
  /** The value in each config, in the order given; undefined where that config has no such key. */
  values: unknown[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every leaf of `value` as [dotted path, value], in the config's own key order. */
export function flattenConfig(value: unknown, prefix = ''): [string, unknown][] {
  if (!isObject(value)) return prefix ? [[prefix, value]] : [];
  const entries = Object.entries(value);
  // An empty object is a value of its own (a section written as {}), not nothing.
  if (entries.length === 0) return prefix ? [[prefix, value]] : [];
  return entries.flatMap(([key, v]) => flattenConfig(v, prefix ? `${prefix}.${key}` : key));
}

/** The same value: numbers, strings and booleans by value, arrays and objects by their JSON. */
const sameValue = (a: unknown, b: unknown) => a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));

/**
 * The keys whose value is not the same in all `configs`, each with every config's value: keys in the
 * first config's order, then keys only later configs have. A config that is null or not an object
 * counts as one without keys.
 */
export function configDiff(configs: readonly unknown[]): ConfigDifference[] {
  const flat = configs.map((c) => new Map(flattenConfig(c)));
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const map of flat) {
    for (const key of map.keys()) {
      if (!seen.has(key)) {
        seen.add(key);
        keys.push(key);
      }
    }
  }
  return keys
    .map((key) => ({ key, values: flat.map((m) => m.get(key)) }))
    .filter(({ values }) => values.some((v) => !sameValue(v, values[0])));
}

/** A config value as a table cell shows it: text as is, arrays and objects as JSON, a missing key as "—". */
export function configValueText(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
