/** Units, CO2e and the savings block of the run summary, against hand-computed values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeterTotals } from '../src/energy/meter.ts';
import { energySaved, projectDenseJoules, summariseEnergy } from '../src/energy/savings.ts';
import { co2eGrams, formatEnergy, joulesToKwh, joulesToWh, kwhToJoules, whToJoules } from '../src/energy/units.ts';

const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);

const total = (source: string, joules: number, kind: 'measured' | 'estimated' = 'measured') =>
  ({ [source]: { joules, source, kind, devices: { d: joules } } });

describe('units', () => {
  it('converts J, Wh and kWh', () => {
    assert.equal(joulesToWh(3600), 1);
    assert.equal(whToJoules(2.5), 9000);
    assert.equal(joulesToKwh(7_200_000), 2);
    assert.equal(kwhToJoules(0.5), 1_800_000);
  });

  it('computes CO2e from kWh × PUE × intensity, defaulting to 475 g/kWh and PUE 1', () => {
    assert.equal(co2eGrams(3_600_000), 475);
    close(co2eGrams(3_600_000, 200, 1.5), 300);
    close(co2eGrams(1000), (1000 / 3_600_000) * 475);
    assert.throws(() => co2eGrams(1, 100, 0.9), /PUE/);
    assert.throws(() => co2eGrams(1, -1), /carbon intensity/);
  });

  it('formats energy readably', () => {
    assert.equal(formatEnergy(512), '512 J');
    assert.equal(formatEnergy(12_300), '12.3 kJ (3.42 Wh)');
    assert.equal(formatEnergy(7_200_000), '7.2 MJ (2 kWh)');
  });
});

describe('savings', () => {
  const ebPhases: MeterTotals = {
    search: { ...total('nvml', 1000), ...total('rapl', 200) },
    surgery: total('rapl', 10),
    retrain: { ...total('nvml', 700), ...total('rapl', 90) },
  };

  it('measured dense baseline: EB 2000 J vs dense 5000 J saves 3000 J, 2.5×, 60 %', () => {
    const summary = summariseEnergy({
      totals: { ...ebPhases, dense: { ...total('nvml', 4000), ...total('rapl', 1000) } },
      overheadPercent: 0.3,
    });
    close(summary.ebTrainJoules, 2000);
    close(summary.denseJoules, 5000);
    assert.equal(summary.denseKind, 'measured');
    close(summary.savedJoules, 3000);
    close(summary.savedRatio, 2.5);
    close(summary.savedPercent, 60);
    close(summary.co2eGrams, (2000 / 3_600_000) * 475);
    close(summary.savedCo2eGrams, (3000 / 3_600_000) * 475);
    assert.equal(summary.carbonIntensity, 475);
    assert.equal(summary.pue, 1);
    assert.equal(summary.overheadPercent, 0.3);
    assert.deepEqual(summary.phases.search, {
      joules: 1200, source: 'nvml + rapl', kind: 'measured',
      bySource: { nvml: { joules: 1000, kind: 'measured' }, rapl: { joules: 200, kind: 'measured' } },
    });
    assert.doesNotThrow(() => JSON.stringify(summary));
  });

  it('projected dense baseline: 1200 J over 4 search epochs × 160 planned = 48 000 J', () => {
    const summary = summariseEnergy({
      totals: ebPhases,
      projection: { searchEpochs: 4, plannedEpochs: 160 },
      carbonIntensity: 100,
      pue: 1.2,
    });
    close(summary.denseJoules, 48_000);
    assert.equal(summary.denseKind, 'projected');
    assert.match(summary.denseBasis, /projected: 300 J mean per dense epoch over 4 search epochs \(measured\) × 160 planned epochs/);
    close(summary.savedJoules, 46_000);
    close(summary.savedRatio, 24);
    close(summary.savedPercent, (46_000 / 48_000) * 100);
    close(summary.co2eGrams, (2000 / 3_600_000) * 1.2 * 100);
    close(summary.denseCo2eGrams, (48_000 / 3_600_000) * 1.2 * 100);
  });

  it('projects from explicit per-epoch joules too', () => {
    const summary = summariseEnergy({ totals: ebPhases, projection: { epochJoules: [290, 310, 300], plannedEpochs: 100 } });
    close(summary.denseJoules, 30_000);
    assert.equal(summary.denseKind, 'projected');
  });

  it('a measured dense phase wins over a projection, and carries its kind', () => {
    const summary = summariseEnergy({
      totals: { ...ebPhases, dense: total('cpu-estimate', 9000, 'estimated') },
      projection: { searchEpochs: 4, plannedEpochs: 160 },
    });
    close(summary.denseJoules, 9000);
    assert.equal(summary.denseKind, 'estimated');
  });

  it('says so when there is no baseline at all', () => {
    const summary = summariseEnergy({ totals: ebPhases });
    assert.equal(summary.denseJoules, null);
    assert.equal(summary.savedPercent, null);
    assert.match(summary.denseBasis, /no dense baseline/);
  });

  it('marks EB Train estimated when any of its phases is', () => {
    const summary = summariseEnergy({ totals: { ...ebPhases, surgery: total('cpu-estimate', 10, 'estimated') } });
    assert.equal(summary.ebTrainKind, 'estimated');
    assert.equal(summary.phases.surgery!.kind, 'estimated');
  });

  it('has plain helpers for the arithmetic', () => {
    assert.equal(projectDenseJoules(1200, 4, 160), 48_000);
    assert.throws(() => projectDenseJoules(1200, 0, 160), /measured epoch/);
    assert.deepEqual(energySaved(2000, 5000), { savedJoules: 3000, savedRatio: 2.5, savedPercent: 60 });
    assert.deepEqual(energySaved(0, 0), { savedJoules: 0, savedRatio: null, savedPercent: null });
  });
});
