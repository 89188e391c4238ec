/**
 * What a summary.json must hold before any reader (the run list, `earlybird show`, the study, the
 * ticket's README) touches it: every field those readers use, with its type. Unknown fields pass (the
 * summary's shape only grows); fields that older summaries lack are optional. A summary that fails is
 * reported with the fields at fault and never reaches a reader, so no shape of file can crash one.
 */
import { z } from 'zod';
import { RunError } from './errors.ts';
import type { RunSummary } from '../core/summary.ts';

const num = z.number();
const numOrNull = z.number().nullable();
const text = z.string();

const methodResult = z.looseObject({
  testAccuracy: num, params: num, flops: num, epochs: num, seconds: num,
  modelDir: text.optional(),
  notes: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
});

const energy = z.looseObject({
  phases: z.record(z.string(), z.looseObject({ joules: num, source: text, kind: text })),
  methods: z.record(z.string(), z.looseObject({ joules: num, source: text, kind: text })),
  sources: z.array(z.looseObject({ name: text, kind: text, description: text, formula: text.optional(), view: text.optional() })),
  skipped: z.array(z.looseObject({ name: text, reason: text })),
  estimateModel: text.nullable().optional(),
  unmeasured: z.array(z.looseObject({ fromMs: num, toMs: num, seconds: num, reason: text })).optional(),
  ebTrainJoules: num,
  ebTrainKind: text,
  denseJoules: numOrNull,
  denseKind: text.nullable(),
  denseBasis: text,
  savedRatio: numOrNull,
  savedPercent: numOrNull,
  savedReason: text.nullable().optional(),
  co2eGrams: num,
  savedCo2eGrams: numOrNull,
  carbonIntensity: num,
  pue: num,
  overheadPercent: numOrNull.optional(),
  contention: z.record(z.string(), z.looseObject({ othersShare: num, contended: z.boolean() })).optional(),
  machine: z.looseObject({ ebTrainJoules: num, denseJoules: numOrNull }).nullable().optional(),
});

const compute = z.looseObject({
  ebTrainFlops: num,
  denseFlops: numOrNull,
  denseBasis: text.nullable(),
  flopSavedRatio: numOrNull,
  savedReason: text.nullable(),
  agreement: z.looseObject({ energyRatio: num, relativeDifference: num, disagrees: z.boolean(), likelyReason: text.nullable() }).nullable(),
});

export const runSummarySchema = z.looseObject({
  runId: text,
  name: text.nullable().optional(),
  status: z.enum(['completed', 'cancelled', 'failed']),
  createdAt: text,
  config: z.looseObject({ seed: num.optional() }),
  backend: z.looseObject({ description: text }),
  data: z.looseObject({ name: text, train: num, test: num }),
  model: z.looseObject({ name: text, params: num, flops: num }),
  earlyBird: z.looseObject({
    found: z.boolean(),
    epoch: numOrNull,
    plannedEpochs: num,
    p: num,
    epsilon: num,
    queueLength: num,
    overheadPercent: num,
    distances: z.array(z.looseObject({ epoch: num })),
    fineTuneEpochs: numOrNull.optional(),
  }),
  methods: z.partialRecord(z.enum(['dense', 'ebTrain', 'ebReinit', 'lotteryTicket', 'scratchE', 'scratchB', 'prunePipeline']), methodResult),
  slim: z.looseObject({
    params: z.looseObject({ dense: num, slim: num }),
    flops: z.looseObject({ dense: num, slim: num }),
    flopReduction: num,
    speedup: z.looseObject({ train: num, inference: num }),
    maxAbsDifference: num,
  }).nullable().optional(),
  quantization: z.looseObject({ modelDir: text, bytesBefore: num, bytesAfter: num, accuracyBefore: num, accuracyAfter: num }).nullable().optional(),
  energy: energy.nullable().optional(),
  compute: compute.nullable().optional(),
});

/** The summary's faults in one line: "methods.ebTrain.testAccuracy: expected number, received string; …". */
export function summaryFaults(value: unknown): string | null {
  const result = runSummarySchema.safeParse(value);
  if (result.success) return null;
  const issues = result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  const more = result.error.issues.length - issues.length;
  return `${issues.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** Parses summary.json's text; RunError naming the file and the fields at fault when it is not a summary this version reads. */
export function parseSummaryText(path: string, text: string): RunSummary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunError(`${path}: unreadable (${(error as Error).message})`);
  }
  const faults = summaryFaults(value);
  if (faults !== null) throw new RunError(`${path}: not a run summary this version can read (${faults})`);
  return value as RunSummary;
}
