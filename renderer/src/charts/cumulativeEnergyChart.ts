/** Energy drawn so far by each phase (joules, cumulative), from the meter's per-interval deltas. */
import type { RunRecord } from '../state/runRecords.ts';
import { formatClock, formatJoules } from '../ui/format.ts';
import { phaseColor, phaseLabel } from '../../../src/core/methods.ts';
import { energyTickLabels } from '../../../src/core/axisTicks.ts';
import { LineChartCard, type Series } from './lineChartCard.ts';

export function cumulativeEnergySeries(record: RunRecord): Series[] {
  const { view } = record;
  return Object.keys(view.energy).map((phase, index) => ({
    key: phase, label: `${phaseLabel(phase)} (${view.energyKinds[phase] ?? 'estimated'})`, color: phaseColor(phase, index), points: view.energy[phase]!,
  }));
}

export function createCumulativeEnergyChart(): { card: LineChartCard; update(record: RunRecord): void } {
  const card = new LineChartCard({
    testId: 'chart-energy', title: 'Cumulative energy per phase', caption: 'Joules drawn by each phase so far, summed over every energy source.',
    // Head room: the top line (dense) must not run along the frame.
    // One unit for the whole axis ("80 J, 100 J" or "0.5 kJ, 1.0 kJ"); tooltips as the tables write joules.
    xTitle: 'time (m:ss)', yTitle: 'energy', xTick: formatClock, xKind: 'clock', yMin: 0, yGrace: '8%', yLabels: energyTickLabels, yTick: (v) => formatJoules(v),
    emptyText: 'Waiting for the first energy interval…',
  });
  return { card, update: (record) => card.update(cumulativeEnergySeries(record), { min: 0 }) };
}
