/** `earlybird study <sweepDir> [--out study.pdf]`: aggregates a sweep folder into the study report. */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { option, optionsHelp, parseArgsSpec, parseOptions } from './options.ts';
import { RunError } from '../run/runStore.ts';
import { defaultStudyPdf, formatStudy, generateStudy } from '../study/studyReport.ts';

/** The options of `earlybird study`. */
export const STUDY_OPTIONS = {
  out: option(z.string().min(1, 'expected a file name').optional(), {
    help: 'the study PDF; study.csv, study-points.csv and study.json go beside it', placeholder: 'file.pdf', short: 'o', defaultText: defaultStudyPdf('<sweepDir>'),
  }),
};

export const STUDY_USAGE = `earlybird study <sweepDir> [--out file.pdf]
  Aggregates every point of a sweep folder (earlybird sweep, or earlybird run with seeds): per
  setting and method mean ± std and 95 % intervals over seeds.
${optionsHelp(STUDY_OPTIONS)}`;

export async function studyCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs({ args: argv, allowPositionals: true, options: parseArgsSpec(STUDY_OPTIONS) });
  const { positionals } = parsed;
  if (parsed.values.help) {
    process.stdout.write(`${STUDY_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new RunError(`give one sweep folder\n${STUDY_USAGE}`);
  const values = parseOptions(STUDY_OPTIONS, parsed.values);
  const result = await generateStudy(positionals[0]!, values.out !== undefined ? { out: values.out } : {});
  const show = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel && !rel.startsWith('..') ? rel : p;
  };
  process.stdout.write(`${formatStudy(result.study)}\n\nStudy written to ${show(result.pdfPath)} (${result.pages} pages)\n` +
    `  study.csv: ${show(result.csv)}\n  study-points.csv: ${show(result.pointsCsv)}\n  study.json: ${show(result.json)}\n`);
  return 0;
}
