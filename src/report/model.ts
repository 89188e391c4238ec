/**
 * The report's view of a run: one object holding every figure the PDF, the CSVs and the tests use,
 * taken from summary.json where the run finished and, where it did not, from the run's one projection
 * of events.jsonl (`project(events) → RunState`, src/core/project.ts): the report never walks the log.
 * Each part that cannot be known is named in `missing` with the reason, in words a reader follows.
 */
import { configHash as hashConfig } from '../run/configHash.ts';
import type { EnergyKind, MethodResult } from '../core/events.ts';
import { START_UP_PHASE, chargedPhases, methodKeys, methodRow, phaseKeys, plannedMethods } from '../core/methods.ts';
import type { FinalStatus, FolderStatus } from '../core/status.ts';
import { project, type RunState } from '../core/project.ts';
import type { RunEnergySummary, SlimSummary } from '../core/summary.ts';
import type { ComputeSummary } from '../energy/computeLedger.ts';
import { formatDate, formatEpoch, methodLabel, phaseLabel } from './format.ts';
import { methodOfPhase } from '../core/methods.ts';
import type { DeepPartial, MetricsRow, RunFolder } from '../run/runFolder.ts';

export type RunStatus = Extract<FolderStatus, FinalStatus | 'incomplete'>;

export interface MethodView {
  method: string;
  label: string;
  result: Partial<MethodResult> | null;
  energy: { joules: number; source: string; kind: EnergyKind } | null;
  /** Why there is no result (or energy), when there is none. */
  note: string | null;
}

export interface PhaseEnergyRow {
  phase: string;
  source: string;
  kind: 'measured' | 'estimated';
  joules: number;
  /** Time the meter attributed to the phase (all sources alike); null when unknown. */
  seconds: number | null;
}

export interface PowerSeries {
  source: string;
  kind: 'measured' | 'estimated';
  devices: string[];
  /** x: minutes since the run started; y: watts (summed over the source's devices). */
  points: { x: number; y: number }[];
}

export interface PhaseSpan {
  phase: string;
  startMin: number;
  endMin: number;
}

export interface EnergyView {
  /** Where the per-phase totals come from. */
  origin: 'summary' | 'events' | null;
  rows: PhaseEnergyRow[];
  sources: { name: string; kind: 'measured' | 'estimated'; description: string; formula?: string }[];
  skipped: { name: string; reason: string }[];
  power: PowerSeries[];
  spans: PhaseSpan[];
  /** summary.energy when the run wrote one (savings, CO₂e, dense basis). */
  summary: DeepPartial<RunEnergySummary> | null;
  /** Seconds per energy phase, from its marks (see PhaseDurations). */
  spanSeconds: Record<string, number>;
  /** summary.compute: FLOPs per phase and the compute saving. */
  compute: DeepPartial<ComputeSummary> | null;
  carbonIntensity: number | null;
  pue: number | null;
  intervalMs: number | null;
}

/**
 * One duration per phase for every table of the report. `meter`: the wall clock from the phase's
 * energy mark to the next (the span whose energy the tables give: evaluation and saving included,
 * warm-up excluded); `runner`: the runner's own timing of the phase's epochs, where the run logged no
 * energy marks for a phase.
 */
export interface PhaseDurations {
  clock: 'meter' | 'runner';
  /** Seconds per phase on that clock. */
  seconds: Record<string, number>;
}

/** The clock in words, for the tables' captions. */
export function clockWords(clock: PhaseDurations['clock']): string {
  return clock === 'meter'
    ? 'wall clock from the phase\'s start to its end as the energy meter marked them (evaluation and saving included, warm-up excluded), the span whose energy the tables give'
    : 'the runner\'s timing of the phase\'s epochs (the run logged no energy phase marks)';
}

/** A method's time: its charged phases' (those it builds on and its own) on the report's one clock; null when one is unknown. */
export function methodSeconds(durations: PhaseDurations, method: string): number | null {
  const phases = chargedPhases(method);
  return phases.every((p) => durations.seconds[p] !== undefined) ? phases.reduce((sum, p) => sum + durations.seconds[p]!, 0) : null;
}

export interface EarlyBirdView {
  found: boolean;
  epoch: number | null;
  plannedEpochs: number | null;
  p: number | null;
  epsilon: number | null;
  queueLength: number | null;
  ratios: { ratio: number; found: boolean; epoch: number | null }[];
  distances: { epoch: number; ratio: number; maxDistance: number | null }[];
  layers: { layer: string; kept: number; total: number }[];
  overheadPercent: number | null;
  /** Epochs the search trained (from its epoch rows or events). */
  searchEpochs: number;
  searchEnded: boolean;
}

export interface ReportModel {
  runId: string;
  runDir: string;
  name: string | null;
  status: RunStatus;
  /** One sentence on where and why the run stopped, when it did not complete. */
  interruption: string | null;
  createdAt: string | null;
  finishedAt: string | null;
  wallSeconds: number | null;
  folder: RunFolder;
  config: RunFolder['config'];
  configHash: { value: string; computed: boolean } | null;
  backend: { name: string; description: string; skipped: { choice: string; reason: string }[] } | null;
  hardware: Record<string, unknown> | null;
  software: Record<string, string> | null;
  data: { name: string; source: string; train: number; validation: number; test: number; shape: number[]; numClasses: number } | null;
  model: { name: string; params: number | null; flops: number | null } | null;
  slim: DeepPartial<SlimSummary> | null;
  earlyBird: EarlyBirdView;
  methods: MethodView[];
  metrics: MetricsRow[];
  /** Each phase's `seconds` is on `durations`' clock, as are the energy rows' and the methods' times. */
  phases: { phase: string; status: string; seconds: number | null; epochs: number | null; stopReason: string | null }[];
  durations: PhaseDurations;
  energy: EnergyView;
  /** The run's own warning events and the problems met reading the folder. */
  notes: string[];
  /** Every part of the report that could not be filled, with the reason. */
  missing: string[];
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);


/** Phases in run order, unknown ones after, the meter's "unassigned" and "start-up" first. */
export function phaseOrder(phases: Iterable<string>): string[] {
  const known: readonly string[] = phaseKeys();
  const rank = (p: string) =>
    p === 'unassigned' ? -2 : p === START_UP_PHASE ? -1 : p === 'surgery-checks' ? known.indexOf('surgery') + 0.5 : known.includes(p) ? known.indexOf(p) : 100;
  return [...new Set(phases)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Where the run stopped, in words; null when it completed. */
function describeInterruption(folder: RunFolder, state: RunState, status: RunStatus): string | null {
  const { summary } = folder;
  if (status === 'completed') return null;
  const error = str(state.lastRunEnd?.error);
  const open = [...state.phases].reverse().find((p) => !p.ended);
  const when = state.lastEventAt !== null && Number.isFinite(state.lastEventAt) ? ` (last event ${formatDate(state.lastEventAt)})` : '';
  let where = '';
  if (open) {
    const epochInPhase = state.lastEpoch?.phase === open.phase ? num(state.lastEpoch.epoch) : null;
    const planned = num(folder.config?.training?.epochs);
    where = ` during the ${phaseLabel(open.phase)} phase` + (epochInPhase !== null ? `, after epoch ${formatEpoch(epochInPhase)}${planned ? ` of ${planned}` : ''}` : ', before its first epoch ended');
  } else if (state.phases.length === 0 && state.eventCount > 0) {
    where = ' before training started';
  }
  if (status === 'failed') return `the run failed${where}${error ? `: ${error}` : ''}${when}`;
  if (status === 'cancelled') return `the run was cancelled${where}${when}`;
  if (!folder.eventsPresent && !summary) return 'the run left no events.jsonl and no summary.json';
  return `the run ended${where}${when}`;
}

function earlyBirdView(folder: RunFolder, state: RunState): EarlyBirdView {
  const s = folder.summary?.earlyBird;
  const { config } = folder;
  const p = num(s?.p) ?? num(config?.search?.pruneRatio) ?? (state.earlyBird ? num(state.earlyBird.ratio) : null);
  const foundForP = state.earlyBird && (p === null || Math.abs(state.earlyBird.ratio - p) < 1e-9) ? state.earlyBird : null;

  let distances: EarlyBirdView['distances'] = [];
  if (Array.isArray(s?.distances) && s.distances.length > 0) {
    distances = s.distances.flatMap((d) => {
      const epoch = num(d?.epoch);
      const ratio = num(d?.ratio);
      return epoch !== null && ratio !== null ? [{ epoch, ratio, maxDistance: num(d?.maxDistance) }] : [];
    });
  } else {
    // The projection keys distances by ratio with x = epoch + 1; the report lists them by epoch.
    for (const [key, points] of Object.entries(state.maskDistance)) {
      const ratio = num(Number(key));
      if (ratio === null) continue;
      for (const point of points) if (num(point.x) !== null) distances.push({ epoch: point.x - 1, ratio, maxDistance: num(point.y) });
    }
    distances.sort((a, b) => a.epoch - b.epoch);
  }

  let ratios: EarlyBirdView['ratios'] = [];
  if (Array.isArray(s?.ratios) && s.ratios.length > 0) {
    ratios = s.ratios.flatMap((r) => (num(r?.ratio) !== null ? [{ ratio: r!.ratio!, found: r?.found === true, epoch: num(r?.epoch) }] : []));
  } else {
    const tracked = (config?.search?.ratios ?? []).filter((r): r is number => typeof r === 'number');
    for (const ratio of tracked.length ? tracked : Object.keys(state.maskDistance).map(Number)) {
      const epoch = state.foundByRatio[String(ratio)];
      ratios.push({ ratio, found: epoch !== undefined, epoch: epoch !== undefined ? num(epoch) : null });
    }
  }

  let layers: EarlyBirdView['layers'] = [];
  if (Array.isArray(s?.layers) && s.layers.length > 0) {
    layers = s.layers.flatMap((l) => (str(l?.layer) && num(l?.kept) !== null && num(l?.total) !== null ? [{ layer: l!.layer!, kept: l!.kept!, total: l!.total! }] : []));
  } else {
    const mask = state.layerMask && (p === null || Math.abs(state.layerMask.ratio - p) < 1e-9) ? state.layerMask : null;
    layers = (Array.isArray(mask?.layers) ? mask.layers : []).filter((l) => str(l?.layer) && num(l?.kept) !== null && num(l?.total) !== null);
  }

  const overheads = Object.values(state.detectorPercent).map(num).filter((v): v is number => v !== null);
  const searchRows = folder.metrics.filter((m) => m.phase === 'search');
  const searchEnd = state.phases.find((ph) => ph.phase === 'search' && ph.ended);
  return {
    found: s ? s.found === true : foundForP !== null,
    epoch: s ? num(s.epoch) : foundForP ? num(foundForP.epoch) : null,
    plannedEpochs: num(s?.plannedEpochs) ?? num(config?.training?.epochs) ?? (foundForP ? num(foundForP.plannedEpochs) : null),
    p,
    epsilon: num(s?.epsilon) ?? num(config?.search?.epsilon),
    queueLength: num(s?.queueLength) ?? num(config?.search?.queueLength),
    ratios,
    distances,
    layers,
    overheadPercent: num(s?.overheadPercent) ?? (overheads.length ? overheads.reduce((a, b) => a + b, 0) / overheads.length : null),
    searchEpochs: searchEnd && num(searchEnd.epochsTrained) !== null ? searchEnd.epochsTrained! : new Set(searchRows.map((r) => r.epoch)).size,
    searchEnded: Boolean(searchEnd) || folder.summary?.status === 'completed',
  };
}

function energyView(folder: RunFolder, state: RunState): EnergyView {
  const { summary, config } = folder;

  // Timeline: minutes since the first event of the run.
  const t0 = num(state.t0) ?? 0;
  const minutes = (ms: number) => (ms - t0) / 60000;

  // Phase spans from the meter's phase marks up to the next mark (or the last reading).
  const lastReading = num(state.lastReadingAt);
  const phaseMarks = state.energyPhaseMarks;
  const spans: PhaseSpan[] = [];
  const spanSeconds = new Map<string, number>();
  phaseMarks.forEach((mark, index) => {
    const start = num(mark.timeMs);
    const next = index + 1 < phaseMarks.length ? num(phaseMarks[index + 1]!.timeMs) : lastReading;
    if (start === null || next === null || next < start) return;
    spans.push({ phase: mark.phase, startMin: minutes(start), endMin: minutes(next) });
    spanSeconds.set(mark.phase, (spanSeconds.get(mark.phase) ?? 0) + (next - start) / 1000);
  });
  const phaseEndSeconds = new Map(state.phases.filter((ph) => ph.ended).map((ph) => [ph.phase, num(ph.seconds)]));
  const secondsOf = (phase: string) => spanSeconds.get(phase) ?? phaseEndSeconds.get(phase) ?? null;

  // Per phase per source: the summary's figures when there are any, else the events replayed.
  const rows: PhaseEnergyRow[] = [];
  let origin: EnergyView['origin'] = null;
  const summaryPhases = summary?.energy?.phases;
  if (isObject(summaryPhases) && Object.keys(summaryPhases).length > 0) {
    origin = 'summary';
    for (const phase of phaseOrder(Object.keys(summaryPhases))) {
      const bySource = summaryPhases[phase]?.bySource;
      if (!isObject(bySource)) continue;
      for (const [source, total] of Object.entries(bySource)) {
        const joules = num(total?.joules);
        if (joules === null) continue;
        rows.push({ phase, source, kind: total?.kind === 'estimated' ? 'estimated' : 'measured', joules, seconds: secondsOf(phase) });
      }
    }
  } else if (state.lastReadingAt !== null) {
    origin = 'events';
    const totals = state.energyBySource;
    for (const phase of phaseOrder(Object.keys(totals))) {
      for (const [source, total] of Object.entries(totals[phase] ?? {})) {
        rows.push({ phase, source, kind: total.kind, joules: total.joules, seconds: secondsOf(phase) });
      }
    }
  }

  // Power per source (devices summed), bucket-averaged to at most ~600 points per source.
  const power: PowerSeries[] = Object.entries(state.sourcePower).map(([source, series]) => ({
    source,
    kind: series.kind,
    devices: [...series.devices],
    points: downsample(series.points.map((p) => ({ x: minutes(p.timeMs), y: p.watts })), 600),
  }));

  const summarySources = summary?.energy?.sources;
  const sources = (Array.isArray(summarySources) && summarySources.length ? summarySources : state.energySources)
    .filter((s) => str(s?.name))
    .map((s) => ({ name: s!.name!, kind: s!.kind === 'estimated' ? 'estimated' as const : 'measured' as const, description: str(s!.description) ?? '', ...(str(s!.formula) ? { formula: s!.formula! } : {}) }));
  const summarySkipped = summary?.energy?.skipped;
  const skipped = (Array.isArray(summarySkipped) && summarySkipped.length ? summarySkipped : state.energySkipped)
    .filter((s) => str(s?.name))
    .map((s) => ({ name: s!.name!, reason: str(s!.reason) ?? '' }));

  return {
    origin,
    rows,
    sources,
    skipped,
    power,
    spans,
    spanSeconds: Object.fromEntries(spanSeconds),
    summary: summary?.energy ?? null,
    compute: summary?.compute ?? null,
    carbonIntensity: num(summary?.energy?.carbonIntensity) ?? num(config?.energy?.carbonIntensity),
    pue: num(summary?.energy?.pue) ?? num(config?.energy?.pue),
    intervalMs: num(config?.energy?.intervalMs),
  };
}

/** Bucket means, keeping the shape of long series without thousands of points per line. */
export function downsample(points: { x: number; y: number }[], max: number): { x: number; y: number }[] {
  if (points.length <= max) return points;
  const size = Math.ceil(points.length / max);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < points.length; i += size) {
    const bucket = points.slice(i, i + size);
    out.push({ x: bucket.reduce((a, p) => a + p.x, 0) / bucket.length, y: bucket.reduce((a, p) => a + p.y, 0) / bucket.length });
  }
  return out;
}


function methodViews(folder: RunFolder, state: RunState, energy: EnergyView, stopped: string | null): MethodView[] {
  const { summary } = folder;
  const resultFromEvents = new Map<string, Partial<MethodResult>>();
  for (const ph of state.phases) if (ph.ended && isObject(ph.result) && str(ph.result.method)) resultFromEvents.set(ph.result.method, ph.result);
  const endedPhases = new Set(state.phases.filter((ph) => ph.ended).map((ph) => ph.phase));

  // Energy per method: summary.energy.methods, else the per-phase rows summed (finished methods only).
  const phaseJoules = new Map<string, { joules: number; sources: Set<string>; estimated: boolean }>();
  for (const row of energy.rows) {
    const method = methodOfPhase(row.phase);
    const entry = phaseJoules.get(method) ?? { joules: 0, sources: new Set<string>(), estimated: false };
    entry.joules += row.joules;
    entry.sources.add(row.source);
    entry.estimated ||= row.kind === 'estimated';
    phaseJoules.set(method, entry);
  }
  const ownPhases = (method: string) => methodRow(method)?.phases.map((p) => p.key) ?? [method];
  const methodPhasesEnded = (method: string) => endedPhases.has(ownPhases(method).at(-1)!);

  const names = new Set<string>([...(folder.config?.comparisons ? plannedMethods(folder.config) : ['ebTrain']), ...Object.keys(summary?.methods ?? {}), ...resultFromEvents.keys(), ...Object.keys(summary?.energy?.methods ?? {})]);
  const views: MethodView[] = [];
  for (const method of [...methodKeys().filter((m) => names.has(m)), ...[...names].filter((m) => !(methodKeys() as string[]).includes(m))]) {
    const fromSummary = summary?.methods?.[method as keyof NonNullable<typeof summary.methods>];
    const result = (isObject(fromSummary) ? fromSummary : resultFromEvents.get(method) ?? null) as Partial<MethodResult> | null;
    const summaryEnergy = summary?.energy?.methods?.[method as keyof NonNullable<NonNullable<typeof summary.energy>['methods']>];
    let methodEnergy: MethodView['energy'] = null;
    if (summaryEnergy && num(summaryEnergy.joules) !== null) {
      methodEnergy = { joules: summaryEnergy.joules!, source: str(summaryEnergy.source) ?? '', kind: (summaryEnergy.kind ?? 'measured') as EnergyKind };
    } else if (!summary && methodPhasesEnded(method) && phaseJoules.has(method)) {
      const e = phaseJoules.get(method)!;
      methodEnergy = { joules: e.joules, source: [...e.sources].join(' + '), kind: e.estimated ? 'estimated' : 'measured' };
    }
    let note: string | null = null;
    if (!result) {
      if (method === 'dense' && methodEnergy?.kind === 'projected') note = 'not run; its energy is projected';
      else if (!stopped) note = 'not recorded — the phase reported no result';
      else {
        const phases = ownPhases(method);
        const started = state.phases.some((ph) => phases.includes(ph.phase));
        const what = method === 'ebTrain'
          ? (started ? `before ${methodLabel('ebTrain')} (search + surgery + retrain) finished` : 'before the search started')
          : started ? `during the ${phaseLabel(method)} phase` : `before the ${phaseLabel(method)} phase started`;
        note = `not recorded — ${stopped} ${what}`;
      }
    }
    views.push({ method, label: methodLabel(method), result, energy: methodEnergy, note });
  }
  return views;
}

export function buildReportModel(folder: RunFolder): ReportModel {
  const { summary, config } = folder;
  const state = project(folder.events, folder.folderName);
  const start = state.created;
  const status: RunStatus = summary?.status ?? state.lastRunEnd?.status ?? 'incomplete';
  const interruption = describeInterruption(folder, state, status);

  const configHash = str(summary?.configHash)
    ? { value: summary!.configHash!, computed: false }
    : folder.configRaw !== null && config
    ? { value: hashConfig(JSON.parse(folder.configRaw)), computed: true }
    : null;

  const backend = isObject(summary?.backend) && str(summary.backend.name)
    ? { name: summary.backend.name!, description: str(summary.backend.description) ?? '', skipped: (summary.backend.skipped ?? []).map((s) => ({ choice: String(s?.choice), reason: String(s?.reason) })) }
    : start ? { name: start.backend, description: start.backendDescription, skipped: start.skippedBackends }
    : null;

  const d = summary?.data ?? state.data;
  const data = d && str(d.name)
    ? { name: d.name!, source: str(d.source) ?? '', train: num(d.train) ?? 0, validation: num(d.validation) ?? 0, test: num(d.test) ?? 0, shape: Array.isArray(d.shape) ? d.shape.map(Number) : [], numClasses: num(d.numClasses) ?? 0 }
    : null;

  const denseModelEvent = state.models.dense ?? state.models.ebTrain;
  const modelName = str(summary?.model?.name) ?? str(config?.model?.name);
  const model = modelName || denseModelEvent
    ? { name: modelName ?? '?', params: num(summary?.model?.params) ?? num(denseModelEvent?.params), flops: num(summary?.model?.flops) ?? num(denseModelEvent?.flops) }
    : null;

  const slim = (isObject(summary?.slim) ? summary.slim : isObject(state.slim) ? state.slim : null) as DeepPartial<SlimSummary> | null;

  const phases = phaseOrder(state.phases.map((ph) => ph.phase)).map((phase) => {
    const info = state.phases.find((ph) => ph.phase === phase && ph.ended);
    return {
      phase,
      status: info ? String(info.status) : 'not finished',
      seconds: num(info?.seconds),
      epochs: num(info?.epochsTrained),
      stopReason: str(info?.stopReason),
    };
  });

  const earlyBird = earlyBirdView(folder, state);
  const energy = energyView(folder, state);
  // The meter's spans where every finished phase has one, else the runner's timing for all: one clock throughout.
  const ended = state.phases.filter((ph) => ph.ended);
  const metered = ended.length > 0 && ended.every((ph) => energy.spanSeconds[ph.phase] !== undefined);
  const durations: PhaseDurations = metered
    ? { clock: 'meter', seconds: energy.spanSeconds }
    : { clock: 'runner', seconds: Object.fromEntries(ended.filter((ph) => num(ph.seconds) !== null).map((ph) => [ph.phase, ph.seconds!])) };
  for (const row of energy.rows) row.seconds = durations.seconds[row.phase] ?? (metered ? row.seconds : null);
  for (const row of phases) if (row.seconds !== null || durations.seconds[row.phase] !== undefined) row.seconds = durations.seconds[row.phase] ?? null;
  /** Subject and verb for short reasons: "the run ended", "the run failed", "the run was cancelled". */
  const stopped = status === 'completed' ? null : status === 'failed' ? 'the run failed' : status === 'cancelled' ? 'the run was cancelled' : 'the run ended';
  const methods = methodViews(folder, state, energy, stopped);

  // What is missing, named.
  const missing: string[] = [];
  const why = interruption ?? 'not written by the run';
  const short = stopped ?? 'the run ended';
  if (!folder.eventsPresent) missing.push('events.jsonl: missing — no timeline, power readings or mask distances');
  if (!folder.configRaw) missing.push(`config.json: missing — ${config ? 'settings taken from summary.json' : 'the settings of this run are unknown'}`);
  if (!summary) missing.push(`Summary (summary.json): not written — ${why}`);
  if (folder.metrics.length === 0) {
    missing.push(`Training curves: not recorded — ${!folder.eventsPresent && !folder.metricsFileExists ? 'events.jsonl is missing' : 'no epoch finished (no epoch event)'}`);
  }
  if (!earlyBird.found) {
    if (!earlyBird.searchEnded) missing.push(`Early-Bird ticket: not found yet — ${short} during the search`);
  }
  if (earlyBird.distances.length === 0) missing.push(`Mask distances: not recorded — ${folder.eventsPresent ? 'no search epoch finished' : 'events.jsonl is missing'}`);
  if (earlyBird.layers.length === 0) missing.push(`Channel mask per layer: not recorded — ${earlyBird.found ? 'no layer-mask event' : 'no ticket was cut'}`);
  if (!slim) missing.push(`Slim network (params and FLOPs after surgery): not recorded — ${earlyBird.found ? (summary ? 'not in summary.json' : `${short} before the surgery finished`) : 'no ticket was cut'}`);
  for (const m of methods) if (!m.result && m.note?.startsWith('not recorded')) missing.push(`${m.label} test accuracy: ${m.note}`);
  if (energy.rows.length === 0) {
    const skipped = energy.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
    const reason = !folder.eventsPresent && !summary?.energy
      ? 'neither events.jsonl nor summary.json holds energy figures'
      : !state.energySourcesLogged && !summary?.energy
      ? `${short} before the energy meter started`
      : skipped ? `no power source could be read (${skipped})` : 'no power reading was recorded';
    missing.push(`Energy: not recorded — ${reason}`);
  }
  if (energy.power.length === 0 && energy.rows.length > 0) missing.push(`Power over time: not recorded — ${folder.eventsPresent ? 'no power readings in events.jsonl' : 'events.jsonl is missing'}`);
  const savings = summary?.energy;
  if (!savings || num(savings.savedJoules) === null) {
    const reason = !summary
      ? `${short} before summary.json was written (savings need EB Train finished and a dense baseline)`
      : !savings ? 'summary.json has no energy section'
      : str(savings.savedReason)?.replace(/^no saving: /, '') ?? (summary.status !== 'completed' ? `the run ${summary.status}` : str(savings.denseBasis) ?? 'no dense baseline');
    missing.push(`Energy saved and CO₂e avoided: not computed — ${reason}`);
  }
  if (summary && !isObject(summary.hardware)) missing.push('Hardware inventory: not recorded in summary.json');
  if (!summary) missing.push('Hardware inventory and software versions: not recorded — the runner writes them to summary.json when the run ends');

  const notes = [
    ...folder.problems,
    ...state.warningLog.map((w) => `run warning (${formatDate(w.time)}): ${w.message}`),
  ];

  const startedAt = num(state.startedAt);
  const endedAt = num(state.lastRunEnd?.time);
  const lastTime = num(state.lastEventAt);
  const createdAt = str(summary?.createdAt) ?? (startedAt !== null ? new Date(startedAt).toISOString() : null);
  const finishedAt = str(summary?.finishedAt) ?? (endedAt !== null ? new Date(endedAt).toISOString() : null);
  const wallSeconds = num(summary?.seconds) ?? (startedAt !== null && lastTime !== null ? (lastTime - startedAt) / 1000 : null);

  return {
    runId: str(summary?.runId) ?? (start ? str(start.runId) : null) ?? folder.folderName,
    runDir: folder.dir,
    name: str(summary?.name) ?? str(config?.name),
    status,
    interruption,
    createdAt,
    finishedAt,
    wallSeconds,
    folder,
    config,
    configHash,
    backend,
    hardware: isObject(summary?.hardware) ? (summary.hardware as Record<string, unknown>) : null,
    software: isObject(summary?.software) ? (Object.fromEntries(Object.entries(summary.software).map(([k, v]) => [k, String(v)])) as Record<string, string>) : null,
    data,
    model,
    slim,
    earlyBird,
    methods,
    metrics: folder.metrics,
    phases,
    durations,
    energy,
    notes,
    missing,
  };
}

