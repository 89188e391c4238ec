/**
 * Sweeps on clusters, by the clusters' own schedulers: a Slurm job array (one array task per
 * point, at most P at once) and a Kubernetes Indexed Job (one completion index per point). Each
 * task runs `earlybird sweep <file> --out <sweepDir>` and finds its point in SLURM_ARRAY_TASK_ID or
 * JOB_COMPLETION_INDEX; the sweep folder is the shared filesystem (or volume) every task writes to.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../run/runStore.ts';
import { BIN_PATH } from './runSweep.ts';
import type { KubernetesSettings, SlurmSettings, Sweep } from './sweep.ts';

/** Single-quotes a word for bash. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SlurmScriptInput {
  sweep: Sweep;
  sweepDir: string;
  sweepFile: string;
  settings: SlurmSettings;
  /** Directory the tasks start in (where node_modules is); default this process's. */
  workDir?: string;
  /** The node binary the tasks run; default this one. */
  node?: string;
}

/** The sbatch script of the sweep's job array: `--array=0-(N-1)%P`, resources per task. */
export function slurmScript(input: SlurmScriptInput): string {
  const { sweep, settings } = input;
  const n = sweep.points.length;
  if (n === 0) throw new RunError('the sweep has no points');
  const array = `0-${n - 1}${settings.parallel ? `%${settings.parallel}` : ''}`;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=earlybird-${sweep.name}`,
    `#SBATCH --array=${array}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${settings.cpusPerTask}`,
    `#SBATCH --mem=${settings.memory}`,
    `#SBATCH --time=${settings.time}`,
    `#SBATCH --output=${join(input.sweepDir, 'logs', 'slurm-%A_%a.out')}`,
    ...(settings.gpusPerTask > 0 ? [`#SBATCH --gres=gpu:${settings.gpusPerTask}`] : []),
    ...(settings.partition ? [`#SBATCH --partition=${settings.partition}`] : []),
    ...(settings.account ? [`#SBATCH --account=${settings.account}`] : []),
    ...settings.extra.map((flag) => `#SBATCH ${flag}`),
    '',
    `# ${n} points of sweep "${sweep.name}"; each task runs point $SLURM_ARRAY_TASK_ID into`,
    `# ${input.sweepDir}/runs/<config hash>. Re-submitting skips finished points and resumes the rest.`,
    'set -eu',
    `cd ${shellQuote(input.workDir ?? process.cwd())}`,
    `exec ${shellQuote(input.node ?? process.execPath)} ${shellQuote(BIN_PATH)} sweep ${shellQuote(input.sweepFile)} --out ${shellQuote(input.sweepDir)} --index "$SLURM_ARRAY_TASK_ID"`,
    '',
  ];
  return lines.join('\n');
}

export function writeSlurmScript(input: SlurmScriptInput): string {
  mkdirSync(join(input.sweepDir, 'logs'), { recursive: true });
  const path = join(input.sweepDir, 'sweep.sbatch');
  writeFileSync(path, slurmScript(input), { mode: 0o755 });
  return path;
}

/** Submits the script with sbatch; returns the job id. */
export function submitSlurm(scriptPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync('sbatch', ['--parsable', scriptPath], { encoding: 'utf8', env });
  if (result.error) throw new RunError(`sbatch could not be started (${(result.error as Error).message}); is Slurm installed here?`);
  if (result.status !== 0) throw new RunError(`sbatch refused ${scriptPath}: ${(result.stderr || result.stdout).trim()}`);
  const id = result.stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new RunError(`sbatch answered "${result.stdout.trim()}", not a job id`);
  return id;
}

/** A minimal YAML writer for the manifest's plain data (maps, lists, strings, numbers, booleans). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  const scalar = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  const isScalar = (v: unknown) => v === null || typeof v !== 'object';
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value.map((item) => {
      if (isScalar(item)) return `${pad}- ${scalar(item)}\n`;
      const body = toYaml(item, indent + 2);
      return `${pad}- ${body.slice(indent + 2)}`;
    }).join('');
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return `${pad}{}\n`;
    return entries.map(([k, v]) => {
      if (isScalar(v)) return `${pad}${k}: ${scalar(v)}\n`;
      if (Array.isArray(v) && v.length === 0) return `${pad}${k}: []\n`;
      return `${pad}${k}:\n${toYaml(v, indent + 2)}`;
    }).join('');
  }
  return `${pad}${scalar(value)}\n`;
}

/**
 * The Indexed Job: completions = points, parallelism = P, each pod's JOB_COMPLETION_INDEX is its
 * point. The sweep folder must be on the shared volume: `sweepDir` is the path inside the pods.
 */
export function kubernetesJob(input: { sweep: Sweep; settings: KubernetesSettings; sweepFile: string; sweepDir: string }): Record<string, unknown> {
  const { sweep, settings } = input;
  const n = sweep.points.length;
  const name = `earlybird-${sweep.name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 52).replace(/-+$/, '');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(settings.namespace ? { namespace: settings.namespace } : {}), labels: { app: 'earlybird', sweep: name } },
    spec: {
      completionMode: 'Indexed',
      completions: n,
      parallelism: Math.min(settings.parallel ?? n, n),
      backoffLimit: n,
      template: {
        metadata: { labels: { app: 'earlybird', sweep: name } },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'point',
            image: settings.image,
            workingDir: settings.workingDir,
            command: ['node', 'bin/earlybird.mjs', 'sweep', input.sweepFile, '--out', input.sweepDir],
            resources: {
              requests: { cpu: settings.cpu, memory: settings.memory },
              limits: { memory: settings.memory, ...(settings.gpus > 0 ? { 'nvidia.com/gpu': settings.gpus } : {}) },
            },
            volumeMounts: [{ name: 'runs', mountPath: settings.mountPath }],
          }],
          volumes: [{ name: 'runs', persistentVolumeClaim: { claimName: settings.volumeClaim } }],
        },
      },
    },
  };
}

export function writeKubernetesJob(input: Parameters<typeof kubernetesJob>[0], outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, 'sweep-job.yaml');
  writeFileSync(path, `# Indexed Job for sweep "${input.sweep.name}": kubectl apply -f ${path}\n${toYaml(kubernetesJob(input))}`);
  return path;
}
