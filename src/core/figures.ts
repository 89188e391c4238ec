/**
 * The figures the app and the PDF report both draw, defined once: which series, in which order, named
 * and coloured how. Each side only maps them onto its chart library's options (the app's line chart
 * card, the report's chart.js on a canvas) and its scale. Pure: no node or DOM imports.
 */
import { phaseColor, phaseKeys, phaseShortLabel } from './methods.ts';

/** One finished epoch as either side holds it (an epoch event's logs, a metrics.csv row). */
export interface EpochPoint {
  epoch: number;
  accuracy: number | null;
  loss: number | null;
  valAccuracy?: number | null;
  valLoss?: number | null;
}

export interface CurveSeries {
  key: string;
  phase: string;
  /** "search · train", "retrain · validation". */
  label: string;
  color: string;
  /** Validation: dashed, and left out of the legend (one entry per phase toggles both lines). */
  validation: boolean;
  /** x: the epoch counted from 1; y: the raw value (accuracy 0..1, or the loss); null where not measured. */
  points: { x: number; y: number | null }[];
}

/**
 * Training (solid) and validation (dashed) accuracy or loss per epoch, one colour per phase, phases in
 * run order (unknown ones after). A phase's validation line is there only when some epoch was validated.
 */
export function trainingCurves(epochsByPhase: Readonly<Record<string, readonly EpochPoint[] | undefined>>, metric: 'accuracy' | 'loss'): CurveSeries[] {
  const known: string[] = phaseKeys();
  const rank = (phase: string) => (known.includes(phase) ? known.indexOf(phase) : known.length);
  const phases = Object.keys(epochsByPhase).filter((p) => epochsByPhase[p]?.length).sort((a, b) => rank(a) - rank(b));
  return phases.flatMap((phase, index) => {
    const logs = [...epochsByPhase[phase]!].sort((a, b) => a.epoch - b.epoch);
    const color = phaseColor(phase, index);
    const name = phaseShortLabel(phase);
    const train: CurveSeries = { key: `${phase}:train`, phase, label: `${name} · train`, color, validation: false, points: logs.map((l) => ({ x: l.epoch + 1, y: (metric === 'accuracy' ? l.accuracy : l.loss) ?? null })) };
    const validation = logs.map((l) => ({ x: l.epoch + 1, y: (metric === 'accuracy' ? l.valAccuracy : l.valLoss) ?? null }));
    return validation.some((p) => p.y !== null)
      ? [train, { key: `${phase}:val`, phase, label: `${name} · validation`, color, validation: true, points: validation }]
      : [train];
  });
}
