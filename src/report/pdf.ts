/**
 * Lays out the report: 1 summary, 2 setup, 3 Early-Bird ticket, 4 accuracy, 5 energy, 6 method
 * notes. Every figure comes from the ReportModel and every gap is said in words where the figure
 * would have been.
 */
import { savingsAgainstReferences } from '../experiment/references.ts';
import { energyKindLabel } from '../energy/labels.ts';
import type { SavingInterval } from '../energy/interval.ts';
import { percentInterval, ratioWithInterval } from '../energy/savingWords.ts';
import { checkRows, checkSentences, PDF_WORDS, savingSentence, warningsText } from './energyWords.ts';
import { joulesToWh } from '../energy/units.ts';
import { accuracyChart, distanceChart, maskChart, methodEnergyChart, phaseEnergyChart, powerChart } from './charts.ts';
import {
  formatAccuracy,
  formatAccuracyDelta,
  formatBytes,
  formatCo2e,
  formatDate,
  formatDistance,
  formatDuration,
  formatEnergy,
  formatEpoch,
  formatFlops,
  formatFraction,
  formatInt,
  formatPercent,
  formatPue,
  formatRatio,
  formatWatts,
  methodLabel,
  phaseLabel,
  sig,
} from './format.ts';
import { Layout } from './layout.ts';
import { plannedMethods } from '../core/methods.ts';
import { clockWords, methodSeconds, type MethodView, type ReportModel } from './model.ts';

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const DASH = '—';

function method(model: ReportModel, name: string): MethodView | undefined {
  return model.methods.find((m) => m.method === name);
}

function kindWords(kind: string | null | undefined): string {
  switch (kind) {
    case 'measured':
      return 'measured in this experiment';
    case 'estimated':
      return 'estimated in this experiment';
    case 'projected':
      return 'projected from the search epochs';
    default:
      return 'origin unknown';
  }
}

/** The one-paragraph summary at the top of page 1. */
export function summaryParagraph(model: ReportModel): string {
  const eb = model.earlyBird;
  const sentences: string[] = [];
  const p = eb.p !== null ? formatFraction(eb.p) : '?';
  const window = eb.epsilon !== null && eb.queueLength !== null ? ` (the last ${eb.queueLength} channel masks all within ε = ${formatFraction(eb.epsilon)} of the newest)` : '';
  if (eb.found && eb.epoch !== null) {
    sentences.push(`The Early-Bird ticket for pruning ratio p = ${p} was found at epoch ${formatEpoch(eb.epoch)} of ${eb.plannedEpochs ?? '?'} planned epochs${window}.`);
  } else if (eb.searchEnded) {
    sentences.push(`No Early-Bird ticket appeared for p = ${p} within the ${eb.searchEpochs} search epochs${eb.epsilon !== null ? ` (ε = ${formatFraction(eb.epsilon)})` : ''}.`);
  } else {
    sentences.push(`No Early-Bird ticket${eb.p !== null ? ` for p = ${p}` : ''} had been found when ${model.interruption ?? 'the run stopped'}.`);
  }

  const ebAcc = num(method(model, 'ebTrain')?.result?.testAccuracy);
  const denseAcc = num(method(model, 'dense')?.result?.testAccuracy);
  if (ebAcc !== null && denseAcc !== null) {
    sentences.push(`Retrained after channel surgery, the ticket reached ${formatAccuracy(ebAcc)} test accuracy against ${formatAccuracy(denseAcc)} for the dense network (${formatAccuracyDelta(ebAcc - denseAcc)}).`);
  } else if (ebAcc !== null) {
    sentences.push(`Retrained after channel surgery, the ticket reached ${formatAccuracy(ebAcc)} test accuracy; the dense network's test accuracy was not recorded.`);
  } else if (denseAcc !== null) {
    sentences.push(`The dense network reached ${formatAccuracy(denseAcc)} test accuracy; the retrained ticket's was not recorded.`);
  } else {
    sentences.push('No test accuracy was recorded.');
  }

  const params = model.slim?.params;
  const flops = model.slim?.flops;
  if (num(params?.dense) && num(params?.slim) !== null) {
    const fewer = (1 - params!.slim! / params!.dense!) * 100;
    const flopReduction = num(model.slim?.flopReduction) ?? (num(flops?.dense) && num(flops?.slim) ? flops!.dense! / flops!.slim! : null);
    sentences.push(`The slim network has ${formatPercent(fewer)} fewer parameters (${formatInt(params!.dense!)} → ${formatInt(params!.slim!)})${flopReduction !== null ? ` and needs ${formatRatio(flopReduction)} fewer FLOPs per image` : ''}.`);
  }

  const energy = model.energy.summary;
  const saved = num(energy?.savedJoules);
  const ebJ = num(energy?.ebTrainJoules);
  const denseJ = num(energy?.denseJoules);
  const claimed = energy && energy.savedReason === undefined && model.status !== 'completed' ? false : true;
  if (energy && claimed && saved !== null && ebJ !== null && denseJ !== null) {
    const ratio = num(energy.savedRatio);
    const percent = num(energy.savedPercent);
    const savedCo2 = num(energy.savedCo2eGrams);
    const context = `(at ${sig(num(energy.carbonIntensity) ?? 0, 4)} g CO₂e/kWh, PUE ${formatPue(num(energy.pue) ?? 1)})`;
    const how = energy.ebTrainKind === 'estimated' && energy.estimateModel ? `estimated with the power model ${energy.estimateModel}` : energy.ebTrainKind ?? 'measured';
    const head = `EB Train (search + surgery + retrain) used ${formatEnergy(ebJ)}, ${how}, against ${formatEnergy(denseJ)} for dense training (${kindWords(energy.denseKind)}); the saving is ${savingKindOf(energy)}`;
    const interval = energy.savedInterval as SavingInterval | null | undefined;
    const unclear = interval && !interval.clear;
    if (ratio !== null && percent !== null && (saved < 0 || unclear)) {
      sentences.push(`${head}: ${savingSentence(energy, { saved, ratio, percent })}${saved < 0 ? ', so on this hardware nothing was saved' : ''}${savedCo2 !== null ? ` (${formatCo2e(Math.abs(savedCo2))} ${savedCo2 >= 0 ? 'avoided' : 'more emitted'} ${context})` : ''}.`);
    } else if (saved >= 0) {
      const warnings = warningsText(energy);
      sentences.push(`${head}: ${ratio !== null ? `${ratioWithInterval(ratio, interval, PDF_WORDS)} less energy, ` : ''}${percent !== null ? `${formatPercent(percent)}${interval ? ` (${percentInterval(interval.percent.low, interval.percent.high, formatPercent)})` : ''} saved` : `${formatEnergy(saved)} saved`}${savedCo2 !== null ? `, avoiding ${formatCo2e(savedCo2)} ${context}` : ''}${warnings}.`);
    } else {
      sentences.push(`${head}: ${formatEnergy(-saved)} more, so on this hardware nothing was saved${savedCo2 !== null ? ` (${formatCo2e(-savedCo2)} more emitted ${context})` : ''}.`);
    }
    sentences.push(...checkSentences(energy));
  } else {
    const rows = model.energy.rows;
    if (rows.length && !energy) {
      const total = rows.reduce((a, r) => a + r.joules, 0);
      const kinds = [...new Set(rows.map((r) => r.kind))].join(' and ');
      sentences.push(`Until it stopped, the run drew ${formatEnergy(total)} (${kinds}, ${[...new Set(rows.map((r) => r.source))].join(' + ')}).`);
    }
    const line = model.missing.find((m) => m.startsWith('Energy saved'));
    sentences.push(`${line ?? 'Energy saved and CO₂e avoided: not computed'}.`);
  }
  const computeSummary = model.energy.compute;
  if (computeSummary && num(computeSummary.flopSavedRatio) !== null) {
    const a = computeSummary.agreement;
    sentences.push(`Counted compute: dense training needs ${formatRatio(computeSummary.flopSavedRatio!)} the FLOPs of ${methodLabel('ebTrain')} (${computeSummary.denseBasis ?? 'counted'})` +
      (a && a.disagrees ? `; the energy saving differs from it by ${formatPercent((a.relativeDifference ?? 0) * 100)}, likely because of ${a.likelyReason}.` : a ? `, in line with the energy saving (within ${formatPercent((a.relativeDifference ?? 0) * 100)}).` : '.'));
  }
  const contended = contendedSentence(energy);
  if (contended) sentences.push(contended);
  if (model.status !== 'completed') sentences.push(`This run is ${model.status}: ${model.interruption ?? 'it did not complete'}; the report shows what it recorded.`);
  return sentences.join(' ');
}

/** The saving's own kind: as weak as the weaker of its two figures. */
function savingKindOf(energy: { ebTrainKind?: string | undefined; denseKind?: string | null | undefined }): string {
  if (energy.denseKind === 'projected') return 'projected';
  return energy.ebTrainKind === 'estimated' || energy.denseKind === 'estimated' ? 'estimated' : 'measured';
}

/** One sentence naming the contended phases and what that means for the figures. */
function contendedSentence(energy: ReportModel['energy']['summary']): string | null {
  const entries = Object.entries(energy?.contention ?? {}).filter(([, c]) => c?.contended);
  if (!entries.length) return null;
  const whole = entries.some(([, c]) => c?.wholeDevice);
  return `Contended phases (other processes used more than 10% of the CPU time): ${entries.map(([phase, c]) => `${phase} ${formatPercent((c!.othersShare ?? 0) * 100)}`).join(', ')}; ` +
    (whole ? 'a whole-device sensor charges their work to the run there.' : 'the per-process estimate leaves their work out, but they slowed the run.');
}

function keyFigures(model: ReportModel): string[][] {
  const rows: string[][] = [];
  const eb = model.earlyBird;
  rows.push([
    'Early-Bird ticket',
    eb.found && eb.epoch !== null ? `epoch ${formatEpoch(eb.epoch)} of ${eb.plannedEpochs ?? '?'} (p = ${formatFraction(eb.p ?? 0)})` : eb.searchEnded ? 'not found' : 'not found yet',
    eb.found ? `mask distance ≤ ε = ${formatFraction(eb.epsilon ?? 0)} over ${eb.queueLength ?? '?'} epochs` : DASH,
  ]);
  for (const name of ['ebTrain', 'dense'] as const) {
    const m = method(model, name);
    const acc = num(m?.result?.testAccuracy);
    rows.push([`Test accuracy, ${methodLabel(name)}`, acc !== null ? formatAccuracy(acc) : 'not recorded', acc !== null ? `${formatInt(model.data?.test ?? 0)} test images` : m?.note ?? DASH]);
  }
  const slim = model.slim;
  if (num(slim?.params?.dense) !== null && num(slim?.params?.slim) !== null) {
    rows.push(['Parameters, dense → slim', `${formatInt(slim!.params!.dense!)} → ${formatInt(slim!.params!.slim!)}`, 'counted on the built networks']);
  }
  if (num(slim?.flops?.dense) !== null && num(slim?.flops?.slim) !== null) {
    rows.push(['FLOPs per image, dense → slim', `${formatFlops(slim!.flops!.dense!)} → ${formatFlops(slim!.flops!.slim!)}`, 'counted (2 × multiply-accumulates)']);
  }
  const energy = model.energy.summary;
  const ebJ = num(energy?.ebTrainJoules);
  const denseJ = num(energy?.denseJoules);
  const ebSources = method(model, 'ebTrain')?.energy?.source;
  const estimateModel = energy?.estimateModel ?? null;
  rows.push(['Energy, EB Train', ebJ !== null ? formatEnergy(ebJ) : 'not recorded', ebJ !== null ? energyKindLabel(energy?.ebTrainKind ?? 'measured', { source: ebSources ?? null, estimateModel }) : DASH]);
  rows.push(['Energy, dense training', denseJ !== null ? formatEnergy(denseJ) : 'not recorded', denseJ !== null ? energyKindLabel(energy?.denseKind ?? null, { basis: energy?.denseBasis ?? null, estimateModel, source: energy?.phases?.dense?.source ?? null }) : String(energy?.denseBasis ?? DASH)]);
  const saved = num(energy?.savedJoules);
  const ratio = num(energy?.savedRatio);
  const percent = num(energy?.savedPercent);
  const refused = energy ? (energy.savedReason ?? (energy.savedReason === undefined && model.status !== 'completed' ? `no saving: run ${model.status}` : null)) : null;
  rows.push([
    'Energy saved against dense training',
    saved !== null && !refused ? `${formatEnergy(saved)}${ratio !== null ? ` · ${ratioWithInterval(ratio, energy?.savedInterval as SavingInterval | null | undefined, PDF_WORDS)}` : ''}${percent !== null ? ` · ${formatPercent(percent)}` : ''}` : 'none claimed',
    saved !== null && !refused ? `${energy ? savingKindOf(energy) : ''}; dense − EB Train; dense / EB Train; saved / dense` : refused ?? DASH,
  ]);
  if (energy && saved !== null && !refused) rows.push(...checkRows(energy));
  const pipelineJ = method(model, 'prunePipeline')?.energy;
  if (pipelineJ && ebJ !== null && saved !== null && !refused) {
    const pipelineSaving = savingsAgainstReferences({ ebTrain: { joules: ebJ, kind: 'measured' }, prunePipeline: pipelineJ }).find((x) => x.reference === 'prunePipeline');
    rows.push(['Energy, standard pipeline', formatEnergy(pipelineJ.joules), `${pipelineJ.kind} (${pipelineJ.source}): dense with L1 + prune + fine-tune`]);
    if (pipelineSaving) {
      rows.push([
        'Energy saved against the standard pipeline',
        `${formatEnergy(pipelineSaving.savedJoules)} · ${formatRatio(pipelineSaving.ratio)} · ${formatPercent(pipelineSaving.percent)}`,
        'pipeline − EB Train; pipeline / EB Train; saved / pipeline',
      ]);
    }
  }
  const compute = model.energy.compute;
  if (compute && num(compute.ebTrainFlops) !== null) {
    const a = compute.agreement;
    rows.push([
      'Compute saved',
      num(compute.flopSavedRatio) !== null ? `${formatRatio(compute.flopSavedRatio!)} fewer FLOPs` : 'none claimed',
      num(compute.flopSavedRatio) !== null
        ? `counted: images × 3 × forward FLOPs + evaluation${a?.disagrees ? `; differs from the energy saving by ${formatPercent((a.relativeDifference ?? 0) * 100)}, likely ${a.likelyReason}` : ''}`
        : compute.savedReason ?? DASH,
    ]);
  }
  if (estimateModel) rows.push(['Power model', 'estimated', estimateModel]);
  const contended = contendedSentence(energy ?? null);
  if (contended) rows.push(['Contended phases', String(Object.values(energy?.contention ?? {}).filter((c) => c?.contended).length), contended]);
  const savedCo2 = refused ? null : num(energy?.savedCo2eGrams);
  rows.push([
    savedCo2 !== null && savedCo2 < 0 ? 'CO₂e emitted beyond dense' : 'CO₂e avoided',
    savedCo2 !== null ? formatCo2e(Math.abs(savedCo2)) : 'none claimed',
    savedCo2 !== null ? `kWh × PUE ${formatPue(num(energy?.pue) ?? 1)} × ${sig(num(energy?.carbonIntensity) ?? 0, 4)} g CO₂e/kWh` : DASH,
  ]);
  return rows;
}

function describeHardware(hardware: Record<string, unknown> | null): [string, string][] {
  if (!hardware) return [['Hardware', 'not recorded']];
  const h = hardware as {
    cpu?: { brand?: string | null; cores?: number | null; physicalCores?: number | null; sockets?: number | null };
    memory?: { totalBytes?: number | null };
    gpus?: { vendor?: string | null; model?: string | null; vramMb?: number | null }[] | null;
    os?: { platform?: string; distro?: string | null; release?: string | null; kernel?: string | null; arch?: string };
    node?: string;
  };
  if (!h.cpu && !h.os) {
    return Object.entries(hardware).slice(0, 12).map(([k, v]) => [`Hardware: ${k}`, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  }
  const rows: [string, string][] = [];
  if (h.cpu) {
    const cores = [h.cpu.cores ? `${h.cpu.cores} logical` : null, h.cpu.physicalCores ? `${h.cpu.physicalCores} physical cores` : null, h.cpu.sockets ? `${h.cpu.sockets} socket(s)` : null].filter(Boolean).join(', ');
    rows.push(['CPU', `${h.cpu.brand ?? 'unknown'}${cores ? ` (${cores})` : ''}`]);
  }
  if (num(h.memory?.totalBytes) !== null) rows.push(['Memory', formatBytes(h.memory!.totalBytes!)]);
  rows.push(['GPUs', Array.isArray(h.gpus) ? (h.gpus.length ? h.gpus.map((g) => `${[g.vendor, g.model].filter(Boolean).join(' ')}${g.vramMb ? ` (${formatInt(g.vramMb)} MB)` : ''}`).join('; ') : 'none found') : 'not recorded']);
  if (h.os) rows.push(['Operating system', [h.os.distro, h.os.release, h.os.kernel ? `kernel ${h.os.kernel}` : null, h.os.arch].filter(Boolean).join(', ') || String(h.os.platform ?? '')]);
  return rows;
}

function setupRows(model: ReportModel): [string, string][] {
  const c = model.config;
  const rows: [string, string][] = [];
  const d = model.data;
  rows.push(['Data', d
    ? `${d.name} (${d.source}): ${formatInt(d.train)} train / ${formatInt(d.validation)} validation / ${formatInt(d.test)} test images, ${d.shape.join('×')}, ${d.numClasses} classes`
    : c?.data?.spec ? `${c.data.spec} (sizes not recorded)` : 'not recorded']);
  if (c?.data && (c.data.trainLimit !== undefined || c.data.testLimit !== undefined || c.data.validationFraction !== undefined)) {
    rows.push(['Data settings', [`spec ${c.data.spec ?? '?'}`, c.data.trainLimit !== undefined ? `train limit ${formatInt(c.data.trainLimit)}` : null, c.data.testLimit !== undefined ? `test limit ${formatInt(c.data.testLimit)}` : null, c.data.validationFraction !== undefined ? `validation fraction ${c.data.validationFraction}` : null].filter(Boolean).join(', ')]);
  }
  const m = model.model;
  const variant = [c?.model?.width !== undefined ? `width ×${c.model.width}` : null, c?.model?.depth !== undefined ? `depth ${c.model.depth}` : null].filter(Boolean).join(', ');
  rows.push(['Model', m ? `${m.name}${variant ? ` (${variant})` : ''}` : 'not recorded']);
  const slim = model.slim;
  const dense = m && (m.params !== null || m.flops !== null) ? `${m.params !== null ? `${formatInt(m.params)} parameters` : ''}${m.params !== null && m.flops !== null ? ', ' : ''}${m.flops !== null ? `${formatFlops(m.flops)} FLOPs per image` : ''}` : 'not recorded';
  rows.push(['Dense network', dense]);
  if (slim && num(slim.params?.slim) !== null) {
    const reduction = num(slim.flopReduction);
    rows.push(['Slim network (ticket)', `${formatInt(slim.params!.slim!)} parameters, ${num(slim.flops?.slim) !== null ? `${formatFlops(slim.flops!.slim!)} FLOPs per image` : 'FLOPs not recorded'}${reduction !== null ? ` (${formatRatio(reduction)} fewer FLOPs)` : ''}`]);
    const speedup = slim.speedup;
    if (num(speedup?.train) !== null || num(speedup?.inference) !== null) {
      rows.push(['Measured slim speed-up', `training step ${num(speedup?.train) !== null ? formatRatio(speedup!.train!) : DASH}, inference ${num(speedup?.inference) !== null ? formatRatio(speedup!.inference!) : DASH} (dense time / slim time, same batch)`]);
    }
    if (num(slim.maxAbsDifference) !== null) rows.push(['Surgery check', `max |slim − masked dense| output difference ${sig(slim.maxAbsDifference!, 2)} on a validation batch`]);
  } else {
    rows.push(['Slim network (ticket)', 'not recorded']);
  }
  const t = c?.training;
  if (t) {
    const optimizer = t.optimizer === 'adam' ? 'Adam' : `SGD (momentum ${t.momentum ?? '?'})`;
    const milestones = Array.isArray(t.milestones) && t.milestones.length ? `, × ${t.gamma ?? '?'} at ${t.milestones.map((f) => `${Math.round((f ?? 0) * 100)}%`).join(', ')} of the epochs` : '';
    rows.push(['Training', `${t.epochs ?? '?'} epochs planned, batch ${t.batchSize ?? '?'}, ${optimizer}, weight decay ${t.weightDecay ?? '?'}, learning rate ${t.learningRate ?? '?'}${milestones}`]);
  } else rows.push(['Training', 'not recorded']);
  const s = c?.search;
  if (s) {
    rows.push(['Early-Bird search', `ratios ${(s.ratios ?? []).map((r) => formatFraction(r ?? 0)).join(', ')}; retrained p = ${s.pruneRatio ?? '?'}; ε = ${s.epsilon ?? '?'}; queue of ${s.queueLength ?? '?'} masks; L1 on BatchNorm γ λ = ${s.l1 ?? '?'}; ${s.stopOnFound === false ? 'search trains on after the ticket' : 'search stops when the ticket is found'}`]);
  }
  const cmp = c?.comparisons;
  if (cmp) {
    const lt = cmp.lotteryTicket;
    const described = (m: string) => (m === 'lotteryTicket' && lt
      ? `${methodLabel(m)} (${lt.mode ?? ''}, ${lt.mode === 'iterative' ? `${lt.rounds} rounds of ` : ''}${Math.round((lt.rate ?? 0) * 100)}% ${lt.scope ?? ''}, reset to ${lt.reset === 'rewind' ? `epoch ${lt.rewindEpoch}` : 'θ₀'})`
      : methodLabel(m));
    const list = plannedMethods(c!).filter((m) => m !== 'ebTrain').map(described);
    rows.push(['Compared against', list.length ? list.join(', ') : 'nothing (EB Train only)']);
  }
  rows.push(['Seed', c?.seed !== undefined ? String(c.seed) : 'not recorded']);
  rows.push(['Config hash', model.configHash ? `${model.configHash.value}${model.configHash.computed ? ' (computed by the report: SHA-256 of config.json with sorted keys)' : ' (SHA-256 of the canonical config)'}` : 'not recorded']);
  const e = c?.energy;
  if (e) rows.push(['Energy settings', `sampling every ${e.intervalMs ?? '?'} ms; carbon intensity ${e.carbonIntensity ?? '?'} g CO₂e/kWh; PUE ${typeof e.pue === 'number' ? formatPue(e.pue) : '?'}${e.tdpWatts !== undefined ? `; CPU TDP override ${e.tdpWatts} W` : ''}`]);
  const b = model.backend;
  rows.push(['Backend', b ? `${b.description || b.name}${b.skipped.length ? `; passed over: ${b.skipped.map((x) => `${x.choice} (${x.reason})`).join('; ')}` : ''}` : 'not recorded']);
  rows.push(...describeHardware(model.hardware));
  const software = model.software;
  rows.push(['Software', software && Object.keys(software).length ? Object.entries(software).map(([k, v]) => `${k} ${v}`).join(', ') : 'not recorded']);
  rows.push(['Run folder', model.runDir]);
  return rows;
}

type Notes = Record<string, unknown>;

function notesOf(m: ReportModel['methods'][number]): Notes | null {
  const notes = m.result?.notes;
  return notes && typeof notes === 'object' ? (notes as Notes) : null;
}

/** A count as a whole number with separators (29,815, never 29,800); other numbers to 3 significant digits. */
function noteNumber(v: unknown): string | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return Number.isInteger(v) ? formatInt(v) : sig(v);
}

/**
 * One short line under a method's name in the table: what kind of pruning it was. The full notes
 * (per-layer sparsity, counts, caveats) go to the method notes, in sentences, not into a narrow cell.
 */
function methodCellNote(m: ReportModel['methods'][number]): string {
  const notes = notesOf(m);
  if (!notes) return '';
  if (m.method === 'lotteryTicket') {
    const sparsity = typeof notes.sparsity === 'number' ? `${formatPercent(notes.sparsity * 100)} of weights pruned` : null;
    return [typeof notes.mode === 'string' ? notes.mode : null, sparsity].filter(Boolean).join(', ');
  }
  return '';
}

/** The lottery ticket's notes as a paragraph with exact counts; null when the run has none. */
function lotteryTicketNote(model: ReportModel): string | null {
  const m = model.methods.find((x) => x.method === 'lotteryTicket');
  const n = m && notesOf(m);
  if (!n) return null;
  const parts: string[] = [];
  const how = [typeof n.mode === 'string' ? n.mode : null, typeof n.rounds === 'number' && n.mode === 'iterative' ? `${n.rounds} rounds` : null,
    typeof n.rate === 'number' ? `${formatPercent(n.rate * 100, 0)} of the remaining weights per round` : null,
    typeof n.scope === 'string' ? `${n.scope} scope` : null, typeof n.reset === 'string' ? `reset to ${n.reset}` : null].filter(Boolean);
  parts.push(`The ${methodLabel('lotteryTicket')} is unstructured magnitude pruning${how.length ? ` (${how.join(', ')})` : ''}.`);
  if (typeof n.sparsity === 'number') {
    const pruned = noteNumber(n.prunedWeights);
    parts.push(`It pruned ${pruned !== null ? `${pruned} weights, ` : ''}${formatPercent(n.sparsity * 100)} of the prunable kernels${typeof n.targetSparsity === 'number' ? ` (target ${formatPercent(n.targetSparsity * 100)}${typeof n.outputLayerTargetSparsity === 'number' ? `, output layer ${formatPercent(n.outputLayerTargetSparsity * 100)}` : ''})` : ''}.`);
  }
  if (typeof n.kernelSparsity === 'string' && n.kernelSparsity) parts.push(`Per layer: ${n.kernelSparsity.split(', ').map((x) => { const [name, v] = x.split(' '); return `${name} ${formatPercent(Number(v) * 100)}`; }).join(', ')}.`);
  const denseParams = noteNumber(n.denseParams);
  if (denseParams !== null) parts.push(`Its Params column counts every parameter of the dense network (${denseParams}, BatchNorm statistics included) minus the pruned weights; its FLOPs are the dense network's, since these backends multiply the zeros anyway.`);
  if (typeof n.denseTestAccuracy === 'number') parts.push(`The dense network it pruned scored ${formatAccuracy(n.denseTestAccuracy)}${n.denseTrainedHere === false ? ' (the dense baseline of this run, reused)' : n.denseTrainedHere === true ? ' (trained for the lottery ticket)' : ''}.`);
  if (typeof n.warnings === 'string' && n.warnings) parts.push(`Warnings: ${n.warnings}.`);
  return parts.join(' ');
}

/** A method's time on the report's one clock (the runner's own figure only where that clock is the runner's). */
function methodTime(model: ReportModel, m: MethodView): number | null {
  return methodSeconds(model.durations, m.method) ?? (model.durations.clock === 'runner' ? num(m.result?.seconds) : null);
}

function methodRows(model: ReportModel): string[][] {
  return model.methods.map((m) => {
    const r = m.result;
    const acc = num(r?.testAccuracy);
    const notes = methodCellNote(m);
    const seconds = methodTime(model, m);
    return [
      m.label + (notes ? `\n${notes}` : ''),
      acc !== null ? formatAccuracy(acc) : m.note?.startsWith('not run') ? 'not run' : 'not recorded',
      num(r?.params) !== null ? formatInt(r!.params!) : DASH,
      num(r?.flops) !== null ? formatFlops(r!.flops!) : DASH,
      num(r?.epochs) !== null ? String(r!.epochs) : DASH,
      seconds !== null ? formatDuration(seconds) : DASH,
      m.energy ? formatEnergy(m.energy.joules) : 'not recorded',
      m.energy ? `${m.energy.kind}${m.energy.kind !== 'projected' && m.energy.source ? ` (${m.energy.source})` : ''}` : DASH,
    ];
  });
}

/** Per phase per source rows plus a total per phase when a phase has several sources. */
function energyRows(model: ReportModel): string[][] {
  const rows: string[][] = [];
  const contention = model.energy.summary?.contention ?? {};
  for (const r of model.energy.rows) {
    const c = contention[r.phase];
    rows.push([
      phaseLabel(r.phase),
      r.source,
      // Next to the figure: a phase where others used > 10 % of the CPU time.
      c?.contended ? `${r.kind}; contended (others ${formatPercent((c.othersShare ?? 0) * 100)})` : r.kind,
      formatEnergy(r.joules),
      sig(joulesToWh(r.joules), 3),
      r.seconds !== null ? formatDuration(r.seconds) : DASH,
      r.seconds ? formatWatts(r.joules / r.seconds) : DASH,
    ]);
  }
  const total = model.energy.rows.reduce((a, r) => a + r.joules, 0);
  if (model.energy.rows.length > 1) rows.push(['all phases', '', '', formatEnergy(total), sig(joulesToWh(total), 3), '', '']);
  return rows;
}

function provenance(model: ReportModel): string[] {
  const items: string[] = [];
  const energy = model.energy;
  for (const s of energy.sources) {
    items.push(s.kind === 'measured'
      ? `Measured by ${s.name}: ${s.description || 'hardware energy counter / power sensor'}.`
      : `Estimated by ${s.name}: ${s.description || 'a power model'}${s.formula && !(s.description ?? '').includes(s.formula) ? ` Formula: ${s.formula}` : ''}.`);
  }
  const formulas = energy.summary?.sources?.filter((s) => s?.formula).map((s) => `${s!.name}: ${s!.formula}`) ?? [];
  if (formulas.length && !energy.sources.some((s) => s.formula)) items.push(`Estimate formulas: ${formulas.join('; ')}.`);
  for (const s of energy.skipped) items.push(`Not used: ${s.name} — ${s.reason}.`);
  if (energy.rows.some((r) => r.phase === 'surgery-checks')) {
    items.push('"surgery checks" is the check that the slim network computes what the masked dense one does, and the timing of both; it is measurement, not part of any method, and is not charged to EB Train.');
  }
  if (energy.rows.some((r) => r.phase === 'unassigned')) {
    items.push('"outside phases" is energy drawn before the first phase or between phases (loading data, building models, writing files); it is not charged to any method.');
  }
  const summary = energy.summary;
  if (summary) {
    items.push(`EB Train energy = search + surgery + retrain phases, ${summary.ebTrainKind ?? 'measured'}${num(summary.ebTrainJoules) !== null ? ` (${formatEnergy(summary.ebTrainJoules!)})` : ''}.`);
    items.push(`Dense baseline: ${summary.denseBasis ?? 'not recorded'}${num(summary.denseJoules) !== null ? ` (${formatEnergy(summary.denseJoules!)}, ${summary.denseKind})` : ''}.`);
    if (num(summary.co2eGrams) !== null) items.push(`CO₂e = energy in kWh × PUE ${formatPue(num(summary.pue) ?? 1)} × ${sig(num(summary.carbonIntensity) ?? 0, 4)} g CO₂e/kWh: ${methodLabel('ebTrain')} emitted ${formatCo2e(summary.co2eGrams!)}${num(summary.denseCo2eGrams) !== null ? `, dense training ${formatCo2e(summary.denseCo2eGrams!)}` : ''}${num(summary.savedCo2eGrams) !== null ? (summary.savedCo2eGrams! >= 0 ? `, avoided ${formatCo2e(summary.savedCo2eGrams!)}` : `, ${formatCo2e(-summary.savedCo2eGrams!)} more than dense`) : ''}. Joules are what the machine drew; PUE enters only the CO₂e.`);
    if (summary.estimateModel) items.push(`Estimated figures use the power model ${summary.estimateModel}: the run's own CPU time (its process and children, from /proc) × watts per core, plus its share of idle power. Per-core watts come from CodeCarbon's cpu_power.csv (MIT): TDP / cores of the model.`);
    if (summary.machine && num(summary.machine.ebTrainJoules) !== null) {
      items.push(`Machine view (the whole machine, what a wall meter would see; never the basis of a saving): ${methodLabel('ebTrain')} ${formatEnergy(summary.machine.ebTrainJoules!)}${num(summary.machine.denseJoules) !== null ? `, dense ${formatEnergy(summary.machine.denseJoules!)}` : ''} (estimated).`);
    }
    for (const gap of summary.unmeasured ?? []) {
      if (gap) items.push(`Not measured for ${Math.round(gap.seconds ?? 0)} s (${gap.reason ?? 'no power source left'}): no saving is claimed.`);
    }
    if (summary.savedReason) items.push(`No saving is claimed: ${summary.savedReason.replace(/^no saving: /, '')}.`);
    if (num(summary.overheadPercent) !== null) items.push(`The power sampler's own work took ${formatPercent(summary.overheadPercent!, 2)} of one CPU core while it ran; its energy is included in the figures.`);
  } else if (energy.rows.length) {
    items.push(`The per-phase figures were rebuilt from the energy events in events.jsonl (${energy.origin}); no savings are computed for an unfinished run.`);
    if (energy.carbonIntensity !== null) items.push(`Configured carbon intensity ${sig(energy.carbonIntensity, 4)} g CO₂e/kWh and PUE ${formatPue(energy.pue ?? 1)}.`);
  }
  return items;
}

/**
 * Where this run's dense baseline came from, in the words of its actual source: measured by a
 * counter, estimated by the power model, or projected from the search epochs.
 */
export function denseBaselineNote(model: ReportModel): string {
  const energy = model.energy.summary;
  const kind = energy?.denseKind ?? null;
  const joules = num(energy?.denseJoules);
  const source = method(model, 'dense')?.energy?.source || energy?.phases?.dense?.source || null;
  const figure = joules !== null ? ` (${formatEnergy(joules)})` : '';
  switch (kind) {
    case 'measured':
      return `In this run the dense baseline${figure} was measured: the dense network was trained here and its phase read from ${source ? `the ${source} counters` : 'hardware energy counters'}.`;
    case 'estimated':
      return `In this run the dense baseline${figure} was estimated, not measured: the dense network was trained here, but no hardware counter was read, so its energy is ${energy?.estimateModel ? `an estimate of the power model ${energy.estimateModel}` : `the estimate of ${source ?? 'a power model'}`}.`;
    case 'projected':
      return `In this run the dense baseline${figure} was projected, not trained: the mean energy of the warm search epochs (which are dense training) times the planned epochs${energy?.denseBasis ? ` (${energy.denseBasis})` : ''}.`;
    default:
      return energy?.denseBasis ? `This run has no dense baseline figure: ${energy.denseBasis}.` : 'This run recorded no dense baseline figure.';
  }
}

function methodNotes(model: ReportModel): string[] {
  const eb = model.earlyBird;
  const interval = model.energy.intervalMs;
  const notes = [
    `How the ticket was detected. While the dense network trains (the search phase), an L1 penalty on the BatchNorm scale factors γ pushes unimportant channels towards zero. After every epoch the channels are ranked by |γ| across all prunable layers, and for each tracked ratio p the smallest p of them are marked as pruned: that is the channel mask. The mask is compared with the masks of the previous epochs by normalised Hamming distance (the share of channels whose keep/prune decision differs). The Early-Bird ticket is declared when the newest mask is within ε${eb.epsilon !== null ? ` = ${formatFraction(eb.epsilon)}` : ''} of each of the ${eb.queueLength !== null ? `${eb.queueLength - 1} previous` : 'previous'} masks in the queue, i.e. the mask has stopped moving (You et al., ICLR 2020).`,
    `What happens next. The network at that epoch is cut for real: the kept channels of every convolution, BatchNorm and the following layer are copied into a physically smaller network (channel surgery), which is checked against the dense network with the pruned channels zeroed, then retrained for the remaining epochs. "${methodLabel('ebTrain')}" is search + surgery + retrain. The other rows of the method table are references: the dense network trained for the full budget, the slim architecture re-initialised (${methodLabel('ebReinit')}) or trained from scratch (${methodLabel('scratchE')}: same epochs, ${methodLabel('scratchB')}: same compute), and the ${methodLabel('lotteryTicket')}, unstructured pruning whose sparse weights save no FLOPs on this hardware.`,
    `How energy was measured. A background sampler reads every available power source${interval !== null ? ` every ${interval} ms` : ''}: hardware energy counters where the machine exposes them (RAPL for the CPU package and DRAM, NVML or nvidia-smi for NVIDIA GPUs), read by difference, and otherwise an estimate charged to this run alone: the CPU time of the run's own processes times active watts per core (CodeCarbon's CPU table: the model's TDP over its cores, or a stated default per core), plus the run's share of idle power; the power model is named in section 5, and the whole machine's estimate is kept apart as what a wall meter would see, never used for a saving. Power between readings is integrated by trapezoid; an interval that spans a phase change is split at the boundary. Each joule is tagged measured or estimated by its source. ${denseBaselineNote(model)}`,
    `Limits. The counters measure the whole CPU package or GPU, so other work on the machine during the run is included: phases where other processes used more than 10 % of the CPU time are marked contended. Estimated figures are only as good as the per-core and idle watts of their power model. Detector and sampler overheads are part of the measured energy${eb.overheadPercent !== null ? `; the detector cost ${formatPercent(eb.overheadPercent, 2)} of a search epoch on average` : ''}. CO₂e uses one average grid intensity and PUE, not the hour-by-hour mix of the grid.`,
  ];
  const lottery = lotteryTicketNote(model);
  if (lottery) notes.splice(2, 0, lottery);
  return notes;
}

/** Why a phase stopped, in the report's epoch numbering (the runner's own message counts epochs from 0). */
function stopReason(model: ReportModel, phase: ReportModel['phases'][number]): string {
  const eb = model.earlyBird;
  if (phase.phase === 'search' && eb.found && eb.epoch !== null && phase.stopReason?.startsWith('Early-Bird ticket found')) {
    return `Early-Bird ticket found at epoch ${formatEpoch(eb.epoch)} for p = ${formatFraction(eb.p ?? 0)}`;
  }
  if (phase.stopReason) return phase.stopReason;
  if (phase.status === 'completed') return 'planned epochs done';
  if (phase.status === 'not finished') return model.interruption ?? DASH;
  return DASH;
}

export interface PdfResult {
  bytes: Buffer;
  pages: number;
  /** How full each page was that the layout ended before the next block (Layout.pageFills). */
  pageFills: { page: number; fill: number }[];
}

const FULL = 495;

export async function renderPdf(model: ReportModel): Promise<PdfResult> {
  const title = 'Early-Bird energy report';
  const layout = new Layout({ title: `${title}: ${model.runId}`, subject: 'Early-Bird ticket search, pruning, retraining and the energy it saved' });
  const { doc } = layout;
  const eb = model.earlyBird;

  // 1. Summary
  layout.title(title, model.name ? `${model.name}` : null);
  const when = model.createdAt ? formatDate(model.createdAt) : 'date not recorded';
  layout.paragraph(`Run ${model.runId} · ${when} · status: ${model.status}${model.wallSeconds !== null ? ` · wall time ${formatDuration(model.wallSeconds)}` : ''}`, { color: '#5f6368', size: 9 });
  layout.heading('Summary', 80);
  layout.paragraph(summaryParagraph(model), { size: 10 });
  layout.table(
    [{ header: 'Figure', width: 0.26 }, { header: 'Value', width: 0.3 }, { header: 'How it was obtained', width: 0.44 }],
    keyFigures(model),
    { font: 'regular', size: 8.4 },
  );
  if (model.missing.length) layout.box('Missing from this run', model.missing);

  // 2. Setup
  layout.heading('Setup', 280);
  layout.keyValues(setupRows(model));

  // 3. Early-Bird
  layout.heading('Early-Bird ticket', 260);
  if (eb.found && eb.epoch !== null) {
    layout.paragraph(`The channel mask for p = ${formatFraction(eb.p ?? 0)} stopped moving at epoch ${formatEpoch(eb.epoch)} of ${eb.plannedEpochs ?? '?'} (epochs are counted from 1 throughout this report): its largest distance to the previous ${eb.queueLength !== null ? eb.queueLength - 1 : ''} masks fell to ${formatDistance(eb.distances.find((d) => d.epoch === eb.epoch && eb.p !== null && Math.abs(d.ratio - eb.p) < 1e-9)?.maxDistance ?? 0)} ≤ ε = ${formatFraction(eb.epsilon ?? 0)}. ${eb.overheadPercent !== null ? `Watching the mask cost ${formatPercent(eb.overheadPercent, 2)} of a search epoch on average.` : ''}`);
  } else {
    layout.notRecorded(eb.searchEnded ? `No ticket was found for p = ${formatFraction(eb.p ?? 0)} during the ${eb.searchEpochs} search epochs.` : `Early-Bird ticket: not found yet — ${model.interruption ?? 'the search did not finish'}.`);
  }
  if (eb.distances.length) {
    layout.figure(distanceChart(eb, FULL, 215), FULL, 215, 'Figure 1. Largest Hamming distance between the newest channel mask and the older masks in the queue, per epoch and pruning ratio (none before two masks exist). The ticket is declared at the first epoch where the queue is full and every distance is ≤ ε (dashed red line).');
    const ratios = [...new Set(eb.distances.map((d) => d.ratio))].sort((a, b) => a - b);
    const epochs = [...new Set(eb.distances.map((d) => d.epoch))].sort((a, b) => a - b);
    if (epochs.length <= 40) {
      layout.table(
        [{ header: 'Epoch', width: 0.5 }, ...ratios.map((r) => ({ header: `max distance, p = ${formatFraction(r)}`, width: 1, align: 'right' as const }))],
        epochs.map((epoch) => [formatEpoch(epoch), ...ratios.map((ratio) => {
          const d = eb.distances.find((x) => x.epoch === epoch && x.ratio === ratio);
          const found = eb.ratios.find((x) => x.ratio === ratio);
          const mark = found?.found && found.epoch === epoch ? '  ✓ ticket' : '';
          return d && d.maxDistance !== null ? `${formatDistance(d.maxDistance)}${mark}` : DASH;
        })]),
        { caption: 'Table: the distances plotted above (✓: the epoch the ticket for that ratio appeared).' },
      );
    }
  } else {
    layout.notRecorded(model.missing.find((m) => m.startsWith('Mask distances')) ?? 'Mask distances: not recorded.');
  }
  if (eb.layers.length) {
    const height = Math.min(380, Math.max(120, 62 + eb.layers.length * 18));
    layout.subheading(`Channel mask per layer at p = ${formatFraction(eb.p ?? 0)}`, eb.layers.length <= 40 ? height + 50 : 80);
    const kept = eb.layers.reduce((a, l) => a + l.kept, 0);
    const total = eb.layers.reduce((a, l) => a + l.total, 0);
    if (eb.layers.length <= 40) {
      layout.figure(maskChart(eb.layers, FULL, height), FULL, height, `Figure 2. Channels kept (blue) and pruned (grey) per BatchNorm layer: ${formatInt(kept)} of ${formatInt(total)} channels kept (${formatPercent((kept / Math.max(total, 1)) * 100)}).`);
    }
    layout.table(
      [{ header: 'Layer', width: 1.4 }, { header: 'Kept', width: 0.7, align: 'right' }, { header: 'Total', width: 0.7, align: 'right' }, { header: 'Kept share', width: 0.8, align: 'right' }],
      [...eb.layers.map((l) => [l.layer, formatInt(l.kept), formatInt(l.total), formatPercent((l.kept / Math.max(l.total, 1)) * 100)]), ['all layers', formatInt(kept), formatInt(total), formatPercent((kept / Math.max(total, 1)) * 100)]],
    );
  } else {
    layout.notRecorded(model.missing.find((m) => m.startsWith('Channel mask')) ?? 'Channel mask per layer: not recorded.');
  }

  // 4. Accuracy
  layout.heading('Accuracy', 260);
  if (model.metrics.length) {
    layout.figure(accuracyChart(model.metrics, FULL, 235), FULL, 235, `Figure 3. Accuracy per epoch and phase: solid lines training, dashed lines validation, as in the app (legend shows the phases). Epochs count from 1; retraining continues the epoch count of the search. Source: ${model.folder.metricsSource}.`);
  } else {
    layout.notRecorded(model.missing.find((m) => m.startsWith('Training curves')) ?? 'Training curves: not recorded.');
  }
  layout.table(
    [
      { header: 'Method', width: 1.35 },
      { header: 'Test accuracy', width: 0.72, align: 'right' },
      { header: 'Params', width: 0.7, align: 'right' },
      { header: 'FLOPs', width: 0.55, align: 'right' },
      { header: 'Epochs', width: 0.56, align: 'right' },
      { header: 'Time', width: 0.66, align: 'right' },
      { header: 'Energy', width: 1.05, align: 'right' },
      { header: 'Energy basis', width: 0.95 },
    ],
    methodRows(model),
    { caption: `Every method of the experiment. Params: non-zero weights as trained; FLOPs: forward pass of one image (dense-equivalent for the unstructured lottery ticket); Time: the phases the method is charged (EB Train: search + surgery + retrain), each on one clock with the phase and energy tables: ${clockWords(model.durations.clock)}.` },
  );
  const q = model.folder.summary?.quantization;
  if (q && num(q.bytesBefore) !== null && num(q.bytesAfter) !== null) {
    layout.paragraph(`8-bit export of the ticket: weights ${formatBytes(q.bytesBefore!)} → ${formatBytes(q.bytesAfter!)}${num(q.accuracyBefore) !== null && num(q.accuracyAfter) !== null ? `, test accuracy ${formatAccuracy(q.accuracyBefore!)} → ${formatAccuracy(q.accuracyAfter!)} (${formatAccuracyDelta(q.accuracyAfter! - q.accuracyBefore!)})` : ''}.`, { size: 9 });
  }
  if (model.phases.length) {
    layout.table(
      [{ header: 'Phase', width: 0.9 }, { header: 'Status', width: 0.8 }, { header: 'Epochs', width: 0.5, align: 'right' }, { header: 'Time', width: 0.7, align: 'right' }, { header: 'Why it stopped', width: 2.4 }],
      model.phases.map((p) => [phaseLabel(p.phase), p.status, p.epochs !== null ? String(p.epochs) : DASH, p.seconds !== null ? formatDuration(p.seconds) : DASH, stopReason(model, p)]),
      { caption: `Phases in the order they ran (from events.jsonl). Time: ${clockWords(model.durations.clock)}.` },
    );
  }

  // 5. Energy
  layout.heading('Energy', 240);
  const energy = model.energy;
  if (energy.rows.length) {
    const total = energy.rows.reduce((a, r) => a + r.joules, 0);
    const kinds = [...new Set(energy.rows.map((r) => r.kind))].join(' and ');
    layout.paragraph(`The whole run drew ${formatEnergy(total)} (${kinds}) from ${[...new Set(energy.rows.map((r) => r.source))].join(', ')}. ${energy.carbonIntensity !== null ? `Carbon intensity ${sig(energy.carbonIntensity, 4)} g CO₂e/kWh and PUE ${formatPue(energy.pue ?? 1)} were used for CO₂e.` : ''}`);
  } else {
    layout.notRecorded(model.missing.find((m) => m.startsWith('Energy:')) ?? 'Energy: not recorded.');
  }
  if (energy.power.length) {
    layout.figure(powerChart(energy.power, energy.spans, FULL, 215), FULL, 215, 'Figure 4. Power per source over the run (devices of one source summed), phases shaded behind. Readings as logged in events.jsonl; long runs are averaged into at most 600 points per line.');
  } else if (energy.rows.length) {
    layout.notRecorded(model.missing.find((m) => m.startsWith('Power over time')) ?? 'Power over time: not recorded.');
  }
  if (energy.rows.length) {
    const phases = new Set(energy.rows.map((r) => r.phase)).size;
    layout.figure(phaseEnergyChart(energy.rows, FULL, 190), FULL, 190, 'Figure 5. Energy per phase, stacked by source.');
    layout.table(
      [{ header: 'Phase', width: 1 }, { header: 'Source', width: 0.8 }, { header: 'Kind', width: 0.75 }, { header: 'Energy', width: 1.2, align: 'right' }, { header: 'Wh', width: 0.6, align: 'right' }, { header: 'Time', width: 0.75, align: 'right' }, { header: 'Mean power', width: 0.75, align: 'right' }],
      energyRows(model),
      { caption: `Energy per phase per source (${phases} phases; ${energy.origin === 'summary' ? 'from summary.json' : 'rebuilt from events.jsonl'}). Time: ${clockWords(model.durations.clock)}; mean power = energy / time.` },
    );
  }
  const withEnergy = model.methods.filter((m) => m.energy);
  if (withEnergy.length) {
    const height = Math.min(240, 40 + withEnergy.length * 24);
    layout.figure(methodEnergyChart(model.methods, FULL, height), FULL, height, 'Figure 6. Energy per method; colour says how the figure was obtained (blue measured, orange estimated, grey projected).');
  }
  const sources = provenance(model);
  if (sources.length) {
    layout.subheading('Where each number comes from', 60);
    layout.bullets(sources);
  }

  // 6. Method notes
  layout.heading('Method notes', 160);
  for (const note of methodNotes(model)) layout.paragraph(note, { size: 9 });
  if (model.notes.length) {
    layout.subheading('Reading notes', 40);
    layout.bullets(model.notes.slice(0, 30), { size: 8.5, color: '#5f6368' });
    if (model.notes.length > 30) layout.notRecorded(`… and ${model.notes.length - 30} more notes.`);
  }
  layout.paragraph(`Generated by earlybird from the run folder alone (config.json, events.jsonl, summary.json) on ${formatDate(new Date())}.`, { size: 8, color: '#5f6368' });

  const pages = layout.footer(`earlybird · ${model.runId} · ${title}`);
  void doc;
  const bytes = await layout.finish();
  return { bytes, pages, pageFills: layout.pageFills };
}
