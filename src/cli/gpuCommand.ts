/** `earlybird gpu [--json]`: the WebGPU adapter this machine offers, whether auto trains on it, or why there is none. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { option, optionsHelp, parseArgsSpec, parseOptions } from './options.ts';
import { gpuSummary } from '../backend/webgpu/gpuSummary.ts';

/** The options of `earlybird gpu`. */
export const GPU_OPTIONS = {
  json: option(z.boolean().default(false), { help: 'print one JSON object (adapter, software, usedByAuto, reason)' }),
};

export const GPU_USAGE = `earlybird gpu [--json]
  The WebGPU adapter Dawn finds on this machine (Vulkan on Linux, D3D12 on Windows, Metal on
  macOS), whether --backend auto trains on it, or why there is none.
${optionsHelp(GPU_OPTIONS)}`;

export async function gpuCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs({ args: argv, options: parseArgsSpec(GPU_OPTIONS) });
  if (parsed.values.help) {
    process.stdout.write(`${GPU_USAGE}\n`);
    return 0;
  }
  const { json } = parseOptions(GPU_OPTIONS, parsed.values);
  const summary = await gpuSummary();
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (summary.adapter) {
    process.stdout.write(`WebGPU adapter: ${summary.adapter}\n${summary.usedByAuto ? 'auto trains on it' : summary.reason}\n`);
  } else process.stdout.write(`no WebGPU adapter: ${summary.reason}\n`);
  return 0;
}
