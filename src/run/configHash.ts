import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.ts';

/** SHA-256 of the canonical config, first 16 hex digits: what a run records and a resume checks. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}
