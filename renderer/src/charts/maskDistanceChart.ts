/**
 * The Early-Bird detector: per tracked pruning ratio p, the largest Hamming distance between this
 * epoch's channel mask and the last ones in the queue. The ticket is drawn when it stays below ε;
 * the marker shows the epoch it happened.
 */
import { settledSummary, type RunRecord } from '../state/runRecords.ts';
import { EPSILON_COLOR, RATIO_COLORS } from '../../../src/core/methods.ts';
import { numberTickLabels } from '../../../src/core/axisTicks.ts';
import { epochRange } from './epochRange.ts';
import { LineChartCard, type Series } from './lineChartCard.ts';

const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot'] as const;

export function maskDistanceSeries(record: RunRecord): { series: Series[]; epsilon: number | null } {
  const { view } = record;
  const pruneRatio = record.config?.search?.pruneRatio ?? record.summary?.earlyBird.p ?? view.earlyBird?.ratio ?? null;
  const epsilon = record.config?.search?.epsilon ?? record.summary?.earlyBird.epsilon ?? null;
  const ratios = Object.keys(view.maskDistance).sort((a, b) => Number(a) - Number(b));
  const series: Series[] = ratios.map((ratio, index) => {
    const pruned = pruneRatio !== null && Math.abs(Number(ratio) - pruneRatio) < 1e-9;
    // A shape per ratio and the pruned one's thick line underneath: ratios with equal distances stay visible.
    return {
      key: `p:${ratio}`, label: `p = ${ratio}${pruned ? ' (pruned)' : ''}`, color: RATIO_COLORS[index % RATIO_COLORS.length]!, width: pruned ? 3.5 : 1.5,
      pointStyle: POINT_STYLES[index % POINT_STYLES.length], underneath: pruned, points: view.maskDistance[ratio]!,
    };
  });
  if (epsilon !== null && series.length) {
    const { min, max } = epochRange(record);
    series.push({ key: 'epsilon', label: `ε = ${epsilon}`, color: EPSILON_COLOR, reference: true, points: [{ x: min, y: epsilon }, { x: max, y: epsilon }] });
  }
  return { series, epsilon };
}

export function createMaskDistanceChart(): { card: LineChartCard; update(record: RunRecord): void } {
  const card = new LineChartCard({
    testId: 'chart-mask', title: 'Mask distance (Early-Bird detector)', marker: true,
    caption: 'Max Hamming distance between the channel mask and the previous masks in the queue, per pruning ratio p.',
    xTitle: 'epoch', yTitle: 'max mask distance', integerX: true, yMin: 0, yGrace: '15%', yTick: (v) => v.toFixed(3), yLabels: (values) => numberTickLabels(values),
    emptyText: 'The first distance appears after the second epoch…',
  });
  return {
    card,
    update(record) {
      const { series } = maskDistanceSeries(record);
      const summary = settledSummary(record);
      const eb = record.view.earlyBird ?? (summary?.earlyBird.found && summary.earlyBird.epoch !== null
        ? { epoch: summary.earlyBird.epoch, ratio: summary.earlyBird.p } : null);
      const q = record.config?.search?.queueLength;
      const previous = q === 2 ? 'the previous mask' : q ? `the previous ${q - 1} masks` : 'the previous masks';
      card.setCaption(`Max Hamming distance between this epoch's channel mask and ${previous} in the queue, per pruning ratio p; below ε = ticket found.`);
      card.update(series, epochRange(record), eb ? { x: eb.epoch + 1, label: `Early-Bird · epoch ${eb.epoch + 1} · p = ${eb.ratio}` } : { x: null, label: '' });
    },
  };
}
