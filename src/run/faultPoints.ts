/**
 * Named points between the file operations of a run (appends, atomic writes, the steps of a
 * checkpoint swap) where a test can make this process kill itself with SIGKILL — no handler runs,
 * nothing is flushed, exactly as a crash or `kill -9` would leave the folder. Off unless the
 * environment asks, and then only for this process:
 *   EARLYBIRD_KILL_AT=<n>          SIGKILL at the n-th point reached (1-based)
 *   EARLYBIRD_KILL_AT=<name>#<k>   SIGKILL the k-th time the point <name> is reached
 *   EARLYBIRD_FAULT_LOG=<file>     append every point's name as it is reached (to choose points)
 */
import { appendFileSync } from 'node:fs';

export const KILL_AT_ENV = 'EARLYBIRD_KILL_AT';
export const FAULT_LOG_ENV = 'EARLYBIRD_FAULT_LOG';

export type FaultPoint =
  | 'append'
  | 'write:temp-written'
  | 'write:renamed'
  | 'replace:temp-written'
  | 'replace:old-moved'
  | 'replace:new-moved'
  | 'replace:old-removed';

/** Every point, in the order one checkpoint swap reaches the `replace:` ones. */
export const REPLACE_STEPS: readonly FaultPoint[] = ['replace:temp-written', 'replace:old-moved', 'replace:new-moved', 'replace:old-removed'];

interface KillRule {
  name: string | null;
  count: number;
}

function parseRule(text: string | undefined): KillRule | null {
  if (!text) return null;
  const match = /^(?:([a-z:-]+)#)?(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`${KILL_AT_ENV}=${text}: expected <n> or <point>#<k>`);
  return { name: match[1] ?? null, count: Number(match[2]) };
}

const rule = parseRule(process.env[KILL_AT_ENV]);
const log = process.env[FAULT_LOG_ENV] || null;
let reached = 0;
const reachedByName = new Map<string, number>();

/** Marks a point between two file operations; kills this process there when the environment asks. */
export function faultPoint(name: FaultPoint): void {
  if (!rule && !log) return;
  reached++;
  const times = (reachedByName.get(name) ?? 0) + 1;
  reachedByName.set(name, times);
  if (log) appendFileSync(log, `${name}\n`);
  if (rule && (rule.name === null ? reached === rule.count : rule.name === name && times === rule.count)) process.kill(process.pid, 'SIGKILL');
}
