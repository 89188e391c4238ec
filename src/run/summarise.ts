/**
 * Builds `summary.json` from the run's own record — its config and events.jsonl — plus what only
 * the finishing process knows (energy totals, hardware). Built from events, a resumed run and an
 * uninterrupted one summarise the same way.
 */
import { createHash } from 'node:crypto';
import { release, type as osType } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendReport } from '../backend/selectBackend.ts';
import { packageVersion } from '../version.ts';
import { summariseEnergy, type DenseProjection } from '../energy/index.ts';
import type { ModelStats } from '../models/index.ts';
import type { ExperimentConfig } from '../experiment/config.ts';
import type { EnergyRecording } from '../experiment/energyRecorder.ts';
import { METHODS, type EnergyKind, type Method, type MethodResult, type Phase, type RunEvent } from './events.ts';
import type { RunStore } from './runStore.ts';
import { SUMMARY_SCHEMA_VERSION, type EarlyBirdSummary, type RunEnergySummary, type RunSummary, type SlimSummary } from './summary.ts';

/** Phases whose energy each method is charged. */
export const METHOD_PHASES: Record<Method, Phase[]> = {
  ebTrain: ['search', 'surgery', 'retrain'],
  dense: ['dense'],
  ebReinit: ['ebReinit'],
  lotteryTicket: ['lotteryTicket'],
  scratchE: ['scratchE'],
  scratchB: ['scratchB'],
};

/** Sorted-key JSON, so the hash does not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function configHash(config: ExperimentConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}


function adapterFacts(a: { vendor: string; architecture: string; description: string; software: boolean }) {
  return { vendor: a.vendor, architecture: a.architecture, description: a.description, software: a.software };
}

function softwareVersions(): Record<string, string> {
  return {
    earlybird: packageVersion(),
    node: process.versions.node,
    tfjs: tf.version.tfjs,
    'tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
    'tfjs-backend-webgpu': packageVersion('@tensorflow/tfjs-backend-webgpu'),
    webgpu: packageVersion('webgpu'),
    os: `${osType()} ${release()}`,
  };
}

function lastOf<T extends RunEvent['type']>(events: RunEvent[], type: T): Extract<RunEvent, { type: T }> | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.type === type) return events[i] as Extract<RunEvent, { type: T }>;
  return undefined;
}

function earlyBirdFrom(events: RunEvent[], config: ExperimentConfig): EarlyBirdSummary {
  const found = lastOf(events, 'eb-found');
  // One mask-distance record per epoch; a resumed epoch may repeat, the later one wins.
  const byEpoch = new Map<number, Extract<RunEvent, { type: 'mask-distance' }>>();
  for (const e of events) if (e.type === 'mask-distance') byEpoch.set(e.epoch, e);
  const records = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  const lastRecord = records[records.length - 1];
  return {
    found: Boolean(found),
    epoch: found?.epoch ?? null,
    plannedEpochs: config.training.epochs,
    p: config.search.pruneRatio,
    epsilon: config.search.epsilon,
    queueLength: config.search.queueLength,
    ratios: config.search.ratios.map((ratio) => {
      const r = lastRecord?.ratios.find((x) => x.ratio === ratio);
      return { ratio, found: Boolean(r?.found), epoch: r?.foundEpoch ?? null };
    }),
    distances: records.flatMap((rec) => rec.ratios.map((r) => ({ epoch: rec.epoch, ratio: r.ratio, maxDistance: r.maxDistance }))),
    layers: lastOf(events, 'layer-mask')?.layers ?? [],
    overheadPercent: records.length ? records.reduce((s, r) => s + r.percentOfEpoch, 0) / records.length : 0,
  };
}

function energyFrom(events: RunEvent[], config: ExperimentConfig, recording: EnergyRecording, earlyBird: EarlyBirdSummary): RunEnergySummary | null {
  const recorded = Object.values(recording.totals).some((bySource) => Object.values(bySource).some((t) => t.joules > 0));
  // No source, or every source failed before a second reading: nothing was measured.
  if (recording.sources.length === 0 || !recorded) return null;
  const searchEpochs = events.filter((e) => e.type === 'epoch' && e.phase === 'search').length;
  const projection: DenseProjection | undefined = searchEpochs > 0 ? { searchEpochs, plannedEpochs: earlyBird.plannedEpochs } : undefined;
  const base = summariseEnergy({
    totals: recording.totals, projection, carbonIntensity: config.energy.carbonIntensity, pue: config.energy.pue,
    overheadPercent: recording.overheadPercent,
  });
  const methods: RunEnergySummary['methods'] = {};
  for (const method of METHODS) {
    const phases = METHOD_PHASES[method].map((p) => base.phases[p]).filter((p) => p !== undefined);
    if (phases.length === 0) continue;
    const kind: EnergyKind = phases.some((p) => p.kind === 'estimated') ? 'estimated' : 'measured';
    methods[method] = { joules: phases.reduce((s, p) => s + p.joules, 0), source: [...new Set(phases.map((p) => p.source))].join(' + '), kind };
  }
  if (!methods.dense && base.denseJoules !== null) {
    methods.dense = { joules: base.denseJoules, source: base.denseBasis, kind: 'projected' };
  }
  return { ...base, methods, sources: recording.sources, skipped: recording.skipped };
}

function quantizationFrom(events: RunEvent[]): RunSummary['quantization'] {
  const q = lastOf(events, 'quantization');
  return q ? { modelDir: q.modelDir, bytesBefore: q.bytesBefore, bytesAfter: q.bytesAfter, accuracyBefore: q.accuracyBefore, accuracyAfter: q.accuracyAfter } : null;
}

export function buildSummary(input: {
  store: RunStore;
  config: ExperimentConfig;
  status: RunSummary['status'];
  createdAt: number;
  backend: BackendReport;
  hardware: Record<string, unknown> | null;
  recording: EnergyRecording;
  seconds: number;
  denseStats: ModelStats | null;
}): RunSummary {
  const { store, config } = input;
  const events = store.readEvents();
  const data = lastOf(events, 'data');
  const methods: Partial<Record<Method, MethodResult>> = {};
  for (const e of events) {
    if (e.type === 'phase-end' && e.result && e.status !== 'cancelled') methods[e.result.method] = e.result;
  }
  let slim: SlimSummary | null = null;
  for (const e of events) if (e.type === 'phase-end' && e.phase === 'surgery' && e.slim) slim = e.slim;
  const earlyBird = earlyBirdFrom(events, config);
  const denseModel = events.find((e) => e.type === 'model' && e.method === 'dense');
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    runId: store.id,
    name: config.name ?? null,
    status: input.status,
    createdAt: new Date(input.createdAt).toISOString(),
    finishedAt: new Date().toISOString(),
    config,
    configHash: configHash(config),
    backend: {
      name: input.backend.tfBackend, description: input.backend.description, skipped: input.backend.skipped,
      ...(input.backend.adapter ? { adapter: adapterFacts(input.backend.adapter) } : {}),
    },
    hardware: input.hardware,
    software: softwareVersions(),
    data: data
      ? { name: data.name, source: data.source, train: data.train, validation: data.validation, test: data.test, shape: data.shape, numClasses: data.numClasses }
      : { name: config.data.spec, source: 'not loaded', train: 0, validation: 0, test: 0, shape: [0, 0, 0], numClasses: 0 },
    model: {
      name: config.model.name,
      params: input.denseStats?.params ?? (denseModel?.type === 'model' ? denseModel.params : 0),
      flops: input.denseStats?.flops ?? (denseModel?.type === 'model' ? denseModel.flops : 0),
    },
    earlyBird,
    methods,
    slim,
    quantization: quantizationFrom(events),
    energy: energyFrom(events, config, input.recording, earlyBird),
    seconds: input.seconds,
  };
}
