/**
 * The Python that runs bench/reference_torch.py: the first of $EARLYBIRD_PYTHON, `python3` on
 * PATH and /usr/bin/python3 (Debian's python3-torch; a pyenv shim on PATH usually lacks torch)
 * that can import torch.
 */
import { spawnSync } from 'node:child_process';

export const TORCH_INSTALL_HINT =
  'no Python with torch found (tried $EARLYBIRD_PYTHON, python3 on PATH, /usr/bin/python3): ' +
  'apt-get install python3-torch, or pip install torch and set EARLYBIRD_PYTHON to that python';

export function torchPythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [env.EARLYBIRD_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return [...new Set(candidates)];
}

export function findTorchPython(env: NodeJS.ProcessEnv = process.env): { python: string | null; tried: string[] } {
  const tried: string[] = [];
  for (const python of torchPythonCandidates(env)) {
    tried.push(python);
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', env });
    if (r.status === 0) return { python, tried };
  }
  return { python: null, tried };
}
