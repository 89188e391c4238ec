/**
 * The headless entry point: `earlybird <command>`. Errors a user can fix (bad flags, bad data) are
 * printed as one line without a stack trace. A command's module is loaded only when that command
 * runs, so `earlybird runs` or `show` start without loading the training engine.
 */
import { UsageError } from './cli/args.ts';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./cli/trainCommand.ts')).trainCommand,
  run: async () => (await import('./cli/runCommand.ts')).runCommand,
  runs: async () => (await import('./cli/runsCommand.ts')).runsCommand,
  show: async () => (await import('./cli/runsCommand.ts')).showCommand,
  report: async () => (await import('./cli/reportCommand.ts')).reportCommand,
  serve: async () => (await import('./server/index.ts')).serveCommand,
  sweep: async () => (await import('./cli/sweepCommand.ts')).sweepCommand,
  study: async () => (await import('./cli/studyCommand.ts')).studyCommand,
  gpu: async () => (await import('./cli/gpuCommand.ts')).gpuCommand,
};

async function usage(): Promise<string> {
  const [{ SERVE_USAGE }, { TRAIN_USAGE }, { RUN_USAGE }, { SWEEP_USAGE }, { STUDY_USAGE }, { REPORT_USAGE }, { GPU_USAGE }] = await Promise.all([
    import('./server/index.ts'), import('./cli/trainCommand.ts'), import('./cli/runCommand.ts'), import('./cli/sweepCommand.ts'),
    import('./cli/studyCommand.ts'), import('./cli/reportCommand.ts'), import('./cli/gpuCommand.ts'),
  ]);
  return `earlybird — find the Early-Bird ticket, prune for real, measure the energy saved

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
}

/** The subcommands, for checks that documentation names only real ones. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/** Errors whose message is meant for the user as-is. */
const USER_ERRORS = new Set(['UsageError', 'DataError', 'ModelSpecError', 'ConfigError', 'RunError']);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${await usage()}\n`);
    return command ? 0 : 1;
  }
  const load = COMMANDS[command];
  try {
    if (!load) throw new UsageError(`unknown command "${command}"; expected one of ${Object.keys(COMMANDS).join(', ')}`);
    return await (await load())(rest);
  } catch (error) {
    const e = error as Error & { code?: string };
    if (USER_ERRORS.has(e.name) || e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`earlybird: ${e.message}\n`);
      return 2;
    }
    throw error;
  }
}
