/**
 * The one reader of events.jsonl: streamed line by line (a log of any size is read in constant
 * memory per line), tolerant of a torn last line and of foreign lines, which are counted, not thrown.
 */
import type { RunEvent } from '../core/events.ts';
import { scanLines, scanLinesSync, type LineScan } from './safeRead.ts';

export interface EventLog {
  events: RunEvent[];
  /** False when events.jsonl does not exist. */
  present: boolean;
  /** Lines that were not JSON objects with a type (a torn last line included), or over the line cap. */
  bad: number;
  /** The last line was cut short (the writer died mid-line): not JSON, or no newline after it. */
  lastLineTorn: boolean;
  /** Byte length of the log up to its last complete line: where an append must continue. */
  completeBytes: number;
  bytes: number;
}

export interface ReadEventsOptions {
  /** Keep only events this accepts (e.g. the list needs three types, not every progress line). */
  keep?(event: RunEvent): boolean;
  /** A cheap test on the raw line before it is parsed: lines it rejects are skipped unparsed (and not counted). */
  mayKeep?(line: string): boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One line of the log as an event; null for a torn or foreign line. Older logs used `timeMs`. */
export function parseEventLine(line: string): RunEvent | null {
  if (!line.trim()) return null;
  try {
    const value: unknown = JSON.parse(line);
    if (!isObject(value) || typeof value.type !== 'string') return null;
    if (typeof value.time === 'number') return value as unknown as RunEvent;
    const time = typeof value.timeMs === 'number' ? value.timeMs : NaN;
    return { ...value, time } as unknown as RunEvent;
  } catch {
    return null;
  }
}

function collector(options: ReadEventsOptions) {
  const events: RunEvent[] = [];
  let bad = 0;
  let lastTorn = false;
  return {
    onLine(line: string, last: boolean) {
      if (!line.trim()) return;
      if (options.mayKeep && !last && !options.mayKeep(line)) return;
      const event = parseEventLine(line);
      if (!event) {
        bad++;
        if (last) lastTorn = true;
        return;
      }
      if (!options.keep || options.keep(event)) events.push(event);
    },
    finish(scan: LineScan): EventLog {
      // A parsable last line without its newline is complete JSON, yet the writer never finished it.
      const lastLineTorn = lastTorn || scan.endsWithoutNewline;
      return { events, present: scan.present, bad: bad + scan.oversized, lastLineTorn, completeBytes: scan.completeBytes, bytes: scan.bytes };
    },
  };
}

export async function readEventLog(path: string, options: ReadEventsOptions = {}): Promise<EventLog> {
  const c = collector(options);
  return c.finish(await scanLines(path, c.onLine));
}

export function readEventLogSync(path: string, options: ReadEventsOptions = {}): EventLog {
  const c = collector(options);
  return c.finish(scanLinesSync(path, c.onLine));
}

/** The log's first event (null when the log is empty or its first line is not an event); reads one line. */
export async function readFirstEvent(path: string): Promise<{ present: boolean; event: RunEvent | null }> {
  let event: RunEvent | null = null;
  let seen = false;
  const scan = await scanLines(path, (line) => {
    if (!line.trim()) return false;
    seen = true;
    event = parseEventLine(line);
    return true;
  });
  return { present: scan.present, event: seen ? event : null };
}
