/**
 * Numbers as a researcher reads them: joules with SI prefixes, percentages, durations. The primitives
 * are shared with the PDF (src/core/numbers.ts); the page's own conventions stay here and are
 * deliberate: "—" for an unknown value, "93.12 %" with a space, whole seconds, dates in the reader's locale.
 */
import { durationText, siCount, wattHoursText } from '../../../src/core/numbers.ts';

export function formatJoules(joules: number | null | undefined): string {
  if (joules === null || joules === undefined || !Number.isFinite(joules)) return '—';
  const abs = Math.abs(joules);
  if (abs >= 1e6) return `${(joules / 1e6).toFixed(2)} MJ`;
  if (abs >= 1e3) return `${(joules / 1e3).toFixed(abs >= 1e4 ? 1 : 2)} kJ`;
  return `${joules.toFixed(abs >= 100 ? 0 : 1)} J`;
}

/** The Wh the PDF prints (three significant digits), so both say 1.38 Wh. */
export function formatWattHours(joules: number | null | undefined): string {
  if (joules === null || joules === undefined || !Number.isFinite(joules)) return '—';
  return wattHoursText(joules);
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value.toFixed(digits)} %`;
}

/** 0.9312 → "93.12 %". */
export function formatAccuracy(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : formatPercent(value * 100, 2);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  return durationText(seconds, 'whole');
}

/** Seconds on a chart axis: 75 → "1:15". */
export function formatClock(seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return siCount(n);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatGrams(grams: number | null | undefined): string {
  if (grams === null || grams === undefined || !Number.isFinite(grams)) return '—';
  return Math.abs(grams) >= 1000 ? `${(grams / 1000).toFixed(2)} kg` : `${grams.toFixed(Math.abs(grams) < 1 ? 3 : 1)} g`;
}
