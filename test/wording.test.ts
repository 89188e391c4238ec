/**
 * Words a new user reads: config problems in plain words (not zod's "Too small: expected number to
 * be >=1" or 'Invalid option: expected one of "sgd"|"adam"'), and the app's Wh with the PDF's three significant digits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../src/core/config.ts';
import { formatEnergy } from '../src/energy/units.ts';
import { formatWattHours } from '../renderer/src/ui/format.ts';

function issues(input: unknown): Record<string, string> {
  try {
    parseConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
  }
  assert.fail('accepted');
}

test('limits and types in plain words', () => {
  const found = issues({ model: { name: 'tiny' }, training: { epochs: 0, batchSize: 1.5, learningRate: -1 }, search: { ratios: [] } });
  assert.deepEqual(found, {
    'training.epochs': 'must be at least 1',
    'training.batchSize': 'must be a whole number',
    'training.learningRate': 'must be more than 0',
    'search.ratios': 'needs at least 1 value',
  });
  assert.equal(issues({ model: { name: 'tiny' }, training: { epochs: 'ten' } })['training.epochs'], 'must be a number');
  assert.equal(issues({ model: { name: 'tiny' }, training: { optimizer: 'rmsprop' } })['training.optimizer'], 'must be one of sgd, adam');
  assert.equal(issues({ model: { name: 'tiny' }, search: { ratios: [0.3, 0.7], pruneRatio: 0.5 } })['search.pruneRatio'], 'must be one of the tracked pruning ratios (search.ratios: 0.3, 0.7)');
});

test('the app and the PDF print the same Wh', () => {
  for (const joules of [4968, 3326.4, 2630, 512, 13_500, 4.2e6]) {
    const pdf = /\(([\d.]+ k?Wh)\)/.exec(formatEnergy(joules))?.[1];
    if (pdf) assert.equal(formatWattHours(joules), pdf, `${joules} J`);
  }
  assert.equal(formatWattHours(4968), '1.38 Wh');
});
