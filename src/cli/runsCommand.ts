/**
 * `earlybird runs` lists run folders; `earlybird show <runDir>` prints one's summary. Kept apart from
 * `run` so that listing loads no training code: the CLI loads a command's module only when it runs.
 */
import { parseArgs } from 'node:util';
import { describeRun, listRuns, RunError, RunStore } from '../run/runStore.ts';
import { formatSummary } from './formatSummary.ts';
import { optionsHelp, parseArgsSpec, parseOptions, runsDirOption } from './options.ts';

/** The options of `earlybird runs`. */
export const RUNS_OPTIONS = {
  runs: runsDirOption('the folder whose runs are listed'),
};

export const RUNS_USAGE = `earlybird runs [options]
${optionsHelp(RUNS_OPTIONS)}
earlybird show <runDir>`;

export async function runsCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs({ args: argv, options: parseArgsSpec(RUNS_OPTIONS) });
  if (parsed.values.help) {
    process.stdout.write(`${RUNS_USAGE}\n`);
    return 0;
  }
  const dir = parseOptions(RUNS_OPTIONS, parsed.values).runs;
  const runs = await listRuns(dir);
  if (runs.length === 0) {
    process.stdout.write(`no runs in ${dir}\n`);
    return 0;
  }
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
  for (const r of runs) {
    process.stdout.write(`${r.runId.padEnd(48)} ${r.status.padEnd(10)} ${String(r.model).padEnd(10)} ${String(r.data).slice(0, 24).padEnd(24)} ` +
      `EB ${r.ebEpoch === null ? '-' : `${r.ebEpoch + 1}/${r.plannedEpochs ?? '?'}`}  acc ${pct(r.testAccuracy.ebTrain)} (dense ${pct(r.testAccuracy.dense)})  ` +
      `saved ${r.savedPercent === null ? `- (${(r.savedReason ?? '').replace(/^no saving: /, '')})` : `${r.savedPercent.toFixed(1)}% ${r.savedKind}`}\n` +
      (r.problem ? `  ! ${r.problem}\n` : ''));
  }
  return 0;
}

export async function showCommand(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (!positionals[0]) throw new RunError('earlybird show <runDir>');
  const store = RunStore.open(positionals[0]);
  let summary;
  let broken: string | null = null;
  try {
    summary = await store.readSummaryAsync();
  } catch (error) {
    broken = (error as Error).message;
  }
  if (summary) {
    process.stdout.write(`${formatSummary(summary)}\n`);
    return 0;
  }
  const item = await describeRun(store);
  const ticket = item.ebEpoch !== null ? `; Early-Bird ticket at epoch ${item.ebEpoch + 1}` : '';
  if (broken !== null) {
    // Its summary is there but unreadable: say what is wrong, never suggest resuming over it.
    process.stdout.write(`run ${item.runId}: ${item.status} by its events${ticket}; its summary cannot be shown:\n  ${broken}\n`);
    return 1;
  }
  const resumable = item.status === 'incomplete' || item.status === 'cancelled' || item.status === 'failed';
  process.stdout.write(`run ${item.runId}: ${item.status} (no summary.json yet)${ticket}\n` +
    (item.problem ? `  ! ${item.problem}\n` : '') +
    (resumable ? `resume it with: earlybird run --resume ${store.dir}\n` : ''));
  return 0;
}
