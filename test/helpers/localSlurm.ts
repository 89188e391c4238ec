/**
 * A real single-node Slurm for tests, from the Debian packages (slurm-wlm, munge): its own munge
 * key and socket, slurm.conf, state and logs in a temp dir, non-default ports, so it touches
 * nothing of the machine's own setup. `start()` returns null with the reason where the daemons
 * cannot run (not root, packages missing, a daemon that does not come up); `stop()` ends every
 * daemon it started, by its pid file, and waits for them.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface LocalSlurm {
  dir: string;
  /** Environment for sbatch/squeue and for anything that submits (SLURM_CONF set). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
  logs(): string;
}

const BINARIES = ['munged', 'munge', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo'];

function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts munged, slurmctld and slurmd; null and a reason where that is not possible here. */
export async function startLocalSlurm(): Promise<{ slurm: LocalSlurm } | { reason: string }> {
  if (process.getuid?.() !== 0) return { reason: 'the Slurm daemons need root here (SlurmUser=root, munged key ownership); this process is not root' };
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length) return { reason: `Slurm/munge not installed (missing ${missing.join(', ')}; Debian packages slurm-wlm and munge)` };

  const dir = mkdtempSync(join(tmpdir(), 'eb-slurm-'));
  chmodSync(dir, 0o755);
  const host = hostname().split('.')[0]!;
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'munge.key'), randomBytes(1024), { mode: 0o400 });
  mkdirSync(join(dir, 'state'));
  mkdirSync(join(dir, 'spool'));
  const socket = join(dir, 'munge.sock');
  const memoryMb = Math.max(1024, Math.floor(totalmem() / 2 ** 20) - 1024);
  writeFileSync(join(dir, 'slurm.conf'), [
    'ClusterName=ebtest', `SlurmctldHost=${host}`, 'SlurmUser=root', `SlurmctldPort=${ctldPort}`, `SlurmdPort=${slurmdPort}`,
    'AuthType=auth/munge', `AuthInfo=socket=${socket}`, 'CredType=cred/munge',
    `StateSaveLocation=${dir}/state`, `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`, `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`, `SlurmdLogFile=${dir}/slurmd.log`,
    'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core',
    'MpiDefault=none', 'ReturnToService=2', 'SchedulerType=sched/backfill',
    `NodeName=${host} CPUs=${cpus().length} RealMemory=${memoryMb} State=UNKNOWN`,
    `PartitionName=main Nodes=${host} Default=YES MaxTime=INFINITE State=UP`, '',
  ].join('\n'));
  const env = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') };
  const pidFiles = ['slurmd.pid', 'slurmctld.pid', 'munged.pid'].map((f) => join(dir, f));
  const logs = () => ['munged.log', 'slurmctld.log', 'slurmd.log'].map((f) => {
    const path = join(dir, f);
    return existsSync(path) ? `--- ${f} (last lines)\n${readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')}` : `--- ${f}: none`;
  }).join('\n');
  const stop = async () => {
    for (const file of pidFiles) {
      if (!existsSync(file)) continue;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 1) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        continue;
      }
      for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
      if (alive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch { /* gone */ }
      }
    }
  };
  const slurm: LocalSlurm = { dir, env, stop, logs };

  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 20_000 });
  const steps: [string, string[]][] = [
    ['munged', [`--socket=${socket}`, `--key-file=${dir}/munge.key`, `--pid-file=${dir}/munged.pid`, `--log-file=${dir}/munged.log`, `--seed-file=${dir}/munged.seed`]],
    ['slurmctld', []],
    ['slurmd', []],
  ];
  for (const [cmd, args] of steps) {
    const result = run(cmd, args);
    if (result.status !== 0) {
      await stop();
      return { reason: `${cmd} did not start (exit ${result.status}): ${(result.stderr || result.stdout || String(result.error ?? '')).trim().slice(0, 300)}\n${logs()}` };
    }
    if (cmd === 'munged') {
      const check = spawnSync('sh', ['-c', `munge -n -S '${socket}' | unmunge -S '${socket}'`], { encoding: 'utf8', timeout: 10_000 });
      if (!/Success/.test(check.stdout)) {
        await stop();
        return { reason: `munged started but a credential does not round-trip: ${check.stdout}${check.stderr}` };
      }
    }
  }
  // The node registers within a few seconds; wait (bounded) until it is idle.
  for (let i = 0; i < 60; i++) {
    const state = run('sinfo', ['-h', '-o', '%T']).stdout?.trim();
    if (state === 'idle') return { slurm };
    await sleep(500);
  }
  const last = run('sinfo', ['-h', '-o', '%T']);
  await stop();
  return { reason: `the node did not become idle within 30 s (sinfo: ${last.stdout?.trim() || last.stderr?.trim()})\n${logs()}` };
}

/** Waits (bounded) until the job has left the queue; returns false on timeout. */
export async function waitForJob(slurm: LocalSlurm, jobId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = spawnSync('squeue', ['-h', '-j', jobId, '-o', '%i %T'], { env: slurm.env, encoding: 'utf8', timeout: 20_000 });
    // An empty queue, or a job record already purged ("Invalid job id"), means it is done.
    if (result.status === 0 && result.stdout.trim() === '') return true;
    if (/Invalid job id/i.test(result.stderr ?? '')) return true;
    await sleep(1000);
  }
  return false;
}
