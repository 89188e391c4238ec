/**
 * What the Setup screen and `earlybird gpu` show about the GPU before a run: the WebGPU adapter
 * Dawn finds (and whether `auto` would use it), or why there is none.
 *
 * The app asks in a child process: loading Dawn (a 21 MB native addon that opens the Vulkan, D3D12
 * or Metal driver) never happens in Electron's main process or the server, only in the processes
 * that train.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { appRoot } from '../../appRoot.ts';
import { adapterLabel, probeWebGpu } from './adapter.ts';

export interface GpuSummary {
  /** One line naming the adapter, or null when Dawn found none. */
  adapter: string | null;
  software: boolean;
  /** Whether `auto` would train on it (a hardware adapter). */
  usedByAuto: boolean;
  /** Why there is no adapter, or why auto passes it over. */
  reason: string | null;
}

export async function gpuSummary(): Promise<GpuSummary> {
  const probe = await probeWebGpu();
  if (!probe.ok) return { adapter: null, software: false, usedByAuto: false, reason: probe.reason };
  const { adapter } = probe;
  return {
    adapter: adapterLabel(adapter),
    software: adapter.software,
    usedByAuto: !adapter.software,
    reason: adapter.software ? 'a software adapter (the GPU is emulated on the CPU): auto never picks it; choose the WebGPU backend to use it anyway' : null,
  };
}


/** `gpuSummary()` run in a child process (`earlybird gpu --json`); never throws. */
export function gpuSummaryInChild(timeoutMs = 20_000): Promise<GpuSummary> {
  return new Promise((resolve) => {
    const failed = (why: string): GpuSummary => ({ adapter: null, software: false, usedByAuto: false, reason: `the GPU probe failed: ${why}` });
    let out = '';
    let child;
    try {
      child = fork(join(appRoot(), 'bin', 'earlybird.mjs'), ['gpu', '--json'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    } catch (error) {
      resolve(failed((error as Error).message));
      return;
    }
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr!.resume();
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(failed(error.message));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as GpuSummary);
      } catch {
        resolve(failed(signal ? `killed by ${signal}` : `exit code ${code}`));
      }
    });
  });
}
