/**
 * src/backend/wasm/native: the committed kernelsWasm.ts must be exactly what kernels.c builds to
 * (so a reviewer reads the C, not base64), and the module must own nothing in tfjs's memory —
 * build.sh checks both. Needs clang, lld and wabt, which .ci/run installs; on a machine without
 * them the test is skipped outside CI and fails in CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const tools = ['clang', 'wasm-ld', 'wasm2wat'];
const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

test('kernelsWasm.ts is what kernels.c builds to, and the module imports only memory and uses no stack or data', {
  skip: missing.length > 0 && !process.env.CI ? `needs ${missing.join(', ')} (apt-get install clang lld wabt)` : false,
}, () => {
  const run = spawnSync('bash', ['src/backend/wasm/native/build.sh', '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /kernelsWasm\.ts matches kernels\.c/);
});
