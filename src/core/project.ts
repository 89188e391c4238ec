/**
 * The one projection of a run's event log: `project(events) → RunState`, folded one event at a time
 * (`applyEvent`), so a live stream, a page opened mid-run and a finished run's events.jsonl all give
 * the same state. The page, the run list, the summary builder and the report read runs through it.
 * Pure: no DOM, no API, no node imports (the page bundles it).
 */
import type { FailureKind, Method, MethodResult, RunEvent } from './events.ts';
import type { SlimSummary } from './summary.ts';
import type { EpochLogs } from '../train/callbacks.ts';

import type { LiveStatus } from './status.ts';

export type RunStatus = LiveStatus;
export type SourceKind = 'measured' | 'estimated';

export interface PhaseInfo {
  phase: string;
  plannedEpochs: number;
  startEpoch: number;
  endEpoch: number;
  status: 'running' | 'completed' | 'stopped' | 'cancelled';
  seconds: number | null;
  epochsTrained: number | null;
  stopReason: string | null;
  result: MethodResult | null;
  /** A phase-end was logged (status alone cannot say: run-end closes open phases). */
  ended: boolean;
}

export interface ProgressInfo {
  phase: string;
  epoch: number;
  batch: number;
  batches: number;
  etaSeconds: number | null;
  /** Share of the phase done, 0..1. */
  fraction: number;
}

export interface Point {
  x: number;
  y: number | null;
}

export interface RunView {
  runId: string;
  status: RunStatus;
  error: string | null;
  /** Time of the first event (ms); chart time axes count seconds from it. */
  t0: number | null;
  lastEventAt: number | null;
  resumed: boolean;
  backend: string | null;
  data: { name: string; source: string; train: number; validation: number; test: number; shape: [number, number, number]; numClasses: number } | null;
  /** The first run-start: the run's id and the backend it was created on. */
  created: { runId: string; backend: string; backendDescription: string; skippedBackends: { choice: string; reason: string }[] } | null;
  /** The config hash the run was created with: the first run-start that records one (older runs have none). */
  configHash: string | null;
  /** The last run-end, kept when a resume starts the run again (status and error above are then reset). */
  lastRunEnd: { time: number; status: 'completed' | 'cancelled' | 'failed'; error: string | null; failure: FailureKind | null } | null;
  /** An energy-sources event was logged (the meter started), even if it named no source. */
  energySourcesLogged: boolean;
  /** The last epoch logged, in any phase (zero-based epoch). */
  lastEpoch: { phase: string; epoch: number } | null;
  models: Partial<Record<Method, { params: number; flops: number }>>;
  /** Phases in the order they started. */
  phases: PhaseInfo[];
  currentPhase: string | null;
  epochs: Record<string, EpochLogs[]>;
  /**
   * Epoch events per phase as logged, and how many of them validated: the work done. Counted, not
   * keyed by epoch like `epochs`, because the lottery ticket's rounds restart their epoch numbers.
   */
  epochsLogged: Record<string, { count: number; validated: number }>;
  /** Per phase, every logged epoch in log order (like epochsLogged): when it ended (seconds since t0, where per-epoch energy reads the energy curves) and its validation accuracy. */
  epochEnds: Record<string, { epoch: number; x: number; valAccuracy: number | null }[]>;
  progress: ProgressInfo | null;
  /** Max mask distance per tracked ratio (key: the ratio as text), x = epoch (1-based). */
  maskDistance: Record<string, Point[]>;
  /** Zero-based epoch at which each ratio's ticket appeared. */
  foundByRatio: Record<string, number>;
  earlyBird: { epoch: number; ratio: number; plannedEpochs: number } | null;
  layerMask: { ratio: number; layers: { layer: string; kept: number; total: number }[] } | null;
  /** Watts per source (`source · device`), x = seconds since t0. */
  power: Record<string, Point[]>;
  powerKinds: Record<string, SourceKind>;
  /** Cumulative joules per energy phase, x = seconds since t0. */
  energy: Record<string, Point[]>;
  energyTotals: Record<string, number>;
  energyKinds: Record<string, SourceKind>;
  /** Seconds since t0 at which each energy phase began (its curve starts at 0 there). */
  energyPhaseStart: Record<string, number>;
  energySources: { name: string; kind: SourceKind; description: string; formula?: string; label?: string }[];
  /** Measured training speed-up of the slim network (surgery), for the live projection of the retrain. */
  slimTrainSpeedup: number | null;
  warnings: string[];
  /** The same warnings with their times (ms). */
  warningLog: { time: number; message: string }[];
  /** The energy sources the meter skipped, with the reason. */
  energySkipped: { name: string; reason: string }[];
  /** Every energy phase mark in log order (a phase may be marked again after a resume). */
  energyPhaseMarks: { phase: string; timeMs: number }[];
  /** Time of the last energy reading (ms). */
  lastReadingAt: number | null;
  /** The run's joules per energy phase and source (machine view and CPU activity excluded). */
  energyBySource: Record<string, Record<string, { joules: number; kind: SourceKind }>>;
  /** Watts per source summed over its devices, at each reading's time (ms). */
  sourcePower: Record<string, { kind: SourceKind; devices: string[]; points: { timeMs: number; watts: number }[] }>;
  /** Number of events folded in (progress excluded). */
  eventCount: number;
  /** Time of the first run-start (ms): when the run was created. */
  startedAt: number | null;
  /** Detector cost per search epoch, % of the epoch (key: zero-based epoch). */
  detectorPercent: Record<number, number>;
  /** The surgery's slim network against the dense one. */
  slim: SlimSummary | null;
  quantization: Extract<RunEvent, { type: 'quantization' }> | null;
}

/** The projection under its own name: everything a run's log says, in one object. */
export type RunState = RunView;

export function emptyRunView(runId: string): RunView {
  return {
    runId, status: 'pending', error: null, t0: null, lastEventAt: null, resumed: false, backend: null, data: null, models: {},
    phases: [], currentPhase: null, epochs: {}, epochsLogged: {}, epochEnds: {}, progress: null, maskDistance: {}, foundByRatio: {}, earlyBird: null, layerMask: null,
    power: {}, powerKinds: {}, energy: {}, energyTotals: {}, energyKinds: {}, energyPhaseStart: {}, energySources: [], slimTrainSpeedup: null, warnings: [], eventCount: 0,
    startedAt: null, detectorPercent: {}, slim: null, quantization: null,
    created: null, configHash: null, lastRunEnd: null, energySourcesLogged: false, lastEpoch: null, warningLog: [], energySkipped: [], energyPhaseMarks: [], lastReadingAt: null,
    energyBySource: {}, sourcePower: {},
  };
}

function eventTime(event: RunEvent): number {
  const e = event as { time?: number; timeMs?: number };
  return e.timeMs ?? e.time ?? Date.now();
}

function seconds(view: RunView, time: number): number {
  return Math.max(0, (time - (view.t0 ?? time)) / 1000);
}

/** Appends keeping x ascending (a resumed run's events may interleave). */
function pushPoint(points: Point[], point: Point): void {
  const last = points[points.length - 1];
  if (!last || last.x <= point.x) points.push(point);
  else {
    const at = points.findIndex((p) => p.x > point.x);
    points.splice(at, 0, point);
  }
}

/** An event's array field, or none when a foreign writer left it out: the log is read, not trusted. */
function list<T>(value: readonly T[] | undefined): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/** Folds one event into the view (mutating it) and returns it. */
export function applyEvent(view: RunView, event: RunEvent): RunView {
  const time = eventTime(event);
  if (event.type !== 'progress') {
    view.eventCount++;
    view.t0 ??= time;
  }
  view.lastEventAt = Math.max(view.lastEventAt ?? 0, time);
  switch (event.type) {
    case 'run-start':
      if (event.resumed) {
        // Nothing was measured while the run was stopped: break the time series there.
        const x = seconds(view, time);
        for (const points of [...Object.values(view.power), ...Object.values(view.energy)]) pushPoint(points, { x, y: null });
      }
      view.status = 'running';
      view.error = null;
      view.resumed ||= event.resumed;
      view.startedAt ??= time;
      view.backend = event.backendDescription || event.backend;
      if (view.configHash === null && typeof event.configHash === 'string' && event.configHash !== '') view.configHash = event.configHash;
      view.created ??= {
        runId: typeof event.runId === 'string' ? event.runId : '', backend: String(event.backend), backendDescription: String(event.backendDescription ?? ''),
        skippedBackends: list(event.skippedBackends).map((s) => ({ choice: String(s?.choice), reason: String(s?.reason) })),
      };
      break;
    case 'data':
      view.data = {
        name: event.name, source: event.source, train: event.train, validation: event.validation, test: event.test, shape: event.shape, numClasses: event.numClasses,
      };
      break;
    case 'model':
      view.models[event.method] = { params: event.params, flops: event.flops };
      break;
    case 'phase-start': {
      const existing = view.phases.find((p) => p.phase === event.phase);
      const info: PhaseInfo = {
        phase: event.phase, plannedEpochs: event.plannedEpochs, startEpoch: event.startEpoch, endEpoch: event.endEpoch,
        status: 'running', seconds: null, epochsTrained: null, stopReason: null, result: null, ended: false,
      };
      if (existing) Object.assign(existing, { ...info, startEpoch: Math.min(existing.startEpoch, event.startEpoch) });
      else view.phases.push(info);
      view.currentPhase = event.phase;
      view.progress = null;
      if (view.status === 'pending') view.status = 'running';
      break;
    }
    case 'progress': {
      const phase = view.phases.find((p) => p.phase === event.phase);
      const span = phase ? Math.max(1, phase.endEpoch - phase.startEpoch) : 1;
      const done = (phase ? event.epoch - phase.startEpoch : 0) + (event.batch + 1) / Math.max(1, event.batches);
      view.progress = {
        phase: event.phase, epoch: event.epoch, batch: event.batch, batches: event.batches, etaSeconds: event.etaSeconds,
        fraction: Math.min(1, Math.max(0, done / span)),
      };
      view.currentPhase = event.phase;
      if (view.status === 'pending') view.status = 'running';
      break;
    }
    case 'epoch': {
      if (typeof event.logs?.epoch !== 'number' || !Number.isFinite(event.logs.epoch)) break; // a foreign line
      const list = (view.epochs[event.phase] ??= []);
      const at = list.findIndex((l) => l.epoch >= event.logs.epoch);
      if (at === -1) list.push(event.logs);
      else if (list[at]!.epoch === event.logs.epoch) list[at] = event.logs;
      else list.splice(at, 0, event.logs);
      view.lastEpoch = { phase: event.phase, epoch: event.logs.epoch };
      const logged = (view.epochsLogged[event.phase] ??= { count: 0, validated: 0 });
      logged.count++;
      if (event.logs.valLoss !== null) logged.validated++;
      (view.epochEnds[event.phase] ??= []).push({ epoch: event.logs.epoch, x: seconds(view, time), valAccuracy: typeof event.logs.valAccuracy === 'number' ? event.logs.valAccuracy : null });
      break;
    }
    case 'mask-distance':
      view.detectorPercent[event.epoch] = event.percentOfEpoch;
      for (const r of list(event.ratios)) {
        if (typeof r?.ratio !== 'number') continue;
        const key = String(r.ratio);
        const points = (view.maskDistance[key] ??= []);
        const x = event.epoch + 1;
        const at = points.findIndex((p) => p.x === x);
        if (at >= 0) points[at] = { x, y: r.maxDistance };
        else pushPoint(points, { x, y: r.maxDistance });
        if (r.found && view.foundByRatio[key] === undefined) view.foundByRatio[key] = r.foundEpoch ?? event.epoch;
      }
      break;
    case 'eb-found':
      view.earlyBird = { epoch: event.epoch, ratio: event.ratio, plannedEpochs: event.plannedEpochs };
      break;
    case 'layer-mask':
      view.layerMask = { ratio: event.ratio, layers: event.layers };
      break;
    case 'energy.interval': {
      const x = seconds(view, time);
      view.lastReadingAt = time;
      const sums = new Map<string, number>();
      for (const p of list(event.power)) {
        if (typeof p?.watts !== 'number' || !Number.isFinite(p.watts) || typeof p.source !== 'string' || p.source === '') continue;
        const series = (view.sourcePower[p.source] ??= { kind: p.kind === 'estimated' ? 'estimated' : 'measured', devices: [], points: [] });
        if (!series.devices.includes(String(p.device))) series.devices.push(String(p.device));
        sums.set(p.source, (sums.get(p.source) ?? 0) + p.watts);
        const key = p.device && p.device !== p.source ? `${p.source} · ${p.device}` : p.source;
        pushPoint((view.power[key] ??= []), { x, y: p.watts });
        view.powerKinds[key] = p.kind;
      }
      for (const [source, watts] of sums) view.sourcePower[source]!.points.push({ timeMs: time, watts });
      const touched = new Set<string>();
      for (const d of list(event.deltas)) {
        if (!d || d.view || typeof d.joules !== 'number') continue; // the machine view and CPU activity are not the run's energy
        view.energyTotals[d.phase] = (view.energyTotals[d.phase] ?? 0) + d.joules;
        const bySource = ((view.energyBySource[d.phase] ??= {})[d.source] ??= { joules: 0, kind: d.kind });
        bySource.joules += d.joules;
        if (d.kind === 'estimated') bySource.kind = 'estimated'; // a source is as good as its weakest reading
        if (d.kind === 'estimated' || view.energyKinds[d.phase] === undefined) view.energyKinds[d.phase] = d.kind;
        touched.add(d.phase);
      }
      for (const phase of touched) {
        const points = (view.energy[phase] ??= [{ x: Math.min(x, view.energyPhaseStart[phase] ?? x), y: 0 }]);
        pushPoint(points, { x, y: view.energyTotals[phase]! });
      }
      break;
    }
    case 'energy.phase':
      view.energyPhaseStart[event.phase] ??= seconds(view, time);
      view.energyPhaseMarks.push({ phase: event.phase, timeMs: time });
      break;
    case 'energy-sources':
      view.energySources = list(event.sources).filter((s) => s && s.view !== 'activity')
        .map((s) => ({ name: s.name, kind: s.kind, description: s.description, ...(s.formula ? { formula: s.formula } : {}), ...(s.label ? { label: s.label } : {}) }));
      view.energySourcesLogged = true;
      view.energySkipped = list(event.skipped).filter((s) => s).map((s) => ({ name: s?.name, reason: s?.reason }));
      break;
    case 'phase-end': {
      const phase = view.phases.find((p) => p.phase === event.phase);
      if (phase) {
        phase.status = event.status;
        phase.seconds = event.seconds;
        phase.epochsTrained = event.epochs;
        phase.stopReason = event.stopReason ?? null;
        phase.result = event.result ?? null;
        phase.ended = true;
      }
      if (event.slim) {
        view.slim = event.slim;
        view.slimTrainSpeedup = event.slim.speedup.train;
      }
      if (view.progress?.phase === event.phase) view.progress = null;
      break;
    }
    case 'warning':
      view.warnings.push(event.message);
      view.warningLog.push({ time, message: event.message });
      break;
    case 'quantization':
      view.quantization = event;
      break;
    case 'run-end':
      view.status = event.status;
      view.error = event.error ?? null;
      view.lastRunEnd = { time, status: event.status, error: event.error ?? null, failure: event.failure ?? null };
      view.progress = null;
      view.currentPhase = null;
      for (const p of view.phases) if (p.status === 'running') p.status = event.status === 'completed' ? 'completed' : 'cancelled';
      break;
  }
  return view;
}

export function buildRunView(runId: string, events: Iterable<RunEvent>): RunView {
  const view = emptyRunView(runId);
  for (const event of events) applyEvent(view, event);
  return view;
}

/** project(events) → RunState: the run as its log tells it. */
export function project(events: Iterable<RunEvent>, runId = ''): RunState {
  return buildRunView(runId, events);
}

/** The methods whose phase finished (not cancelled), with their results. */
export function methodResults(state: RunState): Partial<Record<Method, MethodResult>> {
  const methods: Partial<Record<Method, MethodResult>> = {};
  for (const phase of state.phases) if (phase.result && phase.status !== 'cancelled') methods[phase.result.method] = phase.result;
  return methods;
}

/** Epochs the run finished, over every phase (as logged). */
export function epochsFinished(view: Pick<RunView, 'epochsLogged'>): number {
  return Object.values(view.epochsLogged).reduce((sum, e) => sum + e.count, 0);
}

/** Epochs of the search phase that finished (the Early-Bird search is dense training). */
export function searchEpochsDone(view: RunView): number {
  return view.epochs.search?.length ?? 0;
}

/**
 * A phase that finished in the log (its phase-end was logged, not cancelled): a resume never repeats
 * it. Null for a phase that never ran, was cancelled, or was cut off by a run-end.
 */
export function finishedPhase(state: RunState, phase: string): (PhaseInfo & { seconds: number; epochsTrained: number }) | null {
  const info = state.phases.find((p) => p.phase === phase);
  if (!info || !info.ended || info.status === 'cancelled') return null;
  return { ...info, seconds: info.seconds ?? 0, epochsTrained: info.epochsTrained ?? 0 };
}

/** The last epoch (zero-based) the log records for a phase, or null when none finished. */
export function lastLoggedEpoch(state: RunState, phase: string): number | null {
  const epochs = state.epochs[phase];
  return epochs?.length ? epochs[epochs.length - 1]!.epoch : null;
}
