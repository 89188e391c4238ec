/**
 * The experiment config schema as JSON Schema, for the setup form: the page builds its fields,
 * bounds, choices and defaults from this, so the form cannot drift from what `parseConfig` accepts.
 * The input side: a field with a default may be left out.
 */
import { z } from 'zod';
import { experimentSchema } from '../core/config.ts';
import type { ConfigJsonSchema } from './contract.ts';

let cached: ConfigJsonSchema | null = null;

export function configJsonSchema(): ConfigJsonSchema {
  // The cross-field rules (pruneRatio among ratios, seeds or repeats) stay with parseConfig, which
  // the form's every change is validated by.
  cached ??= z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'throw' }) as ConfigJsonSchema;
  return structuredClone(cached);
}
