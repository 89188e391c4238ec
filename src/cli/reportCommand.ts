/** `earlybird report <runDir> [--out file.pdf] [--data-dir <dir>]`: a run folder's PDF report and its data. */
import { basename, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from './args.ts';
import { option, optionsHelp, parseArgsSpec, parseOptions } from './options.ts';
import { formatBytes } from '../report/format.ts';
import { generateReport } from '../report/index.ts';
import { reportDir, reportPdfPath } from '../run/paths.ts';

/** The options of `earlybird report`. */
export const REPORT_OPTIONS = {
  out: option(z.string().min(1, 'expected a file name').optional(), {
    help: 'the PDF; writes exactly that file and nothing beside it', placeholder: 'file.pdf', short: 'o', defaultText: reportPdfPath('<runDir>'),
  }),
  'data-dir': option(z.string().min(1, 'expected a folder').optional(), {
    help: 'where metrics.csv, energy.csv and summary.json go', placeholder: 'dir', defaultText: `${reportDir('<runDir>')}/`,
  }),
};

export const REPORT_USAGE = `earlybird report <runDir> [--out file.pdf] [--data-dir <dir>]
  Writes the energy report of a run folder: a PDF and its data, metrics.csv (from the run's epoch
  events), energy.csv and summary.json. Works on unfinished runs too: what is missing is named in
  the report.
${optionsHelp(REPORT_OPTIONS)}`;

/** Parses `<runDir> [--out file.pdf] [--data-dir dir]`; a bad or unknown option is refused naming it. */
export function parseReportArgs(argv: readonly string[]): { help: true } | { help: false; runDir: string; out?: string; dataDir?: string } {
  const parsed = parseArgs({ args: [...argv], allowPositionals: true, options: parseArgsSpec(REPORT_OPTIONS) });
  if (parsed.values.help) return { help: true };
  const values = parseOptions(REPORT_OPTIONS, parsed.values);
  const [runDir, ...more] = parsed.positionals;
  if (runDir === undefined) throw new UsageError(`report: which run? ${REPORT_USAGE.split('\n')[0]}`);
  if (more.length) throw new UsageError(`report: one run folder at a time (got ${[runDir, ...more].join(' and ')})`);
  return { help: false, runDir, ...(values.out !== undefined ? { out: values.out } : {}), ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}) };
}

/** Returns the exit code; user errors throw (UsageError, RunError). */
export async function reportCommand(argv: string[]): Promise<number> {
  const args = parseReportArgs(argv);
  if (args.help) {
    process.stdout.write(`${REPORT_USAGE}\n`);
    return 0;
  }
  const result = await generateReport(args.runDir, { ...(args.out !== undefined ? { out: args.out } : {}), ...(args.dataDir !== undefined ? { dataDir: args.dataDir } : {}) });
  const show = (path: string) => {
    const rel = relative(process.cwd(), path);
    return rel && !rel.startsWith('..') ? rel : path;
  };
  const lines = [
    `Report written to ${show(result.pdfPath)} (${result.pages} pages, ${formatBytes(result.bytes)})`,
    `  ${basename(result.csv.metrics)}: ${show(result.csv.metrics)}`,
    `  ${basename(result.csv.energy)}: ${show(result.csv.energy)}`,
    result.summaryPath ? `  summary.json: ${show(result.summaryPath)}` : '  summary.json: none (the run did not write one)',
  ];
  if (result.missing.length) {
    lines.push(`Missing from this run (named in the report):`);
    for (const item of result.missing) lines.push(`  - ${item}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
