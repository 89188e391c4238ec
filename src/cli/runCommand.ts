/**
 * `earlybird run <config.json> | --demo | --resume <runDir>`: a whole experiment, with a progress
 * line per phase and epoch, ending in the result and energy tables (`runs` and `show` are in
 * runsCommand.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { demoConfig, parseConfig, ConfigError, type ExperimentConfig } from '../core/config.ts';
import type { RunEvent } from '../core/events.ts';
import { resumeExperiment, runExperiment, type RunOptions } from '../experiment/runner.ts';
import { checkMachineBounds } from '../experiment/machineBounds.ts';
import { configHash } from '../run/summarise.ts';
import { runSweepLocally } from '../study/runSweep.ts';
import { hasSeeds, seedSweep, seedSweepName } from '../study/sweep.ts';
import { formatStudy, generateStudy } from '../study/studyReport.ts';
import { describeRun, listRuns, RunError, RunStore } from '../run/runStore.ts';
import { ProgressReporter } from '../train/progress.ts';
import { cancelOnSignal } from './cancelOnSignal.ts';
import { formatSummary } from './formatSummary.ts';
import { option, optionsHelp, parseArgsSpec, parseOptions, runsDirOption } from './options.ts';
import { RUNS_USAGE } from './runsCommand.ts';

const demo = demoConfig();

/** The options of `earlybird run` (type, default and help from these schemas; see options.ts). */
export const RUN_OPTIONS = {
  demo: option(z.boolean().default(false), {
    help: `the built-in demo: ${demo.model.name} on ${demo.data.trainLimit ?? 'all'} embedded MNIST digits, ${demo.training.epochs} epochs, compared with ${
      Object.entries(demo.comparisons).filter(([, on]) => on === true || (typeof on === 'object' && on.enabled)).map(([name]) => name).join(', ')}`,
  }),
  resume: option(z.string().min(1, 'expected a run folder').optional(), { help: 'continue a stopped run folder from its last finished epoch, with its own config.json', placeholder: 'runDir' }),
  runs: runsDirOption('where the run folder is created'),
  json: option(z.boolean().default(false), { help: 'end with one JSON line: runDir, status, summary (with seeds: sweepDir, study)' }),
};

export const RUN_USAGE = `earlybird run <config.json> | --demo | --resume <runDir> [options]
  A config with "seeds": [1, 2, 3] (or "repeats": 3) runs once per seed and reports mean ± std.
${optionsHelp(RUN_OPTIONS)}
${RUNS_USAGE}`;

function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new ConfigError(`${path}: no such config file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** One line per notable event (epoch lines come from the progress reporter). */
export function describeEvent(e: RunEvent): string | null {
  switch (e.type) {
    case 'run-start': return `run ${e.runId}${e.resumed ? ' (resumed)' : ''} on ${e.backendDescription}` +
      e.skippedBackends.map((s) => `\n  skipped ${s.choice}: ${s.reason}`).join('');
    case 'model': return e.method === 'dense' && e.workers !== undefined && e.workers > 1 ? `training with ${e.workers} data-parallel workers` : null;
    case 'data': return `data: ${e.name}: ${e.train} train, ${e.validation} validation, ${e.test} test, ${e.shape.join('x')}`;
    case 'energy-sources': return `energy: ${e.sources.map((s) => `${s.name} (${s.kind})`).join(', ') || 'no source'}` +
      e.skipped.map((s) => `\n  not used — ${s.name}: ${s.reason}`).join('');
    case 'phase-start': return `— ${e.phase} —`;
    case 'mask-distance': {
      const parts = e.ratios.map((r) => `p=${r.ratio}: ${r.maxDistance === null ? '-' : r.maxDistance.toFixed(3)}${r.found ? ' ✓' : ''}`);
      return `  mask distance (max vs queue) ${parts.join('  ')}  [detector ${e.percentOfEpoch.toFixed(2)} % of epoch]`;
    }
    case 'eb-found': return `  Early-Bird ticket found at epoch ${e.epoch + 1} of ${e.plannedEpochs} (p = ${e.ratio})`;
    case 'phase-end': return e.result ? `  ${e.phase} done: test accuracy ${(100 * e.result.testAccuracy).toFixed(2)} %` : null;
    case 'warning': return `warning: ${e.message}`;
    default: return null;
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs({ args: argv, allowPositionals: true, options: parseArgsSpec(RUN_OPTIONS) });
  if (parsed.values.help) {
    process.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  const { positionals } = parsed;
  const values = parseOptions(RUN_OPTIONS, parsed.values);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const controller = new AbortController();
  const removeSignalHandlers = cancelOnSignal(controller, log);
  const runOptions = {
    runsDir: values.runs,
    signal: controller.signal,
    onEvent: (e: RunEvent) => {
      const line = describeEvent(e);
      if (line) log(line);
    },
    callbacks: (phase: string) => [new ProgressReporter({ stream: process.stderr, label: phase })],
  };
  try {
    let outcome;
    if (values.resume) {
      const store = RunStore.open(values.resume);
      const config = parseConfig(store.readConfigJson(), store.configPath);
      await checkMachineBounds(config);
      outcome = await resumeExperiment(store.dir, config, runOptions);
    } else {
      if (!values.demo && positionals.length === 0) throw new RunError(`give a config file, --demo or --resume <runDir>\n${RUN_USAGE}`);
      const config = values.demo ? demoConfig() : parseConfig(readConfigFile(positionals[0]!), positionals[0]!);
      await checkMachineBounds(config);
      if (hasSeeds(config)) return await runSeeds(config, runOptions, values.json);
      outcome = await runExperiment(config, runOptions);
    }
    process.stdout.write(`\n${formatSummary(outcome.summary)}\n\nrun folder: ${outcome.runDir}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify({ runDir: outcome.runDir, status: outcome.status, summary: outcome.summary })}\n`);
    return outcome.status === 'cancelled' ? 130 : 0;
  } finally {
    removeSignalHandlers();
  }
}

/**
 * A config with seeds: the whole experiment once per seed, as a sweep whose only axis is the seed
 * (folder <runs>/sweeps/<name>-<config hash>, so running it again resumes), then the study report.
 */
async function runSeeds(config: ExperimentConfig, runOptions: { runsDir: string; signal: AbortSignal } & Omit<RunOptions, 'runsDir' | 'signal'>, json: boolean): Promise<number> {
  const name = seedSweepName(config);
  const sweep = seedSweep(config, name);
  const sweepDir = join(runOptions.runsDir, 'sweeps', name);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`${sweep.points.length} seeds (${sweep.points.map((p) => p.config.seed).join(', ')}), one run each, into ${sweepDir}`);
  const { runsDir: _runsDir, signal, ...perRun } = runOptions;
  const outcomes = await runSweepLocally(sweep, sweepDir, { parallel: 1, sweepFile: null, log, signal, runOptions: perRun });
  if (signal.aborted) {
    log(`cancelled; run the same command again to resume (${sweepDir})`);
    return 130;
  }
  const result = await generateStudy(sweepDir);
  process.stdout.write(`\n${formatStudy(result.study)}\n\nstudy: ${result.pdfPath} (${result.pages} pages), ${result.csv}\nsweep folder: ${sweepDir}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ sweepDir, study: result.study })}\n`);
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}
