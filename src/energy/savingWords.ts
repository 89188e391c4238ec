/**
 * The saving in words, one rule for the CLI, the app and the PDF (each passes its own number
 * formats and method names): the ratio with its 95 % interval, "1.32× (1.25–1.40)"; a saving whose
 * interval contains 1 is "no clear saving"; a negative one says plainly that EB Train used more
 * ("EB Train used 24.2 J (52 %) more than dense (1.52×)"), never a double negative; and the
 * warnings that bear on it — an unreliable like-for-like check, contended phases — go with the
 * headline itself.
 */
import type { SavingInterval } from './interval.ts';
import type { LikeForLike } from './likeForLike.ts';

export interface SavingFigures {
  savedJoules: number;
  /** E(dense) / E(EB Train). */
  savedRatio: number;
  savedPercent: number;
  interval: SavingInterval | null | undefined;
}

export interface WordFormats {
  energy(joules: number): string;
  /** A percentage already ×100. */
  percent(percent: number): string;
  /** A ratio such as 1.32 → "1.32×". */
  ratio?(ratio: number): string;
}

export interface WordLabels {
  /** The method saving ("EB Train"). */
  subject: string;
  /** What it is compared with ("dense"). */
  reference: string;
}

const times = (x: number) => `${x.toFixed(2)}×`;
const dash = '–';

/** "1.32× (1.25–1.40)", or "1.32×" without an interval. */
export function ratioWithInterval(ratio: number, interval: SavingInterval | null | undefined, f: Pick<WordFormats, 'ratio'> = {}): string {
  const r = f.ratio ?? times;
  return interval ? `${r(ratio)} (${interval.ratio.low.toFixed(2)}${dash}${interval.ratio.high.toFixed(2)})` : r(ratio);
}

/**
 * The percent saving's 95 % interval, "12.0 %–31.5 %". A bound below −100 % (EB Train at more than
 * twice the reference's energy) is written as that: a few epochs' spread can put it at −100,000 %,
 * a figure that says nothing more and reads as a defect.
 */
export function percentInterval(low: number, high: number, percent: (p: number) => string): string {
  return low < -100 ? `below ${percent(-100)} to ${percent(high)}` : `${percent(low)}${dash}${percent(high)}`;
}

/** Whether the saving is a saving, a loss, or indistinguishable from none at 95 %. */
export function savingDirection(s: Pick<SavingFigures, 'savedRatio' | 'interval'>): 'saving' | 'loss' | 'unclear' {
  if (s.interval && !s.interval.clear) return 'unclear';
  return s.savedRatio >= 1 ? 'saving' : 'loss';
}

/** The headline sentence of a saving. */
export function savingHeadline(s: SavingFigures, f: WordFormats, labels: WordLabels): string {
  const r = f.ratio ?? times;
  const iv = s.interval;
  const direction = savingDirection(s);
  if (s.savedRatio < 1) {
    // E(EB)/E(dense) and the share more, both positive: no double negative.
    const more = `${labels.subject} used ${f.energy(-s.savedJoules)} (${f.percent(-s.savedPercent)}) more than ${labels.reference} (${r(1 / s.savedRatio)}` +
      (iv ? `; ${(1 / iv.ratio.high).toFixed(2)}${dash}${(1 / iv.ratio.low).toFixed(2)}` : '') + ')';
    return direction === 'unclear' ? `no clear saving: ${more}, within epoch-to-epoch noise` : more;
  }
  const saved = `${labels.subject} used ${ratioWithInterval(s.savedRatio, iv, f)} less energy than ${labels.reference}: ` +
    `${f.energy(s.savedJoules)}${iv ? ` (${f.energy(iv.joules.low)}${dash}${f.energy(iv.joules.high)})` : ''}, ` +
    `${f.percent(s.savedPercent)}${iv ? ` (${percentInterval(iv.percent.low, iv.percent.high, f.percent)})` : ''} saved`;
  return direction === 'unclear' ? `no clear saving: ${saved.replace(' less energy', ' less energy, within epoch-to-epoch noise,')}` : saved;
}

/** Why the saving is not to be trusted as the method's own, one phrase each; empty when nothing bears on it. */
export function savingWarnings(likeForLike: LikeForLike | null | undefined, contended: readonly string[], phaseLabel: (phase: string) => string = (p) => p): string[] {
  const warnings: string[] = [];
  if (likeForLike && !likeForLike.reliable) {
    const [a, b] = likeForLike.phases;
    warnings.push(`unreliable: the dense network cost ${likeForLike.ratio.toFixed(2)}× as much per image in ${phaseLabel(a!.phase)} as in ${phaseLabel(b!.phase)} ` +
      `(like for like expects ${likeForLike.range[0]}${dash}${likeForLike.range[1]}); likely ${likeForLike.reason}`);
  }
  if (contended.length) warnings.push(`contended: ${contended.join(', ')}`);
  return warnings;
}

/** The like-for-like line: joules per image in each phase, the ratio, the verdict and what the search adds of its own. */
export function likeForLikeLine(l: LikeForLike, phaseLabel: (phase: string) => string = (p) => p): string {
  const perImage = (j: number) => (j >= 0.1 ? `${j.toFixed(3)} J` : `${(j * 1000).toFixed(2)} mJ`);
  const [a, b] = l.phases;
  return `like for like (the dense network, joules per training image): ${phaseLabel(a!.phase)} ${perImage(a!.joulesPerImage)} over ${a!.epochs} epochs, ` +
    `${phaseLabel(b!.phase)} ${perImage(b!.joulesPerImage)} over ${l.inTurns ? `its first ${b!.epochs}, trained in turns with them` : b!.epochs} — ratio ${l.ratio.toFixed(2)}, ` +
    `${l.reliable ? `within ${l.range[0]}${dash}${l.range[1]}` : `outside ${l.range[0]}${dash}${l.range[1]}: the saving is unreliable (likely ${l.reason})`}; ${l.ownCost}`;
}
