/**
 * The energy report of a run, built from the run folder alone, so the CLI (`earlybird report`),
 * the browser-mode server and the desktop app's export button share this code:
 *
 *   <out>.pdf      the report a reviewer reads         (default <runDir>/report/report.pdf)
 *   metrics.csv    the epoch rows, normalised          (in the data folder)
 *   energy.csv     joules per phase per source         (in the data folder)
 *   summary.json   the run's summary, byte for byte    (in the data folder, when the run wrote one)
 *
 * The data folder is --data-dir, else <runDir>/report/: `--out ~/eb.pdf` writes that one file and
 * nothing else next to it. Nothing is written through a symlink inside the run folder.
 *
 * A half-written folder (a run killed mid-way) gives a report of what exists with the missing
 * parts named; a folder with nothing usable gives one clear RunError.
 */
import { mkdirSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { ensureOwnDir, writeFileAtomic } from '../run/files.ts';
import { reportCompanionPaths, reportDir, reportPdfPath } from '../run/paths.ts';
import { RunError } from '../run/runStore.ts';
import { expandHome } from '../paths.ts';
import { energyCsv, metricsCsv } from './csv.ts';
import { buildReportModel, type ReportModel } from './model.ts';
import { renderPdf } from './pdf.ts';
import { readRunFolder } from '../run/runFolder.ts';

export * from './format.ts';
export { summaryParagraph } from './pdf.ts';
export { buildReportModel, type ReportModel } from './model.ts';
export { readRunFolder } from '../run/runFolder.ts';
export { ENERGY_HEADER } from './csv.ts';

export interface ReportOptions {
  /** Where to write the PDF, exactly; default `<runDir>/report/report.pdf`. Only the PDF goes there. */
  out?: string;
  /** Where the CSVs and the summary.json copy go; default `<runDir>/report/`. */
  dataDir?: string;
}

export interface ReportResult {
  pdfPath: string;
  bytes: number;
  pages: number;
  /** The parts of the run the report could not fill, each with the reason (also printed in the PDF). */
  missing: string[];
  csv: { metrics: string; energy: string };
  /** The copy of summary.json next to the PDF; null when the run wrote none. */
  summaryPath: string | null;
}

/** The model behind a report, for callers that show the figures without a PDF (UI, tests). */
export async function loadReportModel(runDir: string): Promise<ReportModel> {
  return buildReportModel(await readRunFolder(runDir));
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export async function generateReport(runDir: string, options: ReportOptions = {}): Promise<ReportResult> {
  const model = await loadReportModel(runDir);
  const ownDir = reportDir(model.runDir);
  const pdfPath = options.out ? resolve(expandHome(options.out)) : reportPdfPath(model.runDir);
  const dataDir = options.dataDir ? resolve(expandHome(options.dataDir)) : ownDir;
  if (resolve(dataDir) === resolve(model.runDir)) {
    throw new RunError(`--data-dir ${options.dataDir}: choose a folder other than the run folder itself; metrics.csv and summary.json there belong to the run`);
  }
  if (extname(pdfPath).toLowerCase() !== '.pdf') throw new RunError(`--out ${options.out}: the report file must end in .pdf`);
  let pdf;
  try {
    pdf = await renderPdf(model);
  } catch (error) {
    if (error instanceof RunError) throw error;
    throw new RunError(`could not draw the report for ${runDir}: ${(error as Error).message}`);
  }

  const companions = reportCompanionPaths(dataDir);
  const metricsPath = companions.metrics;
  const energyPath = companions.energy;
  const summaryPath = model.folder.summaryRaw !== null ? companions.summary : null;
  // Inside the run folder every directory written to must be a real one (a planted `report -> /elsewhere`
  // is refused); outside it, the user named the place.
  const prepare = (dir: string) => (isInside(model.runDir, dir) ? ensureOwnDir(dir) : mkdirSync(dir, { recursive: true }));
  try {
    prepare(dirname(pdfPath));
    prepare(dataDir);
    writeFileAtomic(pdfPath, pdf.bytes);
    writeFileAtomic(metricsPath, metricsCsv(model.metrics));
    writeFileAtomic(energyPath, energyCsv(model.energy.rows));
    if (summaryPath) writeFileAtomic(summaryPath, model.folder.summaryRaw!);
  } catch (error) {
    if (error instanceof RunError) throw new RunError(`report not written: ${error.message}`);
    throw new RunError(`could not write the report (${pdfPath}, data in ${dataDir}): ${(error as Error).message}`);
  }
  return {
    pdfPath,
    bytes: pdf.bytes.length,
    pages: pdf.pages,
    missing: model.missing,
    csv: { metrics: metricsPath, energy: energyPath },
    summaryPath,
  };
}
