/**
 * `earlybird sweep <sweep.json>`: the grid's points, each one run named by its config hash: all of
 * them here (up to --parallel at once; finished points are skipped), one (--index), a Slurm job array
 * or a Kubernetes Indexed Job. The options, their defaults and help: SWEEP_OPTIONS.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeJsonAtomic } from '../run/files.ts';
import { RunError } from '../run/runStore.ts';
import { writeKubernetesJob, writeSlurmScript, submitSlurm } from '../study/cluster.ts';
import {
  defaultParallel, defaultSweepDir, describeValues, pointIndexFrom, pointState, runPoint, runSweepLocally, writeSweepManifest,
} from '../study/runSweep.ts';
import { loadSweepFile, type Sweep } from '../study/sweep.ts';
import { nvidiaSmiGpus } from '../energy/inventory.ts';
import { z } from 'zod';
import { option, optionsHelp, parseArgsSpec, parseOptions } from './options.ts';
import { describeEvent } from './runCommand.ts';

/** The options of `earlybird sweep` (type, default and help from these schemas; see options.ts). */
export const SWEEP_OPTIONS = {
  out: option(z.string().min(1, 'expected a folder').optional(), { help: 'the sweep folder; runs go to <sweepDir>/runs/', placeholder: 'sweepDir', defaultText: defaultSweepDir('<name>', '<runs>') }),
  parallel: option(z.number().int().min(1).max(256).optional(), { help: 'points run at once', placeholder: 'N', defaultText: 'one per GPU, else half the cores' }),
  index: option(z.string().min(1).optional(), { help: 'run point I only', placeholder: 'I', defaultText: 'from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX' }),
  list: option(z.boolean().default(false), { help: 'print the points and their state, run nothing' }),
  slurm: option(z.boolean().default(false), { help: 'write <sweepDir>/sweep.sbatch, a job array --array=0-(N-1)%P' }),
  submit: option(z.boolean().default(false), { help: 'with --slurm: sbatch it' }),
  kubernetes: option(z.boolean().default(false), { help: 'write <sweepDir>/sweep-job.yaml, an Indexed Job' }),
};

export const SWEEP_USAGE = `earlybird sweep <sweep.json> [options]
  Runs every point of the grid (one run each, named by the hash of its config) into
  <sweepDir>/runs/; finished points are skipped, unfinished ones resumed. Then: earlybird study <sweepDir>
${optionsHelp(SWEEP_OPTIONS)}`;

/** The sweep as the tasks read it: base config inlined, so tasks need only the sweep folder. */
function writeTaskSweepFile(sweep: Sweep, sweepDir: string): string {
  const path = resolve(sweepDir, 'sweep-input.json');
  const { config: _config, ...spec } = sweep.spec;
  writeJsonAtomic(path, { ...spec, name: sweep.name, base: sweep.spec.base });
  return path;
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs({ args: argv, allowPositionals: true, options: parseArgsSpec(SWEEP_OPTIONS) });
  if (parsed.values.help) {
    process.stdout.write(`${SWEEP_USAGE}\n`);
    return 0;
  }
  const { positionals } = parsed;
  const values = parseOptions(SWEEP_OPTIONS, parsed.values);
  if (positionals.length !== 1) throw new RunError(`give one sweep file\n${SWEEP_USAGE}`);
  if (values.submit && !values.slurm) throw new RunError('--submit goes with --slurm');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const sweep = loadSweepFile(positionals[0]!);
  const sweepDir = resolve(values.out ?? defaultSweepDir(sweep.name));
  const index = values.slurm || values.kubernetes || values.list ? null : pointIndexFrom(values.index, process.env, sweep.points.length);

  if (index !== null) {
    const point = sweep.points[index]!;
    writeSweepManifest(sweepDir, sweep);
    log(`point ${index} of ${sweep.points.length} (${describeValues(point.values)}) → ${sweepDir}/runs/${point.id}`);
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const outcome = await runPoint(sweepDir, point, {
        signal: controller.signal,
        onEvent: (e) => {
          const line = describeEvent(e);
          if (line) log(line);
        },
      });
      log(`point ${index}: ${outcome.action === 'skipped' ? 'already finished, skipped' : `${outcome.action}, ${outcome.status}`}`);
      return outcome.status === 'cancelled' ? 130 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  if (values.list) {
    for (const p of sweep.points) process.stdout.write(`${String(p.index).padStart(4)}  ${p.id}  ${pointState(sweepDir, p).padEnd(10)}  ${describeValues(p.values)}\n`);
    return 0;
  }
  writeSweepManifest(sweepDir, sweep);
  const taskFile = writeTaskSweepFile(sweep, sweepDir);
  if (values.slurm || values.kubernetes) {
    if (values.slurm) {
      const script = writeSlurmScript({ sweep, sweepDir, sweepFile: taskFile, settings: sweep.spec.slurm });
      process.stdout.write(`Slurm job array (${sweep.points.length} tasks): ${script}\n`);
      if (values.submit) {
        const jobId = submitSlurm(script);
        writeJsonAtomic(resolve(sweepDir, 'slurm-job.json'), { jobId, submittedAt: new Date().toISOString(), script });
        process.stdout.write(`submitted: job ${jobId}; when it is done: earlybird study ${sweepDir}\n`);
      } else {
        process.stdout.write(`submit with: sbatch ${script}\n`);
      }
    }
    if (values.kubernetes) {
      const settings = sweep.spec.kubernetes;
      if (!settings) throw new RunError(`${sweep.file}: --kubernetes needs a "kubernetes" section with at least image and volumeClaim`);
      // Inside the pods the sweep folder lives on the shared volume.
      const podDir = `${settings.mountPath}/sweeps/${sweep.name}`;
      const path = writeKubernetesJob({ sweep, settings, sweepFile: `${podDir}/sweep-input.json`, sweepDir: podDir }, sweepDir);
      process.stdout.write(`Kubernetes Indexed Job (${sweep.points.length} completions): ${path}\n` +
        `copy ${sweepDir}/sweep-input.json to ${podDir}/ on the volume "${settings.volumeClaim}", then: kubectl apply -f ${path}\n`);
    }
    return 0;
  }

  const parallel = values.parallel ?? defaultParallel((await nvidiaSmiGpus())?.length ?? 0);
  log(`sweep "${sweep.name}": ${sweep.points.length} points over ${sweep.axes.join(', ') || 'no axis'}, up to ${parallel} at once, into ${sweepDir}`);
  const controller = new AbortController();
  const onSignal = () => {
    log('\ncancelling… (run the sweep again to resume)');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const outcomes = await runSweepLocally(sweep, sweepDir, {
      parallel, sweepFile: taskFile, log, signal: controller.signal,
      runOptions: { onEvent: (e) => { if (e.type === 'eb-found' || e.type === 'run-end') { const l = describeEvent(e); if (l) log(l); } } },
    });
    const count = (s: string) => outcomes.filter((o) => o.status === s || o.action === s).length;
    const ran = outcomes.filter((o) => o.action !== 'skipped').length;
    process.stdout.write(`sweep "${sweep.name}": ${outcomes.length} of ${sweep.points.length} points — ${count('skipped')} skipped (already finished), ` +
      `${ran} run, ${count('failed')} failed, ${count('cancelled')} cancelled\nsweep folder: ${sweepDir}\nnext: earlybird study ${sweepDir}\n`);
    if (controller.signal.aborted) return 130;
    return count('failed') > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
