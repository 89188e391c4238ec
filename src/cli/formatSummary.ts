/** Plain-text tables of a run summary, for `earlybird run` and `earlybird show`. */
import { formatEnergy } from '../energy/index.ts';
import { savingsAgainstReferences } from '../experiment/references.ts';
import { computeLine, contendedPhases, energyKindLabel, savingKind } from '../energy/labels.ts';
import { methodKeys, methodLabel } from '../core/methods.ts';
import { siCount } from '../core/numbers.ts';
import type { RunSummary } from '../core/summary.ts';
import { likeForLikeLine, savingHeadline, savingWarnings } from '../energy/savingWords.ts';

const CLI_WORDS = { energy: formatEnergy, percent: (p: number) => `${p.toFixed(1)} %` };

/** The checks behind the saving: like for like, the projection made at the ticket, energy to accuracy. */
function energyCheckLines(energy: NonNullable<RunSummary['energy']>): string[] {
  const lines: string[] = [];
  if (energy.likeForLike) lines.push(likeForLikeLine(energy.likeForLike));
  const p = energy.projectionAtTicket;
  if (p) {
    lines.push(`dense energy projected at the ticket (epoch ${p.epoch + 1}): ${formatEnergy(p.joules)} (95 % ${formatEnergy(p.low)}–${formatEnergy(p.high)}) from ${p.epochs} warm search epochs × ${p.plannedEpochs}` +
      (p.measuredJoules !== null && p.errorPercent !== null ? `; measured ${formatEnergy(p.measuredJoules)}: projection error ${p.errorPercent >= 0 ? '+' : ''}${p.errorPercent.toFixed(1)} %` : '; dense not measured in this run'));
  }
  const a = energy.energyToAccuracy;
  if (a) {
    const rows = methodKeys().filter((m) => a.methods[m]).map((m) => {
      const r = a.methods[m]!;
      return `${methodLabel(m)} ${r.joules !== null ? formatEnergy(r.joules) : `— ${r.reason}`}`;
    });
    lines.push(`energy to ${pct(a.target)} validation accuracy (${a.targetBasis}): ${rows.join('; ')}` +
      (a.savedRatio !== null ? ` — EB Train ${a.savedRatio >= 1 ? `${a.savedRatio.toFixed(2)}x less than dense` : `${(1 / a.savedRatio).toFixed(2)}x more than dense`}` : a.savedReason ? ` — ${a.savedReason}` : ''));
  }
  return lines;
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const millions = siCount;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatSummary(s: RunSummary): string {
  const out: string[] = [];
  out.push(`run ${s.runId} (${s.status}) — ${s.model.name} on ${s.data.name}, backend ${s.backend.description}`);
  const eb = s.earlyBird;
  out.push(eb.found
    ? `Early-Bird ticket: found at epoch ${eb.epoch! + 1} of ${eb.plannedEpochs} for p = ${eb.p} (ε = ${eb.epsilon}, ${eb.queueLength} masks); detector cost ${eb.overheadPercent.toFixed(2)} % of an epoch`
    : `Early-Bird ticket: not found within ${eb.plannedEpochs} epochs (ε = ${eb.epsilon}); pruned with the last mask`);
  if (eb.fineTuneEpochs === 0) {
    out.push(`EB Train: no fine-tuning epochs left — the ticket was cut at the last epoch, so its accuracy is the pruned network's without retraining`);
  }
  if (s.slim) {
    out.push(`slim network: ${millions(s.slim.params.slim)} of ${millions(s.slim.params.dense)} parameters, ` +
      `${millions(s.slim.flops.slim)}FLOP of ${millions(s.slim.flops.dense)}FLOP per image (${s.slim.flopReduction.toFixed(2)}x fewer); ` +
      `measured speedup ${s.slim.speedup.train.toFixed(2)}x training, ${s.slim.speedup.inference.toFixed(2)}x inference; ` +
      `max |slim − zeroed dense| = ${s.slim.maxAbsDifference.toExponential(1)}`);
  }
  if (s.quantization) {
    const q = s.quantization;
    out.push(`8-bit ticket (${q.modelDir}): ${(q.bytesAfter / 1024).toFixed(1)} KiB instead of ${(q.bytesBefore / 1024).toFixed(1)} KiB, ` +
      `test accuracy ${pct(q.accuracyAfter)} (was ${pct(q.accuracyBefore)}, ${((q.accuracyAfter - q.accuracyBefore) * 100).toFixed(2)} points)`);
  }
  const methodRows = methodKeys().filter((m) => s.methods[m]).map((m) => {
    const r = s.methods[m]!;
    const e = s.energy?.methods[m];
    return [methodLabel(m), pct(r.testAccuracy), millions(r.params), `${millions(r.flops)}`, String(r.epochs), `${r.seconds.toFixed(1)} s`,
      e ? `${formatEnergy(e.joules)} (${e.kind})` : '-'];
  });
  if (methodRows.length) out.push('', table(['method', 'test acc.', 'params', 'FLOPs', 'epochs', 'time', 'energy'], methodRows));
  const energy = s.energy;
  if (energy) {
    const model = energy.estimateModel ?? null;
    const phaseRows = Object.entries(energy.phases).map(([phase, p]) => {
      const c = energy.contention?.[phase];
      return [phase, formatEnergy(p.joules), p.kind, p.source, c ? `${Math.round(c.othersShare * 100)} %${c.contended ? ' contended' : ''}` : '-'];
    });
    out.push('', table(['phase', 'energy', 'kind', 'source', 'others\' CPU'], phaseRows));
    for (const src of energy.sources) out.push(`  ${src.name} (${src.view === 'activity' ? 'CPU time' : src.kind}): ${src.description}${src.formula ? `; ${src.formula}` : ''}`);
    for (const sk of energy.skipped) out.push(`  not used — ${sk.name}: ${sk.reason}`);
    if (model) out.push(`  estimate model: ${model}`);
    for (const phase of contendedPhases(energy)) out.push(`  contended: ${phase}`);
    for (const gap of energy.unmeasured ?? []) {
      out.push(`  not measured: ${new Date(gap.fromMs).toISOString()} to ${new Date(gap.toMs).toISOString()} (${gap.seconds.toFixed(0)} s): ${gap.reason}`);
    }
    out.push('');
    const modelNote = model ? `; estimates by ${model}` : '';
    const eb = `EB Train ${formatEnergy(energy.ebTrainJoules)} ${energyKindLabel(energy.ebTrainKind, { source: energy.phases.search?.source ?? null })}`;
    if (energy.denseJoules !== null && energy.savedRatio !== null && energy.savedPercent !== null) {
      const acc = s.methods.ebTrain && s.methods.dense
        ? `; accuracy ${pct(s.methods.ebTrain.testAccuracy)} vs ${pct(s.methods.dense.testAccuracy)} dense (${((s.methods.ebTrain.testAccuracy - s.methods.dense.testAccuracy) * 100).toFixed(2)} points)`
        : '';
      const warnings = savingWarnings(energy.likeForLike, contendedPhases(energy));
      out.push(`energy saved against dense training (${savingKind(energy)}): ${eb} vs dense ${formatEnergy(energy.denseJoules)} ${energyKindLabel(energy.denseKind, { basis: energy.denseBasis, source: energy.phases.dense?.source ?? null })} — ` +
        `${savingHeadline({ savedJoules: energy.savedJoules!, savedRatio: energy.savedRatio, savedPercent: energy.savedPercent, interval: energy.savedInterval }, CLI_WORDS, { subject: methodLabel('ebTrain'), reference: 'dense' })}` +
        `${warnings.length ? ` — ${warnings.join('; ')}` : ''}${acc}${modelNote}`);
      if (energy.savedInterval) out.push(`  interval: 95 %, ${energy.savedInterval.basis}`);
    } else {
      out.push(`energy: ${eb}; ${energy.savedReason ?? 'no dense baseline to compare with'}${modelNote}`);
    }
    out.push(...energyCheckLines(energy));
    const pipeline = savingsAgainstReferences(energy.methods).find((x) => x.reference === 'prunePipeline');
    // Only where the dense saving stands (no unmeasured stretch): the same meter made both figures.
    if (pipeline && energy.savedPercent !== null) {
      out.push(`energy saved against the standard pipeline (dense with L1, prune, fine-tune): EB Train ${formatEnergy(pipeline.ebTrainJoules)} vs ` +
        `${formatEnergy(pipeline.referenceJoules)} (${pipeline.referenceKind}) — ${pipeline.ratio.toFixed(2)}x less, ${pipeline.percent.toFixed(1)} % saved`);
    }
    if (energy.machine) {
      out.push(`machine view (whole machine, what a wall meter would see; never used for the saving): EB Train ${formatEnergy(energy.machine.ebTrainJoules)}` +
        (energy.machine.denseJoules !== null ? `, dense ${formatEnergy(energy.machine.denseJoules)}` : '') + ' (estimated)');
    }
    out.push(`CO2e: ${energy.co2eGrams.toFixed(3)} g for EB Train (${energy.ebTrainKind})` +
      (energy.savedCo2eGrams !== null ? `, ${Math.abs(energy.savedCo2eGrams).toFixed(3)} g ${energy.savedCo2eGrams >= 0 ? 'avoided' : 'more emitted'} (${savingKind(energy)})` : '') +
      ` (carbon intensity ${energy.carbonIntensity} g/kWh, PUE ${energy.pue}); sampler overhead ${energy.overheadPercent?.toFixed(2) ?? '-'} % of a core`);
  } else {
    out.push('', 'energy: not measured (no power source could be read)');
  }
  if (s.compute) out.push(computeLine(s.compute));
  return out.join('\n');
}
