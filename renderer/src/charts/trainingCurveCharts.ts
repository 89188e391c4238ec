/**
 * Accuracy and loss per epoch, one colour per phase; training solid, validation dashed. A button per
 * phase shows or hides its two lines: at first only EB Train's phases and the dense baseline (the
 * comparison the run is about), so a run with every comparison does not start with a dozen lines.
 */
import type { RunRecord } from '../state/runRecords.ts';
import { formatAccuracy } from '../ui/format.ts';
import { trainingCurves } from '../../../src/core/figures.ts';
import { numberTickLabels, percentTickLabels } from '../../../src/core/axisTicks.ts';
import { chargedPhases, phaseLabel } from '../../../src/core/methods.ts';
import { epochRange } from './epochRange.ts';
import { LineChartCard, type ChartToggles, type Series } from './lineChartCard.ts';

type Metric = 'accuracy' | 'loss';

/** The phases shown before the user chooses: EB Train's and the dense baseline's, else the first three. */
export function initialPhases(phases: readonly string[]): string[] {
  const headline = [...chargedPhases('ebTrain'), ...chargedPhases('dense')];
  const shown = phases.filter((p) => headline.includes(p));
  return shown.length ? shown : phases.slice(0, 3);
}

const PHASE_TOGGLES: ChartToggles = {
  label: 'show phases',
  initial: initialPhases,
  lineKey: [['solid', 'training'], ['dashed', 'validation']],
};

/** The figure's series as the PDF draws them too (src/core/figures.ts), on the app's line chart card. */
export function trainingSeries(record: RunRecord, metric: Metric): Series[] {
  // One button per phase toggles both its lines; the key under the buttons says solid = training, dashed = validation.
  return trainingCurves(record.view.epochs, metric).map((c) => ({
    key: c.key, label: c.label, color: c.color, legendGroup: c.phase, groupLabel: phaseLabel(c.phase), points: c.points,
    ...(c.validation ? { dashed: true, hideFromLegend: true } : {}),
  }));
}

export function createAccuracyChart(): { card: LineChartCard; update(record: RunRecord): void } {
  const card = new LineChartCard({
    testId: 'chart-accuracy', title: 'Accuracy per epoch', caption: 'Training and validation accuracy, one colour per phase; the buttons show or hide a phase.',
    xTitle: 'epoch', yTitle: 'accuracy', integerX: true, yMin: 0, yMax: 1, toggles: PHASE_TOGGLES,
    yTick: (v) => formatAccuracy(v), yLabels: percentTickLabels, yCell: (v) => formatAccuracy(v),
    // From a round 5 % below the lowest value to 100 %: the differences between 95 and 97 % are what matter.
    fitY: (values) => ({ min: Math.max(0, Math.floor((Math.min(...values) - 0.02) / 0.05) * 0.05), max: 1 }),
    emptyText: 'Waiting for the first finished epoch…',
  });
  return { card, update: (record) => card.update(trainingSeries(record, 'accuracy'), epochRange(record)) };
}

export function createLossChart(): { card: LineChartCard; update(record: RunRecord): void } {
  const card = new LineChartCard({
    testId: 'chart-loss', title: 'Loss per epoch', caption: 'Training and validation cross-entropy, one colour per phase; the buttons show or hide a phase.',
    xTitle: 'epoch', yTitle: 'loss', integerX: true, yMin: 0, toggles: PHASE_TOGGLES,
    yTick: (v) => v.toFixed(2), yLabels: (values) => numberTickLabels(values), yCell: (v) => v.toFixed(4),
    emptyText: 'Waiting for the first finished epoch…',
  });
  return { card, update: (record) => card.update(trainingSeries(record, 'loss'), epochRange(record)) };
}
