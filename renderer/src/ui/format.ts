/** Numbers as a researcher reads them: joules with SI prefixes, percentages, durations. */
export function formatJoules(joules: number | null | undefined): string {
  if (joules === null || joules === undefined || !Number.isFinite(joules)) return '—';
  const abs = Math.abs(joules);
  if (abs >= 1e6) return `${(joules / 1e6).toFixed(2)} MJ`;
  if (abs >= 1e3) return `${(joules / 1e3).toFixed(abs >= 1e4 ? 1 : 2)} kJ`;
  return `${joules.toFixed(abs >= 100 ? 0 : 1)} J`;
}

/** Three significant digits, as the PDF prints them (src/energy/units.ts), so both say 1.38 Wh. */
function significant3(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(3)));
}

export function formatWattHours(joules: number | null | undefined): string {
  if (joules === null || joules === undefined || !Number.isFinite(joules)) return '—';
  const wh = joules / 3600;
  return Math.abs(wh) >= 1000 ? `${significant3(wh / 1000)} kWh` : `${significant3(wh)} Wh`;
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
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Seconds on a chart axis: 75 → "1:15". */
export function formatClock(seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
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
