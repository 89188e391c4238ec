/** Accuracy and loss per epoch, one colour per phase; training solid, validation dashed. */
import type { RunRecord } from '../state/runRecords.ts';
import { formatPercent } from '../ui/format.ts';
import { trainingCurves } from '../../../src/core/figures.ts';
import { epochRange } from './epochRange.ts';
import { LineChartCard, type Series } from './lineChartCard.ts';

type Metric = 'accuracy' | 'loss';

/** The figure's series as the PDF draws them too (src/core/figures.ts), on the app's line chart card. */
export function trainingSeries(record: RunRecord, metric: Metric): Series[] {
  // The legend lists phases (one entry toggles both lines); the caption says solid = training, dashed = validation.
  return trainingCurves(record.view.epochs, metric).map((c) => ({
    key: c.key, label: c.label, color: c.color, legendGroup: c.phase, points: c.points,
    ...(c.validation ? { dashed: true, hideFromLegend: true } : {}),
  }));
}

export function createAccuracyChart(): { card: LineChartCard; update(record: RunRecord): void } {
  const card = new LineChartCard({
    testId: 'chart-accuracy', title: 'Accuracy per epoch', caption: 'Training (solid) and validation (dashed) accuracy, one colour per phase.',
    xTitle: 'epoch', yTitle: 'accuracy', integerX: true, yMin: 0, yMax: 1, yTick: (v) => formatPercent(v * 100, 0), yCell: (v) => formatPercent(v * 100, 2),
    // From a round 5 % below the lowest value to 100 %: the differences between 95 and 97 % are what matter.
    fitY: (values) => ({ min: Math.max(0, Math.floor((Math.min(...values) - 0.02) / 0.05) * 0.05), max: 1 }),
    emptyText: 'Waiting for the first finished epoch…',
  });
  return { card, update: (record) => card.update(trainingSeries(record, 'accuracy'), epochRange(record)) };
}

export function createLossChart(): { card: LineChartCard; update(record: RunRecord): void } {
  const card = new LineChartCard({
    testId: 'chart-loss', title: 'Loss per epoch', caption: 'Training (solid) and validation (dashed) cross-entropy, one colour per phase.',
    xTitle: 'epoch', yTitle: 'loss', integerX: true, yMin: 0, yTick: (v) => v.toFixed(2), yCell: (v) => v.toFixed(4),
    emptyText: 'Waiting for the first finished epoch…',
  });
  return { card, update: (record) => card.update(trainingSeries(record, 'loss'), epochRange(record)) };
}
