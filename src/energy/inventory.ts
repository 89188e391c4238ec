/**
 * What the experiment ran on, for the run record and the report: a plain JSON object. Each
 * systeminformation query runs in parallel under one shared deadline, so the whole call stays under
 * ~2 s (up to 3 s where nvidia-smi is present but slow to answer); anything that fails or is late is
 * null. Never throws.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { DEFAULT_NVIDIA_SMI } from './nvidiaSmi/nvidiaSmiSource.ts';

export interface GpuController {
  vendor: string | null;
  model: string | null;
  vramMb: number | null;
}

export interface HardwareInventory {
  cpu: { brand: string | null; manufacturer: string | null; cores: number | null; physicalCores: number | null; sockets: number | null };
  memory: { totalBytes: number | null };
  gpus: GpuController[] | null;
  os: { platform: string; distro: string | null; release: string | null; kernel: string | null; arch: string };
  node: string;
  collectedAt: string;
}

/** Budget for the whole call, loading systeminformation included; leaves room under 2 s. */
export const INVENTORY_BUDGET_MS = 1500;

export async function hardwareInventory(budgetMs: number = INVENTORY_BUDGET_MS): Promise<HardwareInventory> {
  const startedAt = performance.now();
  const si = await import('systeminformation').then((m) => m.default, () => null);
  const remainingMs = () => Math.max(0, budgetMs - (performance.now() - startedAt));
  const ask = <T>(query: (() => Promise<T>) | undefined): Promise<T | null> =>
    query ? withDeadline(query(), remainingMs()) : Promise.resolve(null);

  const [cpu, mem, graphics, osInfo, nvidia] = await Promise.all([
    ask(si ? () => si.cpu() : undefined),
    ask(si ? () => si.mem() : undefined),
    ask(si ? () => si.graphics() : undefined),
    ask(si ? () => si.osInfo() : undefined),
    nvidiaSmiGpus(),
  ]);
  const controllers = graphics?.controllers.map((c) => ({ vendor: text(c.vendor), model: text(c.model), vramMb: count(c.vram ?? undefined) })) ?? [];

  return {
    cpu: {
      brand: text(cpu ? `${cpu.manufacturer} ${cpu.brand}` : os.cpus()[0]?.model),
      manufacturer: text(cpu?.manufacturer),
      cores: count(cpu?.cores ?? os.cpus().length),
      physicalCores: count(cpu?.physicalCores),
      sockets: count(cpu?.processors),
    },
    memory: { totalBytes: count(mem?.total ?? os.totalmem()) },
    // systeminformation finds controllers through lspci, which containers often lack (an H100
    // machine here had none): then nvidia-smi, where present, names the NVIDIA GPUs.
    gpus: controllers.length ? controllers : nvidia?.length ? nvidia : graphics ? [] : null,
    os: {
      platform: osInfo?.platform ?? process.platform,
      distro: text(osInfo?.distro),
      release: text(osInfo?.release),
      kernel: text(osInfo?.kernel ?? os.release()),
      arch: osInfo?.arch ?? process.arch,
    },
    node: process.version,
    collectedAt: new Date().toISOString(),
  };
}

/** How long `nvidia-smi --query-gpu` may take: its first call after boot can take a second or more. */
const NVIDIA_SMI_DEADLINE_MS = 3000;

/**
 * The NVIDIA GPUs nvidia-smi lists (name, memory), or null when it is absent or fails: the run record's
 * GPU list where lspci is missing, and how many points a sweep runs at once.
 */
export function nvidiaSmiGpus(command = DEFAULT_NVIDIA_SMI): Promise<GpuController[] | null> {
  return new Promise((resolve) => {
    execFile(command, ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'], { timeout: NVIDIA_SMI_DEADLINE_MS }, (error, stdout) => {
      if (error) return resolve(null);
      const gpus = stdout.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
        const [name, memory] = line.split(',').map((field) => field.trim());
        // The report writes vendor and model side by side: "NVIDIA H100 80GB HBM3", not "NVIDIA NVIDIA …".
        return { vendor: 'NVIDIA', model: text(name?.replace(/^NVIDIA\s+/i, '')), vramMb: count(Number(memory)) };
      });
      resolve(gpus.length ? gpus : null);
    });
  });
}

/** The value, or null when the promise rejects or is later than the deadline. */
function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
    );
  });
}

function text(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function count(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}
