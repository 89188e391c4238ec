/**
 * The study report of a sweep folder, built with the run report's layout and chart code:
 *   study.pdf          tables, the ticket epoch against the swept values, accuracy against energy
 *                      (Pareto, error bars), EB Train against the standard pipeline and dense
 *   study.csv          one row per setting and method: mean, std, 95 % interval, n
 *   study-points.csv   one row per point and method: the raw figures behind the means
 *   study.json         the whole aggregate, for other tools
 */
import { mkdirSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { Layout } from '../report/layout.ts';
import { formatEnergy, formatFlops, formatInt, formatPercent, methodLabel } from '../report/format.ts';
import { writeFileAtomic } from '../run/files.ts';
import { studyPdfPath } from '../run/paths.ts';
import { levelsBelow, writeFileBelow } from '../run/safePath.ts';
import type { Method } from '../core/events.ts';
import { methodKeys, methodShortLabel } from '../core/methods.ts';

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
import { RunError } from '../run/runStore.ts';
import { REFERENCE_LABELS, SAVING_REFERENCES } from '../experiment/references.ts';
import { expandHome } from '../paths.ts';
import { buildStudy, describeValue, type GroupMethod, type Study, type StudyGroup } from './aggregate.ts';
import { statText, type Stat } from './stats.ts';
import { methodBarsChart, paretoChart, paretoFront, ticketChartAxis, ticketEpochChart, type ParetoMetric } from './studyCharts.ts';

const DASH = '—';
const FULL = 495;

/** A stat in a table or line; a dash where there is none. */
function formatStat(stat: Stat | null | undefined, f: (x: number) => string, options: { ci?: boolean } = {}): string {
  return stat ? statText(stat, f, options) : DASH;
}

const acc = (x: number) => `${(100 * x).toFixed(2)} %`;
const epochs = (x: number) => x.toFixed(1);
const gflop = (x: number) => `${(x / 1e9).toPrecision(3)} GFLOP`;

/** Methods present in the study, dense and the pipeline first for comparison tables. */
function studyMethods(study: Study): Method[] {
  return methodKeys().filter((m) => study.groups.some((g) => g.methods[m]));
}

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function studyCsv(study: Study): string {
  const stat = (s: Stat | null | undefined) => (s ? [s.mean, s.std, s.ci95?.[0] ?? null, s.ci95?.[1] ?? null] : [null, null, null, null]);
  const header = [...study.groupAxes, 'seeds', 'n', 'ticketsFound', 'method',
    'accuracyMean', 'accuracyStd', 'accuracyCi95Low', 'accuracyCi95High',
    'energyJoulesMean', 'energyJoulesStd', 'energyCi95Low', 'energyCi95High', 'energyKind',
    'computeFlopsMean', 'computeFlopsStd', 'computeCi95Low', 'computeCi95High',
    'ticketEpochMean', 'ticketEpochStd', 'ticketEpochCi95Low', 'ticketEpochCi95High',
    'savedPercentVsDenseMean', 'savedPercentVsDenseStd', 'savedPercentVsPipelineMean', 'savedPercentVsPipelineStd', 'params', 'flopsPerImage'];
  const rows = study.groups.flatMap((g) => studyMethods(study).filter((m) => g.methods[m]).map((m) => {
    const r = g.methods[m]!;
    const eb = m === 'ebTrain';
    return [...study.groupAxes.map((a) => describeValue(g.values[a])), g.seeds.join(' '), g.n, g.found, m,
      ...stat(r.accuracy), ...stat(r.energy), r.energyKinds.join('+') || null, ...stat(r.compute),
      ...(eb ? stat(g.ticketEpoch) : stat(null)),
      eb ? g.savings.dense?.mean ?? null : null, eb ? g.savings.dense?.std ?? null : null,
      eb ? g.savings.prunePipeline?.mean ?? null : null, eb ? g.savings.prunePipeline?.std ?? null : null,
      r.params, r.flops].map(cell).join(',');
  }));
  return `${[header.map(cell).join(','), ...rows].join('\n')}\n`;
}

export function studyPointsCsv(study: Study): string {
  const header = ['index', 'runId', ...study.axes, 'status', 'ticketEpoch', 'plannedEpochs', 'method', 'testAccuracy', 'energyJoules', 'energyKind', 'computeFlops', 'params', 'flopsPerImage', 'epochs'];
  const rows = study.points.flatMap((p) => {
    const base = [p.index, p.id, ...study.axes.map((a) => describeValue(p.values[a])), p.status, p.ticketEpoch, p.plannedEpochs];
    const methods = methodKeys().filter((m) => p.methods[m]);
    if (methods.length === 0) return [[...base, null, null, null, null, null, null, null, null].map(cell).join(',')];
    return methods.map((m) => {
      const r = p.methods[m]!;
      return [...base, m, r.accuracy, r.joules, r.energyKind, r.compute, r.params, r.flops, r.epochs].map(cell).join(',');
    });
  });
  return `${[header.map(cell).join(','), ...rows].join('\n')}\n`;
}

function seedsLine(study: Study): string {
  const ns = [...new Set(study.groups.map((g) => g.n))].sort((a, b) => a - b);
  return ns.length === 1 ? `${ns[0]} seed${ns[0] === 1 ? '' : 's'} per setting` : `${ns[0]}–${ns[ns.length - 1]} seeds per setting`;
}

export async function renderStudyPdf(study: Study): Promise<{ bytes: Buffer; pages: number }> {
  const layout = new Layout({ title: `Early-Bird study: ${study.name}`, subject: 'A sweep of Early-Bird experiments, aggregated over seeds' });
  const methods = studyMethods(study);
  const compared = (['ebTrain', 'prunePipeline', 'dense'] as Method[]).filter((m) => methods.includes(m));
  const allEnergy = study.groups.every((g) => compared.every((m) => !g.methods[m] || g.methods[m]!.energy));
  const metric: ParetoMetric = allEnergy ? 'energy' : 'compute';
  const finished = study.points.filter((p) => p.status === 'completed').length;

  layout.title('Early-Bird study', study.name);
  layout.paragraph(`${study.points.length} points (${finished} finished) · ${study.groups.length} setting${study.groups.length === 1 ? '' : 's'} of ${study.groupAxes.join(', ') || 'the base config'} · ${seedsLine(study)} · folder ${study.dir}`, { color: '#5f6368', size: 9 });
  layout.heading('Summary', 80);
  layout.paragraph(study.recommendation.text, { size: 10 });
  const statsNote = 'Every figure is the mean over the seeds of a setting ± the sample standard deviation; intervals are 95 % confidence intervals of the mean from Student\'s t with n − 1 degrees of freedom. n is the number of seeds behind a figure; with n = 1 no spread is given. With few seeds t is large (12.7 for 2 seeds, 4.3 for 3), so an interval can reach past what a figure can be (an accuracy above 100 %, a negative energy): the tables give it as computed; the figures draw it to that limit and end it in an arrow instead of a cap.';
  layout.paragraph(statsNote, { size: 8.6, color: '#5f6368' });
  if (study.unfinished.length) layout.box('Points without a finished run (left out of every figure)', study.unfinished);
  if (study.energyLeftOut.length) layout.box('Energy left out (accuracy and compute kept)', study.energyLeftOut);

  layout.heading('Settings at a glance', 160);
  const cols = [
    { header: 'Setting', width: 1.5 }, { header: 'n', width: 0.3, align: 'right' as const }, { header: 'Ticket epoch', width: 0.95, align: 'right' as const },
    ...compared.map((m) => ({ header: `${capitalised(methodShortLabel(m))} accuracy`, width: 1.05, align: 'right' as const })),
    ...SAVING_REFERENCES.filter((r) => study.groups.some((g) => g.savings[r])).map((r) => ({ header: `Saved vs ${r === 'dense' ? 'dense' : 'pipeline'}`, width: 0.95, align: 'right' as const })),
  ];
  const refs = SAVING_REFERENCES.filter((r) => study.groups.some((g) => g.savings[r]));
  layout.table(cols, study.groups.map((g) => [
    g.label, String(g.n),
    g.ticketEpoch ? `${formatStat(g.ticketEpoch, epochs).replace(/ \(n = \d+\)$/, '')}${g.found < g.n ? ` (${g.found}/${g.n} found)` : ''} of ${g.plannedEpochs ?? '?'}` : `none found`,
    ...compared.map((m) => formatStat(g.methods[m]?.accuracy, acc).replace(/ \(n = \d+\)$/, '')),
    ...refs.map((r) => (g.savings[r] ? formatStat(g.savings[r], (x) => formatPercent(x)).replace(/ \(n = \d+\)$/, '') : DASH)),
  ]), { caption: 'Table 1. Per setting: ticket epoch (from 1), test accuracy and EB Train\'s energy saving, each mean ± std over n seeds. "Saved vs" names the reference: dense training, or the standard pipeline (dense with L1 → prune → fine-tune).' });

  const xAxis = ticketChartAxis(study);
  if (xAxis && study.groups.some((g) => g.ticketEpoch)) {
    layout.heading('When the ticket appeared', 260);
    const others = study.groupAxes.filter((a) => a !== xAxis);
    layout.figure(ticketEpochChart(study, xAxis, FULL, 220), FULL, 220,
      `Figure 1. Epoch the Early-Bird ticket appeared (mean ± std over seeds) against ${xAxis}${others.length ? `, one line per setting of ${others.join(', ')}` : ''}. Settings where a seed found no ticket average the seeds that did (Table 1 says how many).`);
  }

  layout.heading(metric === 'energy' ? 'Accuracy against energy' : 'Accuracy against compute (energy not recorded everywhere)', 300);
  if (compared.length) {
    const front = paretoFront(study, compared, metric).length >= 2;
    layout.figure(paretoChart(study, compared, metric, FULL, 250), FULL, 250,
      `Figure 2. Test accuracy against ${metric === 'energy' ? 'measured or estimated energy (as each run recorded it)' : 'estimated training compute (energy was not recorded for every point)'} per setting, for ${compared.map((m) => methodLabel(m)).join(', ')}; error bars ± one std over seeds, the axes wide enough for all of them (an arrow: a bar clipped at what the figure can be).${front ? ' The dashed line is the Pareto front: no other point is both cheaper and more accurate.' : ''}`);
    layout.figure(methodBarsChart(study, compared, metric, FULL, 220), FULL, 220,
      `Figure 3. ${metric === 'energy' ? 'Energy' : 'Estimated training compute'} per setting: ${compared.map((m) => methodLabel(m)).join(', ')} (mean ± std over seeds; an arrow: a bar clipped at 0).`);
  }

  layout.heading('Every method, every setting', 200);
  layout.table(
    [{ header: 'Setting', width: 1.3 }, { header: 'Method', width: 0.9 }, { header: 'Test accuracy [95 % CI]', width: 1.45, align: 'right' }, { header: 'Energy [95 % CI]', width: 1.45, align: 'right' }, { header: 'Compute (est.)', width: 0.9, align: 'right' }, { header: 'Size', width: 0.85, align: 'right' }],
    study.groups.flatMap((g) => methods.filter((m) => g.methods[m]).map((m) => {
      const r = g.methods[m]!;
      return [g.label, methodLabel(m), formatStat(r.accuracy, acc, { ci: true }),
        r.energy ? `${formatStat(r.energy, formatEnergy, { ci: true })}${r.energyKinds.length ? ` · ${r.energyKinds.join('+')}` : ''}` : energyGap(r),
        formatStat(r.compute, gflop).replace(/ \(n = \d+\)$/, ''), `${formatInt(r.params)} params · ${formatFlops(r.flops)}/image`];
    })),
    { caption: 'Table 2. Per setting and method: mean ± std [95 % confidence interval of the mean] (n seeds). Energy says how it was obtained (measured by a sensor, estimated from utilisation, projected).', size: 7.6 },
  );

  layout.heading('How the figures were obtained', 120);
  layout.bullets([
    statsNote,
    'EB Train = search + surgery + retrain; dense = the dense network trained for the whole budget; standard pipeline (network slimming, Liu et al. 2017) = the dense network trained with the L1 term on BatchNorm γ, pruned at the same ratio by the same global |γ| rule, then fine-tuned (default as long as the training budget, as in the Early-Bird paper\'s 160 + 160 epochs). Where both run, one dense run trained with the L1 term serves as dense baseline and as the pipeline\'s first stage.',
    `Savings: (E(reference) − E(EB Train)) / E(reference) × 100, per seed, then averaged; each names its reference (${SAVING_REFERENCES.map((r) => REFERENCE_LABELS[r]).join('; ')}).`,
    'Training compute is estimated: 3 × forward FLOPs per image (forward + backward) × training images × epochs, each epoch at the FLOPs of the network trained in it.',
    `Recommendation rule: among settings whose every seed found a ticket and whose EB Train accuracy is within ${(study.recommendation.tolerance * 100).toFixed(0)} point of dense (means), the earliest mean ticket epoch; ties go to the lower EB Train energy.`,
    'Per-point figures: study-points.csv; per-setting figures: study.csv (both beside this PDF).',
  ], { size: 8.6 });

  const pages = layout.footer(`earlybird study · ${study.name}`);
  return { bytes: await layout.finish(), pages };
}

export interface StudyResult {
  pdfPath: string;
  pages: number;
  csv: string;
  pointsCsv: string;
  json: string;
  study: Study;
}

/** Where the study PDF goes unless the user names a file: <sweepDir>/study/study.pdf. */
export function defaultStudyPdf(sweepDir: string): string {
  return studyPdfPath(sweepDir);
}

/** Whether `dir` is the sweep folder or below it. */
function levelsInside(sweepDir: string, dir: string): boolean {
  try {
    levelsBelow(sweepDir, dir);
    return true;
  } catch {
    return false;
  }
}

/** Aggregates a sweep folder and writes study.pdf, study.csv, study-points.csv and study.json. */
export async function generateStudy(sweepDir: string, options: { out?: string } = {}): Promise<StudyResult> {
  const study = buildStudy(sweepDir);
  if (study.points.every((p) => p.status !== 'completed')) {
    throw new RunError(`${study.dir}: no point has finished yet (${study.points.length} points); run the sweep first`);
  }
  const pdfPath = options.out ? resolve(expandHome(options.out)) : defaultStudyPdf(study.dir);
  if (extname(pdfPath).toLowerCase() !== '.pdf') throw new RunError(`--out ${options.out}: the study file must end in .pdf`);
  const outDir = dirname(pdfPath);
  const pdf = await renderStudyPdf(study);
  // Inside the sweep folder every level written to must be a real folder (a planted `study -> /elsewhere`
  // is refused); outside it, the user named the place.
  const inSweep = levelsInside(study.dir, outDir);
  const write = (path: string, data: string | Uint8Array) => (inSweep ? writeFileBelow(study.dir, path, data) : writeFileAtomic(path, data));
  if (!inSweep) mkdirSync(outDir, { recursive: true });
  const csv = join(outDir, 'study.csv');
  const pointsCsv = join(outDir, 'study-points.csv');
  const json = join(outDir, 'study.json');
  try {
    write(pdfPath, pdf.bytes);
    write(csv, studyCsv(study));
    write(pointsCsv, studyPointsCsv(study));
    write(json, `${JSON.stringify(study, null, 2)}\n`);
  } catch (error) {
    if (error instanceof RunError) throw new RunError(`study not written: ${error.message}`);
    throw error;
  }
  return { pdfPath, pages: pdf.pages, csv, pointsCsv, json, study };
}

/** Plain-text table of a study for the terminal: per setting and method, mean ± std (n). */
/** Why a method has no energy mean: the seeds without one, by name ("no mean: seed 2 left out"), never a silent average. */
function energyGap(r: GroupMethod): string {
  if (r.energyMissing.length === 0 || r.energyMissing.length === r.accuracy.n) return 'not recorded';
  return `no mean: ${r.energyMissing.map((line) => line.replace(/ \(point \d+\):.*/, '')).join(', ')} without energy`;
}

export function formatStudy(study: Study): string {
  const lines: string[] = [];
  for (const g of study.groups) {
    lines.push(`${g.label} — ${g.n} seed${g.n === 1 ? '' : 's'}${g.seeds.length ? ` (${g.seeds.join(', ')})` : ''}; ticket epoch ${g.ticketEpoch ? formatStat(g.ticketEpoch, epochs, { ci: true }) : 'none found'}${g.found < g.n ? `, found in ${g.found} of ${g.n}` : ''}`);
    for (const m of methodKeys()) {
      const r = g.methods[m];
      if (!r) continue;
      lines.push(`  ${methodLabel(m).padEnd(44)} accuracy ${formatStat(r.accuracy, acc, { ci: true })}; energy ${r.energy ? formatStat(r.energy, formatEnergy, { ci: true }) : energyGap(r)}; compute ${formatStat(r.compute, gflop)} (estimated)`);
    }
    for (const ref of SAVING_REFERENCES) {
      if (g.savings[ref]) lines.push(`  EB Train energy saved ${REFERENCE_LABELS[ref]}: ${formatStat(g.savings[ref], (x) => formatPercent(x), { ci: true })}`);
    }
  }
  lines.push('', study.recommendation.text);
  if (study.unfinished.length) lines.push('', 'not finished:', ...study.unfinished.map((u) => `  ${u}`));
  if (study.energyLeftOut.length) lines.push('', 'energy left out:', ...study.energyLeftOut.map((u) => `  ${u}`));
  return lines.join('\n');
}
