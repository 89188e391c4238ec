/**
 * A sweep point's run as the app addresses it: `<sweep>~<point id>`, the run folder
 * <runs>/sweeps/<sweep>/runs/<point id>. A plain run id never holds `~` (RUN_ID_PATTERN), so no
 * folder of the flat runs list can be taken for a sweep point or the other way round, and the id
 * stays one URL path segment (encodeURIComponent leaves `~` as it is). Pure: the page uses it too.
 */

import { RUN_ID_PART } from '../core/runId.ts';

/** Sweep names as `earlybird sweep` writes them (listSweeps' SWEEP_NAME is this, whole): never `.` or `..`. */
export const SWEEP_NAME_PART = '[A-Za-z0-9][A-Za-z0-9._-]{0,80}';

export const SWEEP_RUN_SEPARATOR = '~';
export const SWEEP_RUN_ID_PATTERN = new RegExp(`^(${SWEEP_NAME_PART})${SWEEP_RUN_SEPARATOR}(${RUN_ID_PART})$`);
/** A plain run id or a sweep point's: what the read-only run calls (runs:get, report, ticket, folder) take. */
export const ANY_RUN_ID_PATTERN = new RegExp(`^(?:${RUN_ID_PART}|${SWEEP_NAME_PART}${SWEEP_RUN_SEPARATOR}${RUN_ID_PART})$`);

export interface SweepRunRef {
  sweep: string;
  /** The point's run id: its folder under <sweep>/runs. */
  point: string;
}

export function sweepRunId(sweep: string, point: string): string {
  return `${sweep}${SWEEP_RUN_SEPARATOR}${point}`;
}

/** The sweep and point an id names, or null for a plain run id (or anything else). */
export function parseSweepRunId(id: string): SweepRunRef | null {
  const match = SWEEP_RUN_ID_PATTERN.exec(id);
  return match ? { sweep: match[1]!, point: match[2]! } : null;
}

export const isSweepRunId = (id: string): boolean => SWEEP_RUN_ID_PATTERN.test(id);
