/**
 * The benchmark finds its PyTorch peer: $EARLYBIRD_PYTHON, then python3 on PATH, then
 * /usr/bin/python3, with fake interpreters (shell scripts) standing in for real ones.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { findTorchPython, TORCH_INSTALL_HINT, torchPythonCandidates } from '../bench/torchPython.ts';

const dir = mkdtempSync(join(tmpdir(), 'earlybird-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fakePython(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('bench: the Python that runs the PyTorch reference', () => {
  test('order: $EARLYBIRD_PYTHON, python3 on PATH, /usr/bin/python3', () => {
    assert.deepEqual(torchPythonCandidates({ EARLYBIRD_PYTHON: '/opt/py/bin/python' }), ['/opt/py/bin/python', 'python3', '/usr/bin/python3']);
    assert.deepEqual(torchPythonCandidates({}), ['python3', '/usr/bin/python3']);
  });

  test('$EARLYBIRD_PYTHON wins when it can import torch; a failing one is passed over', () => {
    const withTorch = fakePython('with-torch', 'exit 0');
    assert.deepEqual(findTorchPython({ ...process.env, EARLYBIRD_PYTHON: withTorch }), { python: withTorch, tried: [withTorch] });
    const withoutTorch = fakePython('without-torch', 'exit 1');
    const pathDir = join(dir, 'path');
    mkdirSync(pathDir);
    fakePython('path/python3', 'exit 0');
    const found = findTorchPython({ ...process.env, EARLYBIRD_PYTHON: withoutTorch, PATH: `${pathDir}:${process.env.PATH}` });
    assert.deepEqual(found, { python: 'python3', tried: [withoutTorch, 'python3'] });
    assert.match(TORCH_INSTALL_HINT, /apt-get install python3-torch/);
  });

  const python3 = spawnSync('python3', ['--version']).status === 0;
  test('reference_torch.py re-runs itself under $EARLYBIRD_PYTHON', { skip: python3 ? false : 'no python3 here' }, () => {
    const fake = fakePython('reexec-target', 'echo "fake python ran: $*"');
    const r = spawnSync('python3', ['bench/reference_torch.py', '--threads', '2'], { env: { ...process.env, EARLYBIRD_PYTHON: fake }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /fake python ran: .*bench\/reference_torch\.py --threads 2/);
  });
});
