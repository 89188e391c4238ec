/**
 * Builds `summary.json` from the run's own record — its config and the projection of events.jsonl
 * (`project(events)`, the one reading of the log) — plus what only the finishing process knows
 * (energy totals, hardware). Built from the log, a resumed run and an uninterrupted one summarise the
 * same way.
 */
import { release, type as osType } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendReport } from '../backend/selectBackend.ts';
import { packageVersion } from '../version.ts';
import { summariseEnergy, savingEligibility, type DenseProjection, type SavingFacts } from '../energy/index.ts';
import { summariseCompute, type ComputeSummary, type PhaseWork } from '../energy/computeLedger.ts';
import type { ModelStats } from '../models/index.ts';
import type { ExperimentConfig } from '../core/config.ts';
import type { EnergyRecording } from '../energy/recording.ts';
import type { EnergyKind, Method, Phase } from '../core/events.ts';
import { chargedPhases, ebTrainPhases, methodRows, phaseRow } from '../core/methods.ts';
import type { RunStore } from './runStore.ts';
import { finishedPhase, methodResults, project, type RunState } from '../core/project.ts';
import { energyChecks } from './energyChecks.ts';
import { SUMMARY_SCHEMA_VERSION, type EarlyBirdSummary, type RunEnergySummary, type RunSummary, type SlimSummary } from '../core/summary.ts';

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

/** Search epochs logged: what the dense projection scales from. */
function searchEpochsLogged(state: RunState): number {
  return state.epochsLogged.search?.count ?? 0;
}

/** Whether a saving may be claimed, from the run's projection (see savingEligibility). */
function savingFacts(state: RunState, earlyBird: EarlyBirdSummary, recording: EnergyRecording | null, status: RunSummary['status']): SavingFacts {
  const completed = (phase: Phase) => finishedPhase(state, phase) !== null;
  return {
    stopped: status === 'cancelled' || status === 'failed' ? status : null,
    searchEpochs: searchEpochsLogged(state),
    ticketFound: earlyBird.found,
    ebTrainFinished: completed('search') && completed('surgery') && completed('retrain'),
    denseFinished: completed('dense'),
    denseEpochsForProjection: searchEpochsLogged(state),
    unmeasuredSeconds: (recording?.unmeasured ?? []).reduce((sum, u) => sum + u.seconds, 0),
  };
}

/** The estimate's model in one line ("<CPU>: 8.75 W per core (default per core) × 2 cores"), if an estimate was used. */
function estimateModelOf(recording: EnergyRecording): string | null {
  const labels = recording.sources.filter((s) => s.kind === 'estimated' && s.label).map((s) => `${s.name}: ${s.label}`);
  return labels.length ? labels.join('; ') : null;
}

function energyFrom(state: RunState, config: ExperimentConfig, recording: EnergyRecording, earlyBird: EarlyBirdSummary, status: RunSummary['status']): RunEnergySummary | null {
  const recorded = Object.values(recording.totals).some((bySource) => Object.values(bySource).some((t) => t.joules > 0));
  // No source, or every source failed before a second reading: nothing was measured.
  if (recording.sources.length === 0 || !recorded) return null;
  const searchEpochs = searchEpochsLogged(state);
  const projection: DenseProjection | undefined = searchEpochs > 0 ? { searchEpochs, plannedEpochs: earlyBird.plannedEpochs } : undefined;
  const base = summariseEnergy({
    totals: recording.totals, projection, carbonIntensity: config.energy.carbonIntensity, pue: config.energy.pue,
    overheadPercent: recording.overheadPercent,
    notEligible: savingEligibility(savingFacts(state, earlyBird, recording, status)),
    ...(recording.views ? { views: recording.views } : {}),
  });
  const methods: RunEnergySummary['methods'] = {};
  for (const row of methodRows()) {
    const method = row.key as Method;
    const phases = chargedPhases(method).map((p) => base.phases[p]).filter((p) => p !== undefined);
    if (phases.length === 0) continue;
    // A method that reuses another's phases (the pipeline reuses dense) exists only once a phase of
    // its own ran: dense energy alone is not a standard-pipeline figure.
    if (row.reuses.length > 0 && !row.phases.some((p) => base.phases[p.key] !== undefined)) continue;
    const kind: EnergyKind = phases.some((p) => p.kind === 'estimated') ? 'estimated' : 'measured';
    methods[method] = { joules: phases.reduce((s, p) => s + p.joules, 0), source: [...new Set(phases.map((p) => p.source))].join(' + '), kind };
  }
  if (!methods.dense && base.denseJoules !== null) {
    methods.dense = { joules: base.denseJoules, source: base.denseBasis, kind: 'projected' };
  }
  const checks = energyChecks(state, {
    phaseJoules: Object.fromEntries(Object.entries(base.phases).map(([phase, p]) => [phase, p.joules])),
    methodPhases: Object.fromEntries(methodRows().map((m) => [m.key, chargedPhases(m.key)])), ebPhases: ebTrainPhases(), plannedEpochs: earlyBird.plannedEpochs,
    projectedDenseJoules: base.denseKind === 'projected' ? base.denseJoules : null,
    contention: base.contention, denseWithL1: config.comparisons.prunePipeline.enabled && config.search.l1 > 0,
    detectorPercent: earlyBird.overheadPercent, accuracyTarget: config.energy.accuracyTarget ?? null,
  });
  return {
    ...base, ...checks, savedInterval: base.savedRatio !== null ? checks.savedInterval : null,
    methods, sources: recording.sources, skipped: recording.skipped,
    estimateModel: estimateModelOf(recording), unmeasured: recording.unmeasured ?? [],
  };
}

/** Images each phase trained and evaluated, from its logged epochs and its result (the test evaluation). */
function computeFrom(state: RunState, earlyBird: EarlyBirdSummary, energy: RunEnergySummary | null, notEligible: string | null, slim: SlimSummary | null): ComputeSummary | null {
  const data = state.data;
  const dense = state.models.dense;
  if (!data || !dense) return null;
  // The slim network is the one the surgery cut (its model event; a resume does not log it again).
  const flopsOf = (network: 'dense' | 'slim') => (network === 'dense' ? dense.flops : state.models.ebTrain?.flops ?? null);
  const work: PhaseWork[] = [];
  const networkOf = (phase: string) => {
    // Counted where the network's FLOPs are logged: the dense one and the slim one the surgery cut.
    const network = phaseRow(phase)?.network;
    const forward = network === 'dense' || network === 'slim' ? flopsOf(network) : null;
    return (network === 'dense' || network === 'slim') && forward !== null ? { phase: phase as Phase, network, forwardFlopsPerImage: forward } : null;
  };
  for (const [phase, logged] of Object.entries(state.epochsLogged)) {
    const of = networkOf(phase);
    if (!of) continue;
    if (logged.validated > 0) work.push({ ...of, trainImages: logged.validated * data.train, evalImages: logged.validated * data.validation });
    if (logged.count > logged.validated) work.push({ ...of, trainImages: (logged.count - logged.validated) * data.train, evalImages: 0 });
  }
  for (const p of state.phases) {
    const of = p.result ? networkOf(p.phase) : null;
    if (of) work.push({ ...of, trainImages: 0, evalImages: data.test }); // the test evaluation
  }
  const validatesEachEpoch = Object.values(state.epochsLogged).some((logged) => logged.validated > 0);
  const planned = earlyBird.plannedEpochs;
  const projectedDense: PhaseWork = {
    phase: 'dense', network: 'dense', forwardFlopsPerImage: dense.flops,
    trainImages: planned * data.train, evalImages: planned * (validatesEachEpoch ? data.validation : 0) + data.test,
  };
  const contendedPhases = Object.entries(energy?.contention ?? {})
    .filter(([phase, c]) => c.contended && (ebTrainPhases().includes(phase) || phase === 'dense'))
    .map(([phase]) => phase);
  return summariseCompute({
    work, ebPhases: ebTrainPhases(), densePhase: 'dense', projectedDense, notEligible,
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
  // The summary is a cache of the projection (plus what only the runner knows: backend, hardware, energy recording).
  const state = project(store.readEvents(), store.id);
  const data = state.data;
  const methods = methodResults(state);
  const slim: SlimSummary | null = state.slim;
  const earlyBird = earlyBirdFrom(state, config);
  const energy = energyFrom(state, config, input.recording, earlyBird, input.status);
  const denseModel = state.models.dense;
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
      params: input.denseStats?.params ?? denseModel?.params ?? 0,
      flops: input.denseStats?.flops ?? denseModel?.flops ?? 0,
    },
    earlyBird,
    methods,
    slim,
    quantization: quantizationFrom(state),
    energy,
    compute: computeFrom(state, earlyBird, energy, savingEligibility(savingFacts(state, earlyBird, input.recording, input.status)), slim),
    seconds: input.seconds,
  };
}
