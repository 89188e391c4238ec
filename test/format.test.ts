/**
 * One number formatting (src/core/numbers.ts) behind the PDF and the page: where they agree they
 * print the same string, and the deliberate differences are the named ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as pdf from '../src/report/format.ts';
import * as page from '../renderer/src/ui/format.ts';

test('the app and the PDF print the same duration from a minute on', () => {
  for (const seconds of [60, 318, 3599.4, 3600, 3629.6, 3659, 5400, 99_999]) {
    assert.equal(page.formatDuration(seconds), pdf.formatDuration(seconds), `${seconds} s`);
  }
  assert.equal(pdf.formatDuration(3659), '1 h 01 min');
  assert.equal(pdf.formatDuration(318), '5 min 18 s');
});

test('deliberate differences: seconds under a minute, percent spacing, minus sign, unknown values', () => {
  assert.equal(pdf.formatDuration(6.24), '6.2 s');
  assert.equal(page.formatDuration(6.24), '6 s');
  assert.equal(page.formatDuration(59.6), '1 min 00 s');
  assert.equal(pdf.formatPercent(-3.14), '−3.1%');
  assert.equal(page.formatPercent(-3.14), '-3.1 %');
  assert.equal(pdf.formatEnergy(-4968), '−4.97 kJ (−1.38 Wh)');
  assert.equal(page.formatDuration(null), '—');
  assert.equal(page.formatWattHours(undefined), '—');
});
