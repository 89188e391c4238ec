/**
 * Axis ticks and labels (src/core/axisTicks.ts), as the app's charts and the study figures use them:
 * nice steps on every axis, no two ticks of an axis with the same label, one unit and one number of
 * decimals per axis, and intervals clipped to what a figure can be, the clipping reported.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clipInterval, clockStep, decimalsOf, energyTickLabels, fittedRange, niceAxis, niceStep, numberTickLabels,
  percentTickLabels, POSSIBLE, possibleEpochs, ticksBetween, wattTickLabels,
} from '../src/core/axisTicks.ts';
import { formatClock } from '../renderer/src/ui/format.ts';

const NICE = /^(1|2|5)(0*)$|^0\.(0*)(1|2|5)$/;
const isNice = (step: number) => NICE.test(String(Number(step.toPrecision(6))));

test('steps are 1, 2 or 5 × 10^k, as few as fit, whole on epoch axes', () => {
  assert.equal(niceStep(100, 5), 20);
  assert.equal(niceStep(1, 5), 0.2);
  assert.equal(niceStep(4.2, 6), 1);
  assert.equal(niceStep(0.07, 4), 0.02);
  assert.equal(niceStep(7, 10, { integer: true }), 1);
  assert.equal(niceStep(160, 8, { integer: true }), 20);
  for (let i = 0; i < 500; i++) {
    const span = 10 ** (Math.random() * 9 - 3);
    const count = 2 + Math.floor(Math.random() * 10);
    const step = niceStep(span, count);
    assert.ok(isNice(step), `${step} for span ${span}`);
    assert.ok(span / step <= count + 1e-9, `${span / step} intervals > ${count}`);
    assert.ok(span / step > count / 5 - 1e-9, `step ${step} too coarse for ${span} in ${count}`);
  }
});

test('a time axis steps like a clock: 1, 2, 5, 10, 15, 30 s, then minutes (never 50 s)', () => {
  assert.equal(clockStep(250, 6), 60);
  assert.equal(clockStep(40, 5), 10);
  assert.equal(clockStep(3, 6), 1);
  assert.equal(clockStep(5400, 6), 900);
  for (let span = 1; span < 20_000; span = Math.ceil(span * 1.37)) {
    const step = clockStep(span, 6);
    assert.ok([1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800].includes(step), `${step} s for ${span} s`);
    const labels = ticksBetween(0, span, step).map(formatClock);
    assert.equal(new Set(labels).size, labels.length, `repeated clock labels ${labels}`);
  }
});

test('ticks are exact multiples, the axis widened to whole steps at its free ends', () => {
  assert.deepEqual(ticksBetween(0.85, 5.15, 1), [1, 2, 3, 4, 5]);
  assert.deepEqual(ticksBetween(0.1, 0.5, 0.1), [0.1, 0.2, 0.3, 0.4, 0.5]);
  const axis = niceAxis(0, 4.37, 5);
  assert.deepEqual({ min: axis.min, max: axis.max, step: axis.step }, { min: 0, max: 5, step: 1 });
  const pinned = niceAxis(0.9, 1, 5, 'linear', { min: false, max: false });
  assert.deepEqual(pinned.ticks, [0.9, 0.92, 0.94, 0.96, 0.98, 1]);
  assert.equal(decimalsOf(0.02), 2);
  assert.equal(decimalsOf(20), 0);
  assert.equal(decimalsOf(0.5), 1);
});

test('power: no "4 W, 4 W, 3 W" — one number of decimals that tells every tick apart', () => {
  const { ticks } = niceAxis(0, 4.3, 9);
  const labels = wattTickLabels(ticks);
  assert.deepEqual(labels, ['0.0 W', '0.5 W', '1.0 W', '1.5 W', '2.0 W', '2.5 W', '3.0 W', '3.5 W', '4.0 W', '4.5 W']);
  assert.deepEqual(wattTickLabels([0, 20, 40]), ['0 W', '20 W', '40 W']);
});

test('energy: one unit per axis, never "80.0 J" beside "100 J"', () => {
  assert.deepEqual(energyTickLabels([0, 20, 40, 60, 80, 100]), ['0 J', '20 J', '40 J', '60 J', '80 J', '100 J']);
  assert.deepEqual(energyTickLabels([0, 500, 1000, 1500]), ['0.0 kJ', '0.5 kJ', '1.0 kJ', '1.5 kJ']);
  assert.deepEqual(energyTickLabels([0, 2e6, 4e6]), ['0 MJ', '2 MJ', '4 MJ']);
  assert.deepEqual(energyTickLabels([0, 0.5, 1]), ['0.0 J', '0.5 J', '1.0 J']);
});

test('accuracy as percent with the decimals its step needs', () => {
  assert.deepEqual(percentTickLabels([0.9, 0.92, 0.94]), ['90 %', '92 %', '94 %']);
  assert.deepEqual(percentTickLabels([0.97, 0.975, 0.98]), ['97.0 %', '97.5 %', '98.0 %']);
  assert.deepEqual(numberTickLabels([0, 0.05, 0.1]), ['0.00', '0.05', '0.10']);
});

test('no axis repeats a label, whatever its range and unit', () => {
  for (let i = 0; i < 400; i++) {
    const lo = Math.random() < 0.3 ? 0 : Math.random() * 10 ** (Math.random() * 5 - 2);
    const hi = lo + 10 ** (Math.random() * 7 - 3);
    const { ticks } = niceAxis(lo, hi, 2 + Math.floor(Math.random() * 9));
    assert.ok(ticks.length >= 2, `${ticks} for ${lo}…${hi}`);
    for (const labels of [wattTickLabels(ticks), energyTickLabels(ticks), numberTickLabels(ticks), percentTickLabels(ticks)]) {
      assert.equal(new Set(labels).size, labels.length, `repeated labels ${labels} for ${lo}…${hi}`);
      // One number of decimals per axis.
      assert.equal(new Set(labels.map((l) => /\.(\d+)/.exec(l)?.[1]?.length ?? 0)).size, 1, `mixed decimals ${labels}`);
    }
  }
});

test('intervals are clipped to what the figure can be, and the clipped end is named', () => {
  // The study figures' case: 3 seeds, accuracy interval −38.5 % … 146.5 %.
  assert.deepEqual(clipInterval(-0.385, 1.465, POSSIBLE.accuracy), { low: 0, high: 1, clippedLow: true, clippedHigh: true });
  assert.deepEqual(clipInterval(-135, 400, POSSIBLE.energy), { low: 0, high: 400, clippedLow: true, clippedHigh: false });
  assert.deepEqual(clipInterval(-4.6, 7.2, possibleEpochs(10)), { low: 1, high: 7.2, clippedLow: true, clippedHigh: false });
  assert.deepEqual(clipInterval(-20, 130, POSSIBLE.savingPercent), { low: -20, high: 100, clippedLow: false, clippedHigh: true });
  assert.deepEqual(clipInterval(0.9, 0.95, POSSIBLE.accuracy), { low: 0.9, high: 0.95, clippedLow: false, clippedHigh: false });
  // An axis fitted to such values stays inside the possible range.
  const [lo, hi] = fittedRange([-0.385, 0.54, 1.465], POSSIBLE.accuracy);
  assert.deepEqual([lo, hi], [0, 1]);
  const [elo] = fittedRange([-135, 200, 500], POSSIBLE.energy);
  assert.equal(elo, 0);
  const [tlo, thi] = fittedRange([-4.6, 3, 10.6], possibleEpochs(12));
  assert.ok(tlo === 1 && thi <= 12, `${tlo}…${thi}`);
});
