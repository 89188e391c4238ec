/**
 * What the meter writes to the run's events.jsonl, one line per sampling interval, and reads back
 * on resume. Parsed with zod because a resumed file may end in a half-written line or carry events
 * of other kinds (epochs, checkpoints), which are skipped, not trusted.
 */
import { z } from 'zod';

const sourceKind = z.enum(['measured', 'estimated']);

export const energyDeltaSchema = z.object({
  phase: z.string(),
  source: z.string(),
  device: z.string(),
  kind: sourceKind,
  joules: z.number(),
  /** Absent for the run's own energy; `machine` / `activity` as in PowerReading.view. */
  view: z.enum(['machine', 'activity']).optional(),
});

export const energyPhaseEventSchema = z.object({
  type: z.literal('energy.phase'),
  timeMs: z.number(),
  phase: z.string().min(1),
});

export const energyIntervalEventSchema = z.object({
  type: z.literal('energy.interval'),
  timeMs: z.number(),
  /** Energy added since the previous interval, split by phase where a boundary fell inside it. */
  deltas: z.array(energyDeltaSchema),
  /** Power at this interval's readings, for live charts. */
  power: z.array(z.object({ source: z.string(), device: z.string(), kind: sourceKind, watts: z.number() })),
});

export const energyEventSchema = z.discriminatedUnion('type', [energyPhaseEventSchema, energyIntervalEventSchema]);

export type EnergyDelta = z.infer<typeof energyDeltaSchema>;
export type EnergyPhaseEvent = z.infer<typeof energyPhaseEventSchema>;
export type EnergyIntervalEvent = z.infer<typeof energyIntervalEventSchema>;
export type EnergyEvent = z.infer<typeof energyEventSchema>;

/** The energy events among anything (a parsed events.jsonl), in order; other lines are ignored. */
export function energyEventsIn(events: Iterable<unknown>): EnergyEvent[] {
  const found: EnergyEvent[] = [];
  for (const event of events) {
    const parsed = energyEventSchema.safeParse(event);
    if (parsed.success) found.push(parsed.data);
  }
  return found;
}
