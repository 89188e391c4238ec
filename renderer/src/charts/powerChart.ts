/** Power draw per source (NVML, RAPL, nvidia-smi or the CPU estimate) over the run, in watts. */
import type { RunRecord } from '../state/runRecords.ts';
import { formatClock } from '../ui/format.ts';
import { PALETTE } from '../../../src/core/methods.ts';
import { wattTickLabels } from '../../../src/core/axisTicks.ts';
import { LineChartCard, type Series } from './lineChartCard.ts';

export function powerSeries(record: RunRecord): Series[] {
  const { view } = record;
  // An estimate names its model in the legend: a flat line of assumed watts must say it is one.
  const modelOf = (key: string) => view.energySources.find((s) => key === s.name || key.startsWith(`${s.name} · `))?.label;
  return Object.keys(view.power).map((key, index) => {
    const kind = view.powerKinds[key] ?? 'estimated';
    const model = kind === 'estimated' ? modelOf(key) : undefined;
    return { key, label: `${key} (${kind}${model ? `: ${model}` : ''})`, color: PALETTE[index % PALETTE.length]!, points: view.power[key]! };
  });
}

export function createPowerChart(): { card: LineChartCard; update(record: RunRecord): void } {
  const card = new LineChartCard({
    testId: 'chart-power', title: 'Power', caption: 'Watts per energy source at each sampling interval (estimated sources are marked).',
    // Clock steps on x, one number of decimals on y: no "4 W, 4 W, 3 W".
    xTitle: 'time (m:ss)', yTitle: 'W', xTick: formatClock, xKind: 'clock', yMin: 0, yLabels: wattTickLabels, yTick: (v) => `${v.toFixed(1)} W`,
    emptyText: 'Waiting for the first power reading…',
  });
  return { card, update: (record) => card.update(powerSeries(record), { min: 0 }) };
}
