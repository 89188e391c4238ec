/**
 * tfjs's own spec suite (tfjs-core 4.22's jasmine specs) against the wasm backend with this
 * project's kernels registered. A spec that the stock wasm kernels pass must pass with ours; the
 * specs stock fails (complex numbers, NCHW, strings, missing kernels) are data in
 * tfjsSpecs/stock-failures.json, written by `node --import tsx test/tfjsSpecs/runSpecs.ts stock`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildSpecBundle, runSpecBundle, STOCK_FAILURES_FILE, type StockFailures } from './tfjsSpecs/runSpecs.ts';

/** name → how many specs of that name (a few names repeat across files). */
function tally(names: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return counts;
}

test('tfjs spec suite on wasm: zero regressions against the stock kernels', { timeout: 600_000 }, async () => {
  const stock = JSON.parse(readFileSync(STOCK_FAILURES_FILE, 'utf8')) as StockFailures;
  const { bundle, cleanup } = await buildSpecBundle();
  try {
    const ours = await runSpecBundle(bundle, 'ours');
    // The same specs ran as when the stock list was made; otherwise the list is stale.
    assert.equal(ours.passed.length + ours.failed.length, stock.passed + stock.failed.length,
      'spec count differs from stock-failures.json: regenerate it with `node --import tsx test/tfjsSpecs/runSpecs.ts stock`');
    const allowed = tally(stock.failed);
    const regressions = [];
    for (const f of ours.failed) {
      const left = allowed.get(f.name) ?? 0;
      if (left > 0) allowed.set(f.name, left - 1);
      else regressions.push(`${f.name}: ${f.message.slice(0, 300)}`);
    }
    assert.deepEqual(regressions, [], `specs that pass with the stock wasm kernels fail with ours:\n${regressions.join('\n')}`);
    // Ours passes at least what stock passes (it fixes some: Conv2DBackpropFilter exists, MaxPoolGrad).
    assert.ok(ours.passed.length >= stock.passed, `${ours.passed.length} passed, stock ${stock.passed}`);
    console.log(`tfjs specs on wasm: ours ${ours.passed.length} passed / ${ours.failed.length} failed; stock ${stock.passed} / ${stock.failed.length}`);
  } finally {
    await cleanup();
  }
});
