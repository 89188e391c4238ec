/** The compare view's config diff: every differing dotted key, and nothing that is the same. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configDiff, configValueText, flattenConfig } from '../renderer/src/state/configDiff.ts';

const FIXTURE = JSON.parse(readFileSync('test/fixtures/report/run-complete/config.json', 'utf8')) as Record<string, any>;

test('a config flattens to dotted leaves; arrays are one value', () => {
  const flat = new Map(flattenConfig(FIXTURE));
  assert.equal(flat.get('training.batchSize'), 64);
  assert.equal(flat.get('comparisons.lotteryTicket.enabled'), true);
  assert.deepEqual(flat.get('search.ratios'), [0.3, 0.5, 0.7]);
  assert.equal(flat.has('training'), false, 'sections are not leaves');
});

test('the diff lists exactly the keys that differ, with each run\'s value', () => {
  const other = structuredClone(FIXTURE);
  other.seed = 2;
  other.data.trainLimit = 1000;
  other.training.batchSize = 128;
  other.search.ratios = [0.3, 0.5];
  other.comparisons.scratchB = true;
  other.comparisons.lotteryTicket.enabled = false;
  delete other.export;
  other.data.testLimit = 200;
  const diff = configDiff([FIXTURE, other]);
  assert.deepEqual(diff.map((d) => d.key), [
    'seed', 'data.trainLimit', 'training.batchSize', 'search.ratios', 'comparisons.lotteryTicket.enabled', 'comparisons.scratchB', 'export.quantize', 'data.testLimit',
  ]);
  assert.deepEqual(diff.find((d) => d.key === 'data.trainLimit')!.values, [4000, 1000]);
  assert.deepEqual(diff.find((d) => d.key === 'export.quantize')!.values, [true, undefined]);
  assert.equal(configValueText(undefined), '—');
  assert.equal(configValueText([0.3, 0.5]), '[0.3,0.5]');
  assert.equal(configValueText('mnist'), 'mnist');
});

test('identical configs differ nowhere; three configs differ where any one does', () => {
  assert.deepEqual(configDiff([FIXTURE, structuredClone(FIXTURE)]), []);
  const third = structuredClone(FIXTURE);
  third.training.learningRate = 0.1;
  const diff = configDiff([FIXTURE, structuredClone(FIXTURE), third]);
  assert.deepEqual(diff, [{ key: 'training.learningRate', values: [0.05, 0.05, 0.1] }]);
  assert.deepEqual(configDiff([null, { seed: 1 }]), [{ key: 'seed', values: [undefined, 1] }]);
});
