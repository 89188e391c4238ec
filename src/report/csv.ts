/**
 * The report's tables as CSV, for spreadsheets and other tools: metrics.csv (the run's epoch rows,
 * normalised: fixed column order, torn rows dropped, empty cells for unknown values) and
 * energy.csv (joules per phase per source, with how each was obtained).
 */
import { joulesToWh } from '../energy/units.ts';
import { METRICS_HEADER } from '../run/runStore.ts';
import type { PhaseEnergyRow } from './model.ts';
import { METRICS_COLUMNS, type MetricsRow } from '../run/runFolder.ts';

export const ENERGY_HEADER = 'phase,source,kind,joules,wh,seconds';

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const round = (value: number, decimals: number) => Number(value.toFixed(decimals));

export function metricsCsv(rows: readonly MetricsRow[]): string {
  const lines = [METRICS_HEADER, ...rows.map((row) => METRICS_COLUMNS.map((column) => cell(row[column])).join(','))];
  return `${lines.join('\n')}\n`;
}

export function energyCsv(rows: readonly PhaseEnergyRow[]): string {
  const lines = [
    ENERGY_HEADER,
    ...rows.map((r) => [r.phase, r.source, r.kind, round(r.joules, 3), round(joulesToWh(r.joules), 6), r.seconds === null ? null : round(r.seconds, 3)].map(cell).join(',')),
  ];
  return `${lines.join('\n')}\n`;
}
