/** Units, CO2e and the savings block of the run summary, against hand-computed values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeterTotals } from '../src/energy/meter.ts';
import { energySaved, projectDenseJoules, savingEligibility, summariseEnergy, type SavingFacts } from '../src/energy/savings.ts';
import type { RunEvent } from '../src/core/events.ts';
import { buildRunView } from '../src/core/project.ts';
import { compareEnergy } from '../renderer/src/state/energyComparison.ts';
import { phaseCompute, summariseCompute, TRAINING_FLOPS_PER_FORWARD } from '../src/energy/computeLedger.ts';
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

  it('states the projection basis in readable units, not raw joules (956.064 J over 4 epochs → "239 J")', () => {
    const summary = summariseEnergy({
      totals: { search: { cpu: { joules: 956.064, source: 'cpu', kind: 'measured', devices: { d: 956.064 } } } },
      projection: { searchEpochs: 4, plannedEpochs: 10 },
      carbonIntensity: 100,
      pue: 1,
    });
    assert.match(summary.denseBasis, /^projected: 239 J mean per dense epoch over 4 search epochs/);
    assert.doesNotMatch(summary.denseBasis, /239\.016/);
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

describe('a saving only when it means something', () => {
  const finished: SavingFacts = { ticketFound: true, ebTrainFinished: true, denseFinished: true, denseEpochsForProjection: 5, unmeasuredSeconds: 0 };
  const eb: MeterTotals = { search: total('rapl', 1000), surgery: total('rapl', 10), retrain: total('rapl', 500) };

  it('is claimed when the ticket was found, EB Train finished and dense finished or is projectable', () => {
    assert.equal(savingEligibility(finished), null);
    assert.equal(savingEligibility({ ...finished, denseFinished: false, denseEpochsForProjection: 2 }), null);
  });

  it('names the reason otherwise, and every saving figure is null', () => {
    const cases: [Partial<SavingFacts>, RegExp][] = [
      [{ ticketFound: false }, /no Early-Bird ticket was found/],
      [{ ebTrainFinished: false }, /EB Train \(search \+ surgery \+ retrain\) did not finish/],
      [{ denseFinished: false, denseEpochsForProjection: 1 }, /1 complete dense epoch\(s\) are too few to project it \(2 needed\)/],
      [{ unmeasuredSeconds: 42 }, /42 s of the run had no power source left/],
      // A run stopped before the search could settle never looked for a ticket: how it ended is the reason.
      [{ ticketFound: false, stopped: 'cancelled', searchEpochs: 0 }, /^no saving: the run was cancelled before its first epoch finished$/],
      [{ ticketFound: false, stopped: 'failed', searchEpochs: 3 }, /^no saving: the run failed before an Early-Bird ticket was found$/],
    ];
    for (const [change, reason] of cases) {
      const why = savingEligibility({ ...finished, ...change });
      assert.match(why ?? '', reason);
      const summary = summariseEnergy({ totals: { ...eb, dense: total('rapl', 4000) }, notEligible: why });
      assert.deepEqual([summary.savedJoules, summary.savedRatio, summary.savedPercent, summary.savedCo2eGrams], [null, null, null, null]);
      assert.equal(summary.savedReason, why);
      close(summary.ebTrainJoules, 1510); // what was spent is still reported
    }
  });

  it('does not project a dense baseline from a single epoch', () => {
    const summary = summariseEnergy({ totals: eb, projection: { searchEpochs: 1, plannedEpochs: 10 } });
    assert.equal(summary.denseJoules, null);
    assert.match(summary.savedReason ?? '', /1 search epoch\(s\) are too few to project from/);
  });
});

describe('contention and the machine view', () => {
  const activity = (run: number, others: number, mainThread?: number): MeterTotals[string] => ({
    'cpu-activity': { joules: run + others, source: 'cpu-activity', kind: 'measured', devices: { run, others, ...(mainThread === undefined ? {} : { 'main-thread': mainThread }) } },
  });

  it('marks a phase contended when others used more than 10 % of the busy CPU time, and says whether the figure is whole-device', () => {
    const summary = summariseEnergy({
      totals: { search: total('rapl', 1000), dense: total('cpu-estimate', 900, 'estimated') },
      views: { machine: { search: total('cpu-estimate', 1500, 'estimated') }, activity: { search: activity(90, 10, 80), dense: activity(50, 50) } },
    });
    assert.deepEqual(summary.contention.search, { runCpuSeconds: 90, otherCpuSeconds: 10, othersShare: 0.1, contended: false, mainThreadCpuSeconds: 80, wholeDevice: true });
    assert.deepEqual(summary.contention.dense, { runCpuSeconds: 50, otherCpuSeconds: 50, othersShare: 0.5, contended: true, mainThreadCpuSeconds: null, wholeDevice: false });
    assert.deepEqual(summary.machine, { phases: { search: 1500 }, ebTrainJoules: 1500, denseJoules: null });
    close(summary.ebTrainJoules, 1000); // the machine view never enters the run's figures
  });
});

describe('compute ledger', () => {
  const work = (phase: string, network: 'dense' | 'slim', forward: number, trainImages: number, evalImages: number) =>
    ({ phase, network, forwardFlopsPerImage: forward, trainImages, evalImages });

  it('FLOPs per phase = images trained × training FLOPs per image (3 × forward) + images evaluated × forward', () => {
    const c = phaseCompute(work('search', 'dense', 1000, 4 * 600, 4 * 100));
    assert.equal(c.trainingFlopsPerImage, TRAINING_FLOPS_PER_FORWARD * 1000);
    assert.equal(c.flops, 2400 * 3000 + 400 * 1000);
  });

  it('sums EB Train, counts or projects dense, and gives flopSavedRatio only when a saving may be claimed', () => {
    const phases = [
      work('search', 'dense', 1000, 3 * 600, 0), work('search', 'dense', 1000, 600, 0),
      work('retrain', 'slim', 400, 6 * 600, 0), work('retrain', 'slim', 400, 0, 200),
      work('dense', 'dense', 1000, 10 * 600, 0), work('dense', 'dense', 1000, 0, 200),
    ];
    const base = { ebPhases: ['search', 'surgery', 'retrain'], densePhase: 'dense', projectedDense: null, notEligible: null, contendedPhases: [], slim: null };
    const eb = 2400 * 3000 + 3600 * 1200 + 200 * 400;
    const dense = 6000 * 3000 + 200 * 1000;
    const compute = summariseCompute({ ...base, work: phases, energyRatio: dense / eb });
    assert.equal(compute.phases.search!.flops, 2400 * 3000);
    assert.equal(compute.ebTrainFlops, eb);
    assert.deepEqual([compute.denseFlops, compute.denseBasis], [dense, 'counted']);
    close(compute.flopSavedRatio, dense / eb);
    assert.equal(compute.agreement?.disagrees, false);

    const projected = summariseCompute({ ...base, work: phases.slice(0, 4), projectedDense: work('dense', 'dense', 1000, 6000, 200), energyRatio: null });
    assert.deepEqual([projected.denseFlops, projected.denseBasis], [dense, 'projected']);

    const refused = summariseCompute({ ...base, work: phases, notEligible: 'no saving: no Early-Bird ticket was found', energyRatio: null });
    assert.equal(refused.flopSavedRatio, null);
    assert.match(refused.savedReason ?? '', /no Early-Bird ticket/);
  });

  it('flags more than 25 % disagreement with the likely reason', () => {
    const phases = [work('search', 'dense', 1000, 1000, 0), work('dense', 'dense', 1000, 2000, 0)];
    const base = { work: phases, ebPhases: ['search'], densePhase: 'dense', projectedDense: null, notEligible: null };
    const contended = summariseCompute({ ...base, energyRatio: 1.2, contendedPhases: ['dense'], slim: null });
    assert.equal(contended.agreement?.disagrees, true);
    assert.match(contended.agreement?.likelyReason ?? '', /^contention: .* in dense/);
    const slow = summariseCompute({ ...base, energyRatio: 1.2, contendedPhases: [], slim: { trainSpeedup: 1.3, flopReduction: 2.5 } });
    assert.match(slow.agreement?.likelyReason ?? '', /measured training speed-up is 1\.30x for 2\.50x fewer FLOPs/);
    // Seen on an H100 (webgpu): only the short surgery phase was contended (11 %) while the slim
    // network trained slower than the dense one; the reason is the slim network, not contention.
    const gpu = summariseCompute({ ...base, energyRatio: 0.91, contendedPhases: ['surgery'], contendedWholeDevice: true, slim: { trainSpeedup: 0.89, flopReduction: 2.23 } });
    assert.match(gpu.agreement?.likelyReason ?? '', /^the slim network does less per FLOP: its measured training speed-up is 0\.89x for 2\.23x fewer FLOPs$/);
    const both = summariseCompute({ ...base, energyRatio: 1.2, contendedPhases: ['search'], slim: { trainSpeedup: 1.3, flopReduction: 2.5 } });
    assert.match(both.agreement?.likelyReason ?? '', /^contention: .* in search, .*; and the slim network does less per FLOP/);
  });
});

describe('the app\'s live saving', () => {
  const logs = (epoch: number) => ({ epoch, learningRate: 0.1, loss: 1, accuracy: 0.5, valLoss: null, valAccuracy: null, seconds: 1, imagesPerSecond: 100 });
  const interval = (time: number, phase: string, joules: number): RunEvent =>
    ({ type: 'energy.interval', time, timeMs: time, deltas: [{ phase, source: 'cpu-estimate', device: 'cpu', kind: 'estimated', joules }], power: [] });
  const searching: RunEvent[] = [
    { type: 'phase-start', time: 1, phase: 'search', plannedEpochs: 10, startEpoch: 0, endEpoch: 10 },
    // Each epoch's energy is read off the energy curve at its end: the reading that closes it comes first.
    interval(2, 'search', 50),
    { type: 'epoch', time: 2, phase: 'search', logs: logs(0) },
    interval(4, 'search', 50),
    { type: 'epoch', time: 4, phase: 'search', logs: logs(1) },
  ];

  it('shows no saving before the ticket, only the reason', () => {
    const c = compareEnergy(buildRunView('r', searching), null, 10);
    assert.deepEqual([c.savedPercent, c.ratio, c.savedKind], [null, null, null]);
    assert.match(c.savedReason!, /shown once the Early-Bird ticket is found/);
    assert.equal(c.denseKind, 'projected');
  });

  it('after the ticket: EB so far + the rest of the retrain at the measured slim speed, against the projected dense run, labelled projected', () => {
    const found: RunEvent[] = [
      ...searching,
      { type: 'eb-found', time: 6, epoch: 1, ratio: 0.5, plannedEpochs: 10, checkpoint: 'x', warnings: [] },
      { type: 'phase-end', time: 7, phase: 'surgery', status: 'completed', seconds: 1, epochs: 0,
        slim: { params: { dense: 10, slim: 4 }, flops: { dense: 10, slim: 4 }, flopReduction: 2.5, speedup: { train: 2, inference: 2 }, maxAbsDifference: 0 } },
    ];
    // 50 J per search epoch; retrain 10 − 2 = 8 epochs at 50 / 2 = 25 J; dense 10 × 50 J.
    const c = compareEnergy(buildRunView('r', found), null, 10);
    close(c.ebJoules, 100 + 8 * 25);
    close(c.denseJoules, 500);
    close(c.savedPercent, 40);
    assert.deepEqual([c.savedKind, c.ebKind, c.savedReason], ['projected', 'projected', null]);
    // Once retrain epochs are measured, their own energy replaces the speed-up.
    const retraining = [...found, { type: 'epoch', time: 8, phase: 'retrain', logs: logs(2) } as RunEvent, interval(9, 'retrain', 30)];
    close(compareEnergy(buildRunView('r', retraining), null, 10).ebJoules, 130 + 7 * 30);
  });
});

describe('the app card and an old summary', () => {
  it('shows no saving for a cancelled run even where its summary (written before the eligibility rules) carries one', () => {
    const old = {
      status: 'cancelled',
      methods: {},
      energy: {
        ebTrainJoules: 2630, ebTrainKind: 'measured', denseJoules: 3330, denseKind: 'measured', denseBasis: 'measured in this experiment',
        savedJoules: 693, savedRatio: 1.26, savedPercent: 20.8, co2eGrams: 0.3, savedCo2eGrams: 0.09,
      },
    } as unknown as Parameters<typeof compareEnergy>[1];
    const c = compareEnergy(buildRunView('old', []), old, 12);
    assert.equal(c.basis, 'summary');
    assert.equal(c.savedPercent, null);
    assert.equal(c.ratio, null);
    assert.equal(c.savedCo2eGrams, null);
    assert.equal(c.savedReason, 'no saving: run cancelled');
    assert.equal(c.denseJoules, 3330, 'the energy figures themselves stay');
  });
});
