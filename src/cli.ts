/**
 * The headless entry point: `earlybird <command>`. Errors a user can fix (bad flags, bad data) are
 * printed as one line without a stack trace.
 */
import { GPU_USAGE, gpuCommand } from './cli/gpuCommand.ts';
import { UsageError } from './cli/args.ts';
import { RUN_USAGE, runCommand, runsCommand, showCommand } from './cli/runCommand.ts';
import { TRAIN_USAGE, trainCommand } from './cli/trainCommand.ts';
import { STUDY_USAGE, studyCommand } from './cli/studyCommand.ts';
import { SWEEP_USAGE, sweepCommand } from './cli/sweepCommand.ts';
import { REPORT_USAGE, reportCommand } from './cli/reportCommand.ts';
import { SERVE_USAGE, serveCommand } from './server/index.ts';

const USAGE = `earlybird — find the Early-Bird ticket, prune for real, measure the energy saved

Commands:
  train     train one model on one dataset (try: earlybird train --demo)
  run       a whole Early-Bird experiment from a config file (try: earlybird run --demo)
  runs      list run folders
  show      print a run's summary
  report    write a run's PDF energy report, metrics.csv, energy.csv and summary.json
  serve     the app in a browser: serves the page and the API on 127.0.0.1 with a token
  sweep     a grid of experiments (locally, as a Slurm job array or a Kubernetes Indexed Job)
  study     aggregate a sweep folder: mean ± std over seeds, PDF and CSV
  gpu       the WebGPU adapter this machine offers, or why there is none

${SERVE_USAGE}

${TRAIN_USAGE}

${RUN_USAGE}

${SWEEP_USAGE}

${STUDY_USAGE}

${REPORT_USAGE}

${GPU_USAGE}`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  train: trainCommand,
  run: runCommand,
  runs: runsCommand,
  show: showCommand,
  report: reportCommand,
  serve: serveCommand,
  sweep: sweepCommand,
  study: studyCommand,
  gpu: gpuCommand,
};

/** The subcommands, for checks that documentation names only real ones. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/** Errors whose message is meant for the user as-is. */
const USER_ERRORS = new Set(['UsageError', 'DataError', 'ModelSpecError', 'ConfigError', 'RunError']);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"; expected one of ${Object.keys(COMMANDS).join(', ')}`);
    return await run(rest);
  } catch (error) {
    const e = error as Error & { code?: string };
    if (USER_ERRORS.has(e.name) || e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`earlybird: ${e.message}\n`);
      return 2;
    }
    throw error;
  }
}
