/**
 * Everything drawn for one run: facts, the energy comparison and the six charts. The Live screen
 * and a run opened from the list both use it.
 */
import { createAccuracyChart, createLossChart } from '../charts/trainingCurveCharts.ts';
import { createCumulativeEnergyChart } from '../charts/cumulativeEnergyChart.ts';
import { createMaskDistanceChart } from '../charts/maskDistanceChart.ts';
import { createPowerChart } from '../charts/powerChart.ts';
import type { RunRecord } from '../state/runRecords.ts';
import { h } from '../ui/dom.ts';
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
  const element = h('div', { class: `run-panel${options.compact ? ' compact' : ''}`, testid: testId },
    facts.element,
    saving.element,
    h('div', { class: 'chart-grid' }, charts.map((c) => c.card.element)),
  );
  return {
    element,
    update(record) {
      element.dataset.runId = record.runId;
      element.dataset.status = record.view.status;
      facts.update(record);
      saving.update(record);
      for (const chart of charts) chart.update(record);
    },
    destroy() {
      for (const chart of charts) chart.card.destroy();
      element.remove();
    },
    cards: () => charts.map((c) => c.card),
  };
}
