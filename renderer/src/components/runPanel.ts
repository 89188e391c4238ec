/**
 * Everything drawn for one run: facts, the energy comparison and the six charts. The Live screen
 * and a run opened from the list both use it.
 */
import { createAccuracyChart, createLossChart } from '../charts/trainingCurveCharts.ts';
import { createCumulativeEnergyChart } from '../charts/cumulativeEnergyChart.ts';
import { createMaskDistanceChart } from '../charts/maskDistanceChart.ts';
import { createPowerChart } from '../charts/powerChart.ts';
import type { RunRecord } from '../state/runRecords.ts';
import { h, setText } from '../ui/dom.ts';
import { endedBeforeFirstEpoch } from '../state/runOutcome.ts';
import { createEnergySaving } from './energySaving.ts';
import { createRunFacts } from './runFacts.ts';
import type { LineChartCard } from '../charts/lineChartCard.ts';

export interface RunPanel {
  element: HTMLElement;
  update(record: RunRecord): void;
  destroy(): void;
  /** The chart cards, in a fixed order. */
  cards(): LineChartCard[];
}

export function createRunPanel(testId: string, options: { compact?: boolean } = {}): RunPanel {
  const facts = createRunFacts();
  const saving = createEnergySaving();
  const charts = [createAccuracyChart(), createLossChart(), createMaskDistanceChart(), createPowerChart(), createCumulativeEnergyChart()];
  const chartGrid = h('div', { class: 'chart-grid' }, charts.map((c) => c.card.element));
  // A run over before its first epoch has no curve or saving to wait for: say so instead of "Waiting for…".
  const noCharts = h('p', { class: 'card no-charts', testid: 'no-charts', hidden: true });
  const element = h('div', { class: `run-panel${options.compact ? ' compact' : ''}`, testid: testId },
    facts.element,
    saving.element,
    noCharts,
    chartGrid,
  );
  return {
    element,
    update(record) {
      element.dataset.runId = record.runId;
      element.dataset.status = record.view.status;
      facts.update(record);
      saving.update(record);
      for (const chart of charts) chart.update(record);
      const early = endedBeforeFirstEpoch(record);
      // Nothing was trained, so there is no method's energy to set against another (start-up alone is no comparison).
      chartGrid.hidden = early;
      saving.element.hidden = early;
      noCharts.hidden = !early;
      if (early) setText(noCharts, `The run ${record.view.status === 'failed' ? 'failed' : 'was cancelled'} before its first epoch finished: there is no energy to compare and no curve to chart.`);
    },
    destroy() {
      for (const chart of charts) chart.card.destroy();
      element.remove();
    },
    cards: () => charts.map((c) => c.card),
  };
}
