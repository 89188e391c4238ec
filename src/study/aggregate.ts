/**
 * A study: every point of a sweep folder read back and grouped by its swept values without the
 * seed, so each group's figures are a mean over seeds with a standard deviation and a 95 %
 * interval (src/study/stats.ts). Read through the run folder's own reader (RunStore).
 *
 * Training compute is estimated, not measured: 3 × forward FLOPs per image (forward + backward ≈
 * 3 forward passes) × training images × epochs, each epoch at the FLOPs of the network trained in
 * it (EB Train: search epochs at the dense network's FLOPs, retraining at the ticket's).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expandHome } from '../paths.ts';
import type { EnergyKind, Method } from '../core/events.ts';
import { methodKeys } from '../core/methods.ts';
import type { FinalStatus, FolderStatus } from '../core/status.ts';
import { RunError, RunStore } from '../run/runStore.ts';
import { configPath } from '../run/paths.ts';
import { READ_CAPS, readRegularFile, readRegularFileSync } from '../run/safeRead.ts';
import { realDirProblemSync } from '../run/safePath.ts';
import type { RunSummary } from '../core/summary.ts';
import { energyKindLabel } from '../energy/labels.ts';
import { savingsAgainstReferences, SAVING_REFERENCES, type SavingReference } from '../experiment/references.ts';
import { describe, type Stat } from './stats.ts';

export interface PointMethod {
  accuracy: number;
  joules: number | null;
  energyKind: EnergyKind | null;
  /** What the energy figure is, as the app and the PDF say it: "measured (rapl)", "estimated (model …)". */
  energyLabel: string | null;
  /** Estimated training FLOPs (see the file comment). */
  compute: number;
  params: number;
  flops: number;
  epochs: number;
}

export interface StudyPoint {
  index: number;
  id: string;
  values: Record<string, unknown>;
  seed: number | null;
  status: Extract<FolderStatus, FinalStatus | 'incomplete' | 'missing'>;
  /** Epoch the ticket appeared, counted from 1; null when none was found. */
  ticketEpoch: number | null;
  plannedEpochs: number | null;
  methods: Partial<Record<Method, PointMethod>>;
  /** Percent saved by EB Train per reference. */
  savings: Partial<Record<SavingReference, number>>;
  /** Why the point's energy figures are left out (a power source stopped mid-run), else null. */
  energyLeftOut: string | null;
}

export interface GroupMethod {
  accuracy: Stat;
  energy: Stat | null;
  energyKinds: EnergyKind[];
  /** The distinct energyKindLabel of the seeds' figures. */
  energyLabels: string[];
  /** The seeds whose energy is not in `energy` (then null), each named with the reason. */
  energyMissing: string[];
  compute: Stat;
  params: number;
  flops: number;
}

export interface StudyGroup {
  /** The swept values without the seed; `label` says them in words. */
  values: Record<string, unknown>;
  label: string;
  seeds: number[];
  /** Indices of the sweep points of this setting (finished or not). */
  points: number[];
  /** Points that finished; the figures stand on these. */
  n: number;
  /** How many of the seeds found a ticket. */
  found: number;
  ticketEpoch: Stat | null;
  plannedEpochs: number | null;
  methods: Partial<Record<Method, GroupMethod>>;
  savings: Partial<Record<SavingReference, Stat>>;
}

export interface Recommendation {
  /** The group that found a ticket earliest with EB Train within `tolerance` of dense; null if none. */
  best: StudyGroup | null;
  tolerance: number;
  /** One paragraph for the report and the CLI. */
  text: string;
}

export interface Study {
  name: string;
  dir: string;
  axes: string[];
  /** Axes that tell groups apart (all but the seed). */
  groupAxes: string[];
  points: StudyPoint[];
  groups: StudyGroup[];
  /** Points without a completed run, each a sentence. */
  unfinished: string[];
  /** Finished points whose energy is left out, each a sentence with the reason. */
  energyLeftOut: string[];
  recommendation: Recommendation;
}

interface SweepManifest {
  kind: 'earlybird-sweep';
  name: string;
  axes: string[];
  points: { index: number; id: string; values: Record<string, unknown> }[];
}

function parseSweepManifest(sweepDir: string, path: string, text: string | null): SweepManifest {
  if (text === null) throw new RunError(`${sweepDir} is not a sweep folder: it has no sweep.json (made by earlybird sweep or by earlybird run with seeds)`);
  let manifest: SweepManifest;
  try {
    manifest = JSON.parse(text) as SweepManifest;
  } catch (error) {
    throw new RunError(`${path}: unreadable (${(error as Error).message})`);
  }
  if (typeof manifest !== 'object' || manifest === null || manifest.kind !== 'earlybird-sweep' || typeof manifest.name !== 'string' || !Array.isArray(manifest.points) || !Array.isArray(manifest.axes)
    || !manifest.points.every((p) => typeof p === 'object' && p !== null && Number.isInteger(p.index) && typeof p.id === 'string' && typeof p.values === 'object' && p.values !== null)) {
    throw new RunError(`${path}: not an earlybird sweep manifest (kind "earlybird-sweep", name, axes, points with index, id and values)`);
  }
  return manifest;
}

/** sweep.json, read as a regular file under its cap (a FIFO, device or link there is refused, named). */
export function readSweepManifest(sweepDir: string): SweepManifest {
  const path = join(sweepDir, 'sweep.json');
  return parseSweepManifest(sweepDir, path, readRegularFileSync(path, READ_CAPS.sweepManifest));
}

/** readSweepManifest without blocking the event loop (the server's reads). */
export async function readSweepManifestAsync(sweepDir: string): Promise<SweepManifest> {
  const path = join(sweepDir, 'sweep.json');
  return parseSweepManifest(sweepDir, path, await readRegularFile(path, READ_CAPS.sweepManifest));
}

function searchEpochs(summary: RunSummary): number {
  return new Set(summary.earlyBird.distances.map((d) => d.epoch)).size;
}

/** Estimated training FLOPs of a method in a run (see the file comment). */
export function trainingCompute(summary: RunSummary, method: Method): number | null {
  const r = summary.methods[method];
  if (!r) return null;
  const perImage = 3 * summary.data.train;
  const denseFlops = summary.model.flops;
  switch (method) {
    case 'ebTrain': {
      const search = Math.min(searchEpochs(summary), r.epochs);
      return perImage * (search * denseFlops + (r.epochs - search) * r.flops);
    }
    case 'prunePipeline': {
      const trained = Number(r.notes?.trainEpochs ?? 0);
      return perImage * (trained * denseFlops + (r.epochs - trained) * r.flops);
    }
    default:
      return perImage * r.epochs * r.flops;
  }
}

function readPoint(sweepDir: string, p: SweepManifest['points'][number]): StudyPoint {
  const dir = join(sweepDir, 'runs', p.id);
  const base: StudyPoint = {
    index: p.index, id: p.id, values: p.values, seed: typeof p.values.seed === 'number' ? p.values.seed : null,
    status: 'missing', ticketEpoch: null, plannedEpochs: null, methods: {}, savings: {}, energyLeftOut: null,
  };
  // A point folder (or the sweep's runs/) that is a link is not read: it may lead anywhere.
  if (realDirProblemSync(sweepDir, dir) !== null || !existsSync(configPath(dir))) return base;
  const store = new RunStore(dir);
  const summary = store.readSummary();
  if (!summary) return { ...base, status: 'incomplete' };
  // A stretch of the run with no power source left (summary.energy.unmeasured) leaves phases short
  // of energy: EB Train could look cheaper than it was. Such a point keeps its accuracy and compute
  // but none of its energy figures.
  const gaps = summary.energy?.unmeasured ?? [];
  const energyLeftOut = gaps.length ? `${Math.round(gaps.reduce((a, g) => a + g.seconds, 0))} s of the run unmeasured (${gaps[0]!.reason})` : null;
  const energyMethods = energyLeftOut ? undefined : summary.energy?.methods;
  const methods: StudyPoint['methods'] = {};
  for (const method of methodKeys()) {
    const r = summary.methods[method];
    if (!r) continue;
    const e = energyMethods?.[method];
    methods[method] = {
      accuracy: r.testAccuracy, joules: e?.joules ?? null, energyKind: e?.kind ?? null,
      energyLabel: e ? energyKindLabel(e.kind, { source: e.source, estimateModel: e.kind === 'estimated' ? summary.energy?.estimateModel ?? null : null }) : null,
      compute: trainingCompute(summary, method) ?? 0, params: r.params, flops: r.flops, epochs: r.epochs,
    };
  }
  const savings: StudyPoint['savings'] = {};
  // Only references that were run count here: a projected dense figure is not a second seed's measurement.
  for (const s of savingsAgainstReferences(energyMethods)) if (summary.methods[s.reference]) savings[s.reference] = s.percent;
  return {
    ...base, seed: summary.config.seed, status: summary.status,
    ticketEpoch: summary.earlyBird.found && summary.earlyBird.epoch !== null ? summary.earlyBird.epoch + 1 : null,
    plannedEpochs: summary.earlyBird.plannedEpochs, methods, savings, energyLeftOut,
  };
}

export function describeValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function groupLabel(values: Record<string, unknown>): string {
  const entries = Object.entries(values);
  return entries.length ? entries.map(([k, v]) => `${k} = ${describeValue(v)}`).join(', ') : 'base config';
}

/** Reads a sweep folder into groups with mean ± std and 95 % intervals. */
export function buildStudy(sweepDirInput: string, options: { tolerance?: number } = {}): Study {
  const dir = resolve(expandHome(sweepDirInput));
  const manifest = readSweepManifest(dir);
  const points = manifest.points.map((p) => readPoint(dir, p)).sort((a, b) => a.index - b.index);
  const groupAxes = manifest.axes.filter((a) => a !== 'seed');
  const byKey = new Map<string, StudyPoint[]>();
  for (const point of points) {
    const key = JSON.stringify(groupAxes.map((a) => point.values[a]));
    byKey.set(key, [...(byKey.get(key) ?? []), point]);
  }
  const groups: StudyGroup[] = [];
  for (const members of byKey.values()) {
    const done = members.filter((m) => m.status === 'completed');
    const values = Object.fromEntries(groupAxes.map((a) => [a, members[0]!.values[a]]));
    const methods: StudyGroup['methods'] = {};
    for (const method of methodKeys()) {
      const ran = done.filter((m) => m.methods[method] !== undefined);
      const rows = ran.map((m) => m.methods[method]!);
      if (rows.length === 0) continue;
      const joules = rows.map((r) => r.joules);
      // A seed without energy is named, never averaged over: the group then has no energy mean.
      const energyMissing = ran.filter((m) => m.methods[method]!.joules === null).map((m) =>
        `${m.seed !== null ? `seed ${m.seed}` : 'a seed'} (point ${m.index}): ${m.energyLeftOut ? `energy left out — ${m.energyLeftOut}` : 'no energy recorded'}`);
      methods[method] = {
        accuracy: describe(rows.map((r) => r.accuracy))!,
        energy: energyMissing.length === 0 ? describe(joules as number[]) : null,
        energyKinds: [...new Set(rows.map((r) => r.energyKind).filter((k): k is EnergyKind => k !== null))],
        energyLabels: [...new Set(rows.map((r) => r.energyLabel).filter((k): k is string => k !== null))],
        energyMissing,
        compute: describe(rows.map((r) => r.compute))!,
        params: rows[0]!.params,
        flops: rows[0]!.flops,
      };
    }
    const savings: StudyGroup['savings'] = {};
    for (const reference of SAVING_REFERENCES) {
      const xs = done.map((m) => m.savings[reference]).filter((x): x is number => x !== undefined);
      if (xs.length) savings[reference] = describe(xs)!;
    }
    const tickets = done.map((m) => m.ticketEpoch).filter((t): t is number => t !== null);
    groups.push({
      values, label: groupLabel(values), points: members.map((m) => m.index), seeds: done.map((m) => m.seed).filter((s): s is number => s !== null), n: done.length,
      found: tickets.length, ticketEpoch: describe(tickets), plannedEpochs: done[0]?.plannedEpochs ?? null, methods, savings,
    });
  }
  const unfinished = points.filter((p) => p.status !== 'completed').map((p) =>
    `point ${p.index} (${groupLabel(p.values)}), runs/${p.id}: ${p.status === 'missing' ? 'not started' : p.status === 'incomplete' ? 'started, not finished (run the sweep again to resume)' : p.status}`);
  const energyLeftOut = points.filter((p) => p.energyLeftOut).map((p) => `point ${p.index} (${groupLabel(p.values)}): energy left out — ${p.energyLeftOut}`);
  return { name: manifest.name, dir, axes: manifest.axes, groupAxes, points, groups, unfinished, energyLeftOut, recommendation: recommend(groups, options.tolerance ?? 0.01) };
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

/**
 * Which swept values found a ticket earliest with EB Train within `tolerance` (accuracy, 0.01 =
 * 1 point) of dense — the question users of the official code ask (GATECH-EIC/Early-Bird-Tickets
 * issue #2). Only groups whose every seed found a ticket and that ran dense qualify; ties go to the
 * lower EB Train energy, then the higher accuracy.
 */
export function recommend(groups: readonly StudyGroup[], tolerance: number): Recommendation {
  const within = (g: StudyGroup) => g.methods.ebTrain && g.methods.dense && g.methods.ebTrain.accuracy.mean >= g.methods.dense.accuracy.mean - tolerance;
  const candidates = groups.filter((g) => g.n > 0 && g.found === g.n && g.ticketEpoch && within(g));
  candidates.sort((a, b) => a.ticketEpoch!.mean - b.ticketEpoch!.mean
    || (a.methods.ebTrain!.energy?.mean ?? 0) - (b.methods.ebTrain!.energy?.mean ?? 0)
    || b.methods.ebTrain!.accuracy.mean - a.methods.ebTrain!.accuracy.mean);
  const points = `${(tolerance * 100).toFixed(tolerance * 100 % 1 ? 1 : 0)} point${tolerance === 0.01 ? '' : 's'}`;
  const best = candidates[0] ?? null;
  // A study over seeds alone has one setting, nothing swept.
  const noun = groups.some((g) => Object.keys(g.values).length > 0) ? 'swept setting' : 'setting';
  if (!best) {
    const withDense = groups.filter((g) => g.methods.ebTrain && g.methods.dense);
    if (withDense.length === 0) return { best, tolerance, text: `No ${noun} can be judged: none ran the dense baseline to compare EB Train's accuracy with (comparisons.dense).` };
    const closest = [...withDense].sort((a, b) => (b.methods.ebTrain!.accuracy.mean - b.methods.dense!.accuracy.mean) - (a.methods.ebTrain!.accuracy.mean - a.methods.dense!.accuracy.mean))[0]!;
    return {
      best, tolerance,
      text: `No ${noun} found a ticket in every seed with EB Train within ${points} of dense. Closest: ${closest.label} — EB Train ${pct(closest.methods.ebTrain!.accuracy.mean)} vs dense ${pct(closest.methods.dense!.accuracy.mean)}, ticket found in ${closest.found} of ${closest.n} seeds.`,
    };
  }
  const t = best.ticketEpoch!;
  const others = candidates.length - 1;
  return {
    best, tolerance,
    text: `Earliest ticket within ${points} of dense: ${best.label} — ticket at epoch ${t.mean.toFixed(1)}${t.std !== null ? ` ± ${t.std.toFixed(1)}` : ''} of ${best.plannedEpochs ?? '?'} ` +
      `(${best.n} seed${best.n === 1 ? '' : 's'}), EB Train ${pct(best.methods.ebTrain!.accuracy.mean)} vs dense ${pct(best.methods.dense!.accuracy.mean)}. ` +
      `${others > 0 ? `${others} other setting${others === 1 ? '' : 's'} also stayed within ${points}, with later tickets.` : 'No other setting stayed within that margin.'}` +
      `${best.n < 3 ? ` With ${best.n} seed${best.n === 1 ? '' : 's'} this is an indication, not a finding.` : ''}`,
  };
}
