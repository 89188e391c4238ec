/**
 * What the experiment ran on, for the run record and the report: a plain JSON object. Each
 * systeminformation query runs in parallel under one shared deadline, so the whole call stays under
 * ~2 s; anything that fails or is late is null. Never throws.
 */
import os from 'node:os';

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

  const [cpu, mem, graphics, osInfo] = await Promise.all([
    ask(si ? () => si.cpu() : undefined),
    ask(si ? () => si.mem() : undefined),
    ask(si ? () => si.graphics() : undefined),
    ask(si ? () => si.osInfo() : undefined),
  ]);

  return {
    cpu: {
      brand: text(cpu ? `${cpu.manufacturer} ${cpu.brand}` : os.cpus()[0]?.model),
      manufacturer: text(cpu?.manufacturer),
      cores: count(cpu?.cores ?? os.cpus().length),
      physicalCores: count(cpu?.physicalCores),
      sockets: count(cpu?.processors),
    },
    memory: { totalBytes: count(mem?.total ?? os.totalmem()) },
    gpus: graphics
      ? graphics.controllers.map((c) => ({ vendor: text(c.vendor), model: text(c.model), vramMb: count(c.vram ?? undefined) }))
      : null,
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
