/**
 * One line of `nvidia-smi --query-gpu=timestamp,index,power.draw,utilization.gpu
 * --format=csv,noheader,nounits`, e.g. `2024/05/01 12:00:00.125, 0, 71.23, 35`.
 * The driver prints `[N/A]` or `[Not Supported]` where it has no value; anything that does not
 * parse is reported as malformed rather than guessed at.
 */

export interface NvidiaSmiSample {
  /** Time printed by nvidia-smi (ms since epoch, local time), or null when it did not parse. */
  deviceTimeMs: number | null;
  index: number;
  watts: number;
  /** GPU utilisation in [0, 1], when the driver reports it. */
  utilisation?: number;
}

export type ParsedLine = { ok: true; sample: NvidiaSmiSample } | { ok: false; problem: string };

const TIMESTAMP = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

export function parseNvidiaSmiLine(line: string): ParsedLine {
  const fields = line.split(',').map((field) => field.trim());
  if (fields.length !== 4) return { ok: false, problem: `expected 4 fields, got ${fields.length}` };
  const [timestamp, indexText, powerText, utilisationText] = fields as [string, string, string, string];

  if (!/^\d+$/.test(indexText)) return { ok: false, problem: `GPU index "${indexText}" is not a number` };
  const watts = parseNumber(powerText);
  if (watts === null) return { ok: false, problem: `power.draw "${powerText}" is not a number` };
  if (watts < 0) return { ok: false, problem: `power.draw ${watts} W is negative` };

  const sample: NvidiaSmiSample = { deviceTimeMs: parseTimestamp(timestamp), index: Number(indexText), watts };
  const utilisationPercent = parseNumber(utilisationText);
  if (utilisationPercent !== null) sample.utilisation = utilisationPercent / 100;
  return { ok: true, sample };
}

/** A finite number, or null for `[N/A]`, `[Not Supported]`, empty or garbage. */
function parseNumber(text: string): number | null {
  if (!/^[-+]?\d+(\.\d+)?$/.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const fraction = m[7] ?? '0';
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const time = new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms).getTime();
  return Number.isFinite(time) ? time : null;
}
