/**
 * How the report writes numbers. Every figure in the PDF goes through one of these, and the tests
 * build their expected strings with the same functions from summary.json, so what a reviewer reads
 * is checkably the number the run recorded.
 */
import { formatEnergy as energyText } from '../energy/units.ts';
import { durationText, sig, siCount, typographicMinus } from '../core/numbers.ts';

// The primitives are shared with the page (src/core/numbers.ts); these are the PDF's conventions.
export { sig };

/** Test/validation accuracy in [0, 1] as a percentage with two decimals: 0.97851 → "97.85%". */
export function formatAccuracy(accuracy: number): string {
  return `${(accuracy * 100).toFixed(2)}%`;
}

/** Difference of two accuracies in percentage points: "+0.12 pp", "−0.44 pp". */
export function formatAccuracyDelta(delta: number): string {
  const points = delta * 100;
  const text = Math.abs(points).toFixed(2);
  if (text === '0.00') return '±0.00 pp';
  return `${points > 0 ? '+' : '−'}${text} pp`;
}

/** A percentage that is already ×100: 63.24 → "63.2%". */
export function formatPercent(percent: number, decimals = 1): string {
  return `${typographicMinus(percent.toFixed(decimals))}%`;
}

/** A ratio such as dense / EB energy: 2.7213 → "2.72×". */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** Energy in the unit that keeps it readable: "512 J", "12.3 kJ (3.42 Wh)" (the energy engine's own format). */
export function formatEnergy(joules: number): string {
  return typographicMinus(energyText(joules));
}

/** Grams of CO₂-equivalent: "412 mg CO₂e", "4.86 g CO₂e", "1.2 kg CO₂e". */
export function formatCo2e(grams: number): string {
  const abs = Math.abs(grams);
  const sign = grams < 0 ? '−' : '';
  if (abs === 0) return '0 g CO₂e';
  if (abs < 1) return `${sign}${sig(abs * 1000)} mg CO₂e`;
  if (abs < 1000) return `${sign}${sig(abs)} g CO₂e`;
  return `${sign}${sig(abs / 1000)} kg CO₂e`;
}

/** Epochs are stored zero-based; people count from 1. */
export function formatEpoch(zeroBasedEpoch: number): string {
  return String(zeroBasedEpoch + 1);
}

/** Whole numbers with thousands separators: 61772 → "61,772". */
export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Counts such as FLOPs with an SI prefix: 833040 → "833 k", 1.52e9 → "1.52 G" (src/core/numbers.ts). */
export const formatSi = siCount;

/** Forward FLOPs per image: "833 k". */
export function formatFlops(flops: number): string {
  return formatSi(flops);
}

/** Wall time: "6.2 s", "5 min 18 s", "1 h 05 min". */
export function formatDuration(seconds: number): string {
  return durationText(seconds, 'significant');
}

/** Power: "42.1 W". */
export function formatWatts(watts: number): string {
  return `${sig(watts)} W`;
}

/** A pruning ratio or ε as written in the config: 0.5 → "0.5". */
export function formatFraction(value: number): string {
  return sig(value, 4);
}

/** Power usage effectiveness: 1 → "1.0", 1.58 → "1.58". */
export function formatPue(pue: number): string {
  return Number.isInteger(pue * 10) ? pue.toFixed(1) : String(pue);
}

/** Mask distance (a fraction of channels): "0.0909". */
export function formatDistance(distance: number): string {
  return sig(distance, 3);
}

/** Dates in UTC so the same run reads the same everywhere: "2025-11-20 14:03 UTC". */
export function formatDate(value: string | number | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Bytes: "1.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${sig(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${sig(bytes / 1024 ** 2)} MiB`;
  return `${sig(bytes / 1024 ** 3)} GiB`;
}

/** Methods by the table's label (src/core/methods.ts), phases by its short label: "the dense phase". */
export { methodLabel, phaseShortLabel as phaseLabel } from '../core/methods.ts';
