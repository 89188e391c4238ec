/**
 * A small, hand-checkable event log for the energy checks: phases with a constant power each,
 * one energy interval per second, epochs ending on whole seconds. Every figure a test expects can be
 * worked out from the arguments with pencil and paper.
 */
import type { RunEvent } from '../../src/core/events.ts';

const T0 = 1_700_000_000_000;

export interface FixturePhase {
  phase: string;
  /** Joules added in each one-second interval of the phase. */
  joulesPerSecond: number;
  /** Seconds the phase lasts. */
  seconds: number;
  /** Epochs, each ending at `at` seconds after the phase start, with its validation accuracy. */
  epochs?: { epoch: number; at: number; valAccuracy: number | null }[];
  /** Zero-based epoch of the ticket (search only). */
  ticketEpoch?: number;
  /** A phase-end with this status (completed when absent). */
  status?: 'completed' | 'cancelled';
}

export function energyEventLog(phases: FixturePhase[], train = 100): RunEvent[] {
  const events: RunEvent[] = [];
  let now = T0;
  events.push({ type: 'run-start', time: now, runId: 'fixture', resumed: false, backend: 'wasm', backendDescription: 'wasm', skippedBackends: [] });
  events.push({ type: 'data', time: now, name: 'digits', source: 'embedded', train, validation: 10, test: 10, shape: [8, 8, 1], numClasses: 10 });
  for (const p of phases) {
    const start = now;
    events.push({ type: 'phase-start', time: start, phase: p.phase as never, plannedEpochs: p.epochs?.length ?? 0, startEpoch: 0, endEpoch: p.epochs?.length ?? 0 });
    events.push({ type: 'energy.phase', time: start, timeMs: start, phase: p.phase } as RunEvent);
    for (let s = 1; s <= p.seconds; s++) {
      const t = start + s * 1000;
      events.push({ type: 'energy.interval', time: t, timeMs: t, deltas: [{ phase: p.phase, source: 'rapl', device: 'package-0', kind: 'measured', joules: p.joulesPerSecond }], power: [] } as RunEvent);
      for (const e of p.epochs ?? []) {
        if (e.at !== s) continue;
        events.push({ type: 'epoch', time: t, phase: p.phase as never, logs: { epoch: e.epoch, learningRate: 0.1, loss: 1, accuracy: 0.5, valLoss: e.valAccuracy === null ? null : 1, valAccuracy: e.valAccuracy, seconds: 1, imagesPerSecond: train } });
        if (p.ticketEpoch === e.epoch) events.push({ type: 'eb-found', time: t, epoch: e.epoch, ratio: 0.5, plannedEpochs: 4, checkpoint: 'checkpoints/eb', warnings: [] });
      }
    }
    now = start + p.seconds * 1000;
    events.push({ type: 'phase-end', time: now, phase: p.phase as never, status: p.status ?? 'completed', seconds: p.seconds, epochs: p.epochs?.length ?? 0 });
  }
  return events;
}
