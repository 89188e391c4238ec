/**
 * The report's words on how far the saving can be trusted: the saving with its 95 % interval, the
 * warnings that go with it, the like-for-like check, the dense projection made at the ticket and
 * its error, and energy to accuracy — as sentences for the summary paragraph and rows for the key
 * figures, in the PDF's number formats and method names.
 */
import type { SavingInterval } from '../energy/interval.ts';
import type { LikeForLike } from '../energy/likeForLike.ts';
import type { EnergyToAccuracy } from '../energy/energyToAccuracy.ts';
import { likeForLikeLine, savingHeadline, savingWarnings, type WordFormats } from '../energy/savingWords.ts';
import type { ProjectionAtTicket } from '../run/energyChecks.ts';
import type { ReportModel } from './model.ts';
import { formatAccuracy, formatEnergy, formatPercent, formatRatio, methodLabel } from './format.ts';

type Energy = NonNullable<ReportModel['energy']['summary']>;

export const PDF_WORDS: WordFormats = { energy: formatEnergy, percent: (p) => formatPercent(p), ratio: formatRatio };

/** Fields the summary may lack (older runs): read as the full types only where present. */
function checks(energy: Energy) {
  return {
    interval: (energy.savedInterval ?? null) as SavingInterval | null,
    likeForLike: (energy.likeForLike ?? null) as LikeForLike | null,
    projection: (energy.projectionAtTicket ?? null) as ProjectionAtTicket | null,
    toAccuracy: (energy.energyToAccuracy ?? null) as EnergyToAccuracy | null,
  };
}

function contendedPhrases(energy: Energy): string[] {
  return Object.entries(energy.contention ?? {}).filter(([, c]) => c?.contended).map(([phase, c]) => `${phase} (others ${formatPercent((c!.othersShare ?? 0) * 100)})`);
}

/** The warnings that go with the headline, as " (unreliable: …; contended: …)", or ''. */
export function warningsText(energy: Energy): string {
  const warnings = savingWarnings(checks(energy).likeForLike, contendedPhrases(energy));
  return warnings.length ? ` (${warnings.join('; ')})` : '';
}

/** The headline of the saving, with its interval and the warnings that bear on it. */
export function savingSentence(energy: Energy, figures: { saved: number; ratio: number; percent: number }): string {
  const headline = savingHeadline({ savedJoules: figures.saved, savedRatio: figures.ratio, savedPercent: figures.percent, interval: checks(energy).interval }, PDF_WORDS, { subject: methodLabel('ebTrain'), reference: 'dense' });
  return `${headline}${warningsText(energy)}`;
}

/** Sentences on the interval's basis, like for like, the projection's error and energy to accuracy. */
export function checkSentences(energy: Energy): string[] {
  const c = checks(energy);
  const out: string[] = [];
  if (c.interval) out.push(`The saving's 95% interval: ${c.interval.basis}.`);
  if (c.likeForLike) out.push(`${capitalise(likeForLikeLine(c.likeForLike))}.`);
  const p = c.projection;
  if (p) {
    out.push(`At the ticket (epoch ${p.epoch + 1}) the dense energy was projected at ${formatEnergy(p.joules)} (95% ${formatEnergy(p.low)}–${formatEnergy(p.high)}, from ${p.epochs} warm search epochs)` +
      (p.measuredJoules !== null && p.errorPercent !== null ? `; the dense phase measured ${formatEnergy(p.measuredJoules)}, a projection error of ${p.errorPercent >= 0 ? '+' : ''}${formatPercent(p.errorPercent)}.` : '; the dense phase was not run, so its error is not known.'));
  }
  const a = c.toAccuracy;
  if (a) out.push(`Energy to ${formatAccuracy(a.target)} validation accuracy (${a.targetBasis}): ${accuracyRows(a).join('; ')}${a.savedRatio !== null ? ` — on that basis dense / ${methodLabel('ebTrain')} = ${formatRatio(a.savedRatio)}` : a.savedReason ? ` — ${a.savedReason}` : ''}.`);
  return out;
}

function accuracyRows(a: EnergyToAccuracy): string[] {
  return Object.entries(a.methods).map(([method, r]) => `${methodLabel(method)} ${r.joules !== null ? formatEnergy(r.joules) : r.reason}`);
}

/** Key-figure rows for the same checks. */
export function checkRows(energy: Energy): string[][] {
  const c = checks(energy);
  const rows: string[][] = [];
  if (c.likeForLike) {
    const l = c.likeForLike;
    rows.push(['Like for like (dense network, J per image)', `${formatRatio(l.ratio)} ${l.reliable ? 'reliable' : 'unreliable'}`,
      `${l.phases.map((p) => `${p.phase} ${p.joulesPerImage.toPrecision(3)} J`).join(' / ')}; expected ${l.range[0]}–${l.range[1]}${l.reason ? `; likely ${l.reason}` : ''}`]);
  }
  if (c.projection) {
    const p = c.projection;
    rows.push(['Dense projection at the ticket', formatEnergy(p.joules), p.errorPercent !== null ? `error ${p.errorPercent >= 0 ? '+' : ''}${formatPercent(p.errorPercent)} against the measured dense phase` : 'dense not run: error unknown']);
  }
  if (c.toAccuracy) {
    const a = c.toAccuracy;
    rows.push([`Energy to ${formatAccuracy(a.target)} val. accuracy`, a.savedRatio !== null ? `${formatRatio(a.savedRatio)} dense / EB Train` : 'none claimed', `${accuracyRows(a).join('; ')}${a.savedReason ? `; ${a.savedReason}` : ''}`]);
  }
  return rows;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
