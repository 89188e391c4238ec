/**
 * The test tiers leave no file out: every test/*.test.ts is in exactly one tier of test/tiers.ts,
 * and the check the runner (scripts/run-tests.ts) makes before it runs anything catches a file
 * that is unlisted, listed twice, or listed but gone — so a new test cannot be skipped silently.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { classificationProblems, TEST_FILES, TIERS } from './tiers.ts';

const present = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.test.ts')).sort();

test('every test file is in exactly one tier, and every tier has files', () => {
  assert.deepEqual(classificationProblems(present), []);
  for (const tier of TIERS) assert.ok(TEST_FILES.some((e) => e.tier === tier), `tier ${tier} has no file`);
  for (const entry of TEST_FILES) {
    if (entry.lane !== 'free') assert.ok(entry.why, `${entry.file}: a file outside the free lane says why`);
  }
});

test('an unlisted, a doubled and a vanished file are each named', () => {
  const listed = [TEST_FILES[0]!, TEST_FILES[0]!, { file: 'gone.test.ts', tier: 'unit' as const, lane: 'free' as const }];
  const problems = classificationProblems([TEST_FILES[0]!.file, 'new.test.ts'], listed);
  assert.deepEqual(problems, [
    `${TEST_FILES[0]!.file} is listed twice in test/tiers.ts`,
    'gone.test.ts is listed in test/tiers.ts but test/gone.test.ts does not exist',
    'test/new.test.ts is in no tier: add it to TEST_FILES in test/tiers.ts (tier and lane)',
  ]);
});
