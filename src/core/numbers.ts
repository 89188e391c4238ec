/**
 * How numbers are written, for the PDF report (src/report/format.ts) and the page
 * (renderer/src/ui/format.ts) alike: the primitives both build on live here once, so the app and the
 * PDF print the same figure the same way where they agree (three significant digits, Wh, durations of
 * a minute and more).
 * Pure: no node or DOM imports (the page bundles it).
 *
 * Where the two differ on purpose, the difference is a named option here or a wrapper there, not a
 * second copy: the PDF marks negatives with "−" (U+2212) and writes "63.2%", the page writes "63.2 %"
 * and "—" for an unknown value; the PDF gives seconds under a minute with significant digits, the page
 * (a live clock) in whole seconds; the PDF dates are UTC, the page's are the reader's locale.
 */
// Imports nothing (no cycle): src/energy/units.ts builds its energy text ("12.3 kJ (3.42 Wh)") on `sig` from here.

/** Significant digits without trailing zeros: 0.0912 → "0.0912", 12.30 → "12.3". */
export function sig(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return Number(value.toPrecision(digits)).toString();
}

/**
 * The sign of every number in `text` (a hyphen at the start, or after a space or bracket) as the
 * typographic minus (U+2212), for print: "−4.97 kJ (−1.38 Wh)". An exponent's sign ("1e-7") is kept.
 */
export function typographicMinus(text: string): string {
  return text.replace(/(^|[\s(])-/g, '$1−');
}

/**
 * Watt-hours with three significant digits, the Wh the PDF prints in brackets: 4968 J → "1.38 Wh",
 * "1.17 kWh" from 1000 Wh on. At 100 kWh and above whole kWh are kept ("1234 kWh", not "1230 kWh").
 */
export function wattHoursText(joules: number): string {
  const wh = joules / 3600;
  const three = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : sig(value, 3));
  return Math.abs(wh) >= 1000 ? `${three(wh / 1000)} kWh` : `${three(wh)} Wh`;
}

/**
 * Wall time: "5 min 18 s", "1 h 05 min". Under a minute: `subMinute: 'significant'` gives "6.2 s"
 * (the PDF), `'whole'` gives "6 s" (the page's live clock). Hours are counted in rounded minutes.
 */
export function durationText(seconds: number, subMinute: 'significant' | 'whole'): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (subMinute === 'whole') {
    seconds = Math.max(0, seconds);
    if (Math.round(seconds) < 60) return `${Math.round(seconds)} s`;
  } else if (seconds < 60) return `${sig(seconds, seconds < 10 ? 2 : 3)} s`;
  const total = Math.round(seconds);
  if (total < 3600) return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, '0')} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * Counts such as FLOPs, parameters and bytes with an SI prefix and three significant digits, the one
 * way the CLI, the page and the PDF write them: 833040 → "833 k", 1.52e9 → "1.52 G", 812 → "812".
 */
export function siCount(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e12) return `${sig(value / 1e12)} T`;
  if (abs >= 1e9) return `${sig(value / 1e9)} G`;
  if (abs >= 1e6) return `${sig(value / 1e6)} M`;
  if (abs >= 1e3) return `${sig(value / 1e3)} k`;
  return sig(value);
}
