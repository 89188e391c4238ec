/** How many NVIDIA GPUs `nvidia-smi -L` lists here (0 without the tool or a GPU). */
import { spawnSync } from 'node:child_process';

export function detectGpuCount(): number {
  const result = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 });
  if (result.status !== 0 || !result.stdout) return 0;
  return result.stdout.split('\n').filter((l) => /^GPU \d+/.test(l)).length;
}
