/**
 * Builds `summary.json` from the run's own record — its config and events.jsonl — plus what only
 * the finishing process knows (energy totals, hardware). Built from events, a resumed run and an
 * uninterrupted one summarise the same way.
 */
import { release, type as osType } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendReport } from '../backend/selectBackend.ts';
import { packageVersion } from '../version.ts';
import { summariseEnergy, savingEligibility, type DenseProjection, type SavingFacts } from '../energy/index.ts';
import { summariseCompute, type ComputeSummary, type PhaseWork } from '../energy/computeLedger.ts';
import type { ModelStats } from '../models/index.ts';
import type { ExperimentConfig } from '../experiment/config.ts';
import type { EnergyRecording } from '../experiment/energyRecorder.ts';
import { METHODS, type EnergyKind, type Method, type Phase, type RunEvent } from './events.ts';
import type { RunStore } from './runStore.ts';
import { methodResults, project, type RunState } from './project.ts';
import { SUMMARY_SCHEMA_VERSION, type EarlyBirdSummary, type RunEnergySummary, type RunSummary, type SlimSummary } from './summary.ts';

/** Phases whose energy each method is charged. */
export const METHOD_PHASES: Record<Method, Phase[]> = {
  ebTrain: ['search', 'surgery', 'retrain'],
  dense: ['dense'],
  ebReinit: ['ebReinit'],
  lotteryTicket: ['lotteryTicket'],
  scratchE: ['scratchE'],
  scratchB: ['scratchB'],
  // The standard pipeline reuses the dense phase (trained with the L1 term) and adds prune + fine-tune.
  prunePipeline: ['dense', 'prunePipeline'],
};

import { configHash } from './configHash.ts';
export { configHash };

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

/** The Early-Bird facts of the summary, read off the run's projection. */
function earlyBirdFrom(state: RunState, config: ExperimentConfig): EarlyBirdSummary {
  // maskDistance is keyed by ratio in the detector's order, one point per epoch (a resumed epoch: the later wins).
  const epochs = [...new Set(Object.values(state.maskDistance).flatMap((points) => points.map((p) => p.x)))].sort((a, b) => a - b);
  const percents = Object.values(state.detectorPercent);
  const retrain = state.phases.find((p) => p.phase === 'retrain' && p.status !== 'cancelled' && p.status !== 'running');
  return {
    found: state.earlyBird !== null,
    epoch: state.earlyBird?.epoch ?? null,
    plannedEpochs: config.training.epochs,
    p: config.search.pruneRatio,
    epsilon: config.search.epsilon,
    queueLength: config.search.queueLength,
    ratios: config.search.ratios.map((ratio) => {
      const epoch = state.foundByRatio[String(ratio)];
      return { ratio, found: epoch !== undefined, epoch: epoch ?? null };
    }),
    distances: epochs.flatMap((x) => Object.entries(state.maskDistance).flatMap(([ratio, points]) => {
      const point = points.find((p) => p.x === x);
      return point ? [{ epoch: x - 1, ratio: Number(ratio), maxDistance: point.y }] : [];
    })),
    layers: state.layerMask?.layers ?? [],
    overheadPercent: percents.length ? percents.reduce((sum, p) => sum + p, 0) / percents.length : 0,
    fineTuneEpochs: retrain?.epochsTrained ?? null,
  };
}

/** Whether a saving may be claimed, from the run's own record (see savingEligibility). */
function savingFacts(events: RunEvent[], earlyBird: EarlyBirdSummary, recording: EnergyRecording | null): SavingFacts {
  const completed = (phase: Phase) => events.some((e) => e.type === 'phase-end' && e.phase === phase && e.status !== 'cancelled');
  return {
    ticketFound: earlyBird.found,
    ebTrainFinished: completed('search') && completed('surgery') && completed('retrain'),
    denseFinished: completed('dense'),
    denseEpochsForProjection: events.filter((e) => e.type === 'epoch' && e.phase === 'search').length,
    unmeasuredSeconds: (recording?.unmeasured ?? []).reduce((sum, u) => sum + u.seconds, 0),
  };
}

/** The estimate's model in one line ("<CPU>: 8.75 W per core (default per core) × 2 cores"), if an estimate was used. */
function estimateModelOf(recording: EnergyRecording): string | null {
  const labels = recording.sources.filter((s) => s.kind === 'estimated' && s.label).map((s) => `${s.name}: ${s.label}`);
  return labels.length ? labels.join('; ') : null;
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
    notEligible: savingEligibility(savingFacts(events, earlyBird, recording)),
    ...(recording.views ? { views: recording.views } : {}),
  });
  const methods: RunEnergySummary['methods'] = {};
  for (const method of METHODS) {
    const phases = METHOD_PHASES[method].map((p) => base.phases[p]).filter((p) => p !== undefined);
    if (phases.length === 0) continue;
    // A method that reuses another's phases (the pipeline reuses dense) exists only once a phase of
    // its own ran: dense energy alone is not a standard-pipeline figure.
    const own = METHOD_PHASES[method].filter((p) => !METHODS.some((m) => m !== method && METHOD_PHASES[m].includes(p)));
    if (own.length > 0 && !own.some((p) => base.phases[p] !== undefined)) continue;
    const kind: EnergyKind = phases.some((p) => p.kind === 'estimated') ? 'estimated' : 'measured';
    methods[method] = { joules: phases.reduce((s, p) => s + p.joules, 0), source: [...new Set(phases.map((p) => p.source))].join(' + '), kind };
  }
  if (!methods.dense && base.denseJoules !== null) {
    methods.dense = { joules: base.denseJoules, source: base.denseBasis, kind: 'projected' };
  }
  return {
    ...base, methods, sources: recording.sources, skipped: recording.skipped,
    estimateModel: estimateModelOf(recording), unmeasured: recording.unmeasured ?? [],
  };
}

/** Network trained in each phase: the dense one, or the slim one cut by the surgery. */
const PHASE_NETWORK: Partial<Record<Phase, 'dense' | 'slim'>> = {
  search: 'dense', dense: 'dense', lotteryTicket: 'dense', retrain: 'slim', ebReinit: 'slim', scratchE: 'slim', scratchB: 'slim',
};

/** Images each phase trained and evaluated, from its epoch and phase-end events. */
function computeFrom(events: RunEvent[], earlyBird: EarlyBirdSummary, energy: RunEnergySummary | null, notEligible: string | null, slim: SlimSummary | null): ComputeSummary | null {
  const data = lastOf(events, 'data');
  const dense = events.find((e) => e.type === 'model' && e.method === 'dense');
  const slimModel = lastOf(events, 'model');
  if (!data || dense?.type !== 'model') return null;
  const flopsOf = (network: 'dense' | 'slim') => (network === 'dense' ? dense.flops : slimModel?.type === 'model' && slimModel.method === 'ebTrain' ? slimModel.flops : null);
  const work: PhaseWork[] = [];
  for (const e of events) {
    const phase = e.type === 'epoch' || e.type === 'phase-end' ? e.phase : null;
    const network = phase ? PHASE_NETWORK[phase] : undefined;
    if (!phase || !network) continue;
    const forward = flopsOf(network);
    if (forward === null) continue;
    if (e.type === 'epoch') {
      work.push({ phase, network, forwardFlopsPerImage: forward, trainImages: data.train, evalImages: e.logs.valLoss !== null ? data.validation : 0 });
    } else if (e.type === 'phase-end' && e.result) {
      work.push({ phase, network, forwardFlopsPerImage: forward, trainImages: 0, evalImages: data.test }); // the test evaluation
    }
  }
  const validatesEachEpoch = events.some((e) => e.type === 'epoch' && e.logs.valLoss !== null);
  const planned = earlyBird.plannedEpochs;
  const projectedDense: PhaseWork = {
    phase: 'dense', network: 'dense', forwardFlopsPerImage: dense.flops,
    trainImages: planned * data.train, evalImages: planned * (validatesEachEpoch ? data.validation : 0) + data.test,
  };
  const contendedPhases = Object.entries(energy?.contention ?? {})
    .filter(([phase, c]) => c.contended && (METHOD_PHASES.ebTrain.includes(phase as Phase) || phase === 'dense'))
    .map(([phase]) => phase);
  return summariseCompute({
    work, ebPhases: METHOD_PHASES.ebTrain, densePhase: 'dense', projectedDense, notEligible,
    energyRatio: energy?.savedRatio ?? null, contendedPhases,
    contendedWholeDevice: contendedPhases.some((phase) => energy?.contention[phase]?.wholeDevice),
    slim: slim ? { trainSpeedup: slim.speedup.train, flopReduction: slim.flopReduction } : null,
  });
}

function quantizationFrom(state: RunState): RunSummary['quantization'] {
  const q = state.quantization;
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
  // The summary is a cache of the projection (plus what only the runner knows: backend, hardware, energy recording).
  const state = project(events, store.id);
  const data = lastOf(events, 'data');
  const methods = methodResults(state);
  const slim: SlimSummary | null = state.slim;
  const earlyBird = earlyBirdFrom(state, config);
  const energy = energyFrom(events, config, input.recording, earlyBird);
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
    quantization: quantizationFrom(state),
    energy,
    compute: computeFrom(events, earlyBird, energy, savingEligibility(savingFacts(events, earlyBird, input.recording)), slim),
    seconds: input.seconds,
  };
}
