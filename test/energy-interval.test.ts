/**
 * How far a saving can be trusted, against hand computations: the 95 % interval of the saving from
 * per-epoch energies (delta method on the log ratio, Welch–Satterthwaite degrees of freedom, Student
 * t), the projection's interval, per-epoch energies read off an event log's energy curves, the
 * like-for-like check and its likely reasons, and energy to accuracy on a fixture event log.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectionInterval, savingInterval, tQuantile975 } from '../src/energy/interval.ts';
import { cumulativeAt, epochEnergies } from '../src/energy/epochEnergy.ts';
import { likeForLike } from '../src/energy/likeForLike.ts';
import { energyToAccuracy } from '../src/energy/energyToAccuracy.ts';
import { energyChecks, phaseEpochJoules, projectionAtTicket } from '../src/run/energyChecks.ts';
import { buildRunView } from '../src/core/project.ts';
import { energyEventLog } from './helpers/energyEventLog.ts';

const near = (actual: number | null | undefined, expected: number, tolerance = 1e-4) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

describe('the saving interval from per-epoch energies', () => {
  it('matches a hand computation', () => {
    // dense 100 J, epochs 10 12 8 10: mean 10, s² = 8/3, Var = 4 · 8/3 = 32/3
    // search 40 J, epochs 9 11: s² = 2, Var = 4; surgery 5 J, no epochs; retrain 15 J, epochs 4 5 6: s² = 1, Var = 3
    // D = 100, E = 60, R = 5/3. Relative parts: 32/3 / 100² = 0.00106667 (df 3), 4 / 60² = 0.00111111 (df 1), 3 / 60² = 0.00083333 (df 2)
    // V = 0.00301111; df = V² / Σ vᵢ²/dfᵢ = 4.62 → 4, t = 2.776; R · exp(∓2.776 · √V) = 1.43118 … 1.94091
    const interval = savingInterval(
      [{ phase: 'dense', joules: 100, epochJoules: [10, 12, 8, 10] }],
      [{ phase: 'search', joules: 40, epochJoules: [9, 11] }, { phase: 'surgery', joules: 5, epochJoules: [] }, { phase: 'retrain', joules: 15, epochJoules: [4, 5, 6] }],
    )!;
    assert.equal(interval.df, 4);
    assert.equal(interval.t, 2.776);
    near(interval.ratio.low, 1.431176);
    near(interval.ratio.high, 1.940906);
    // percent = 100 (1 − 1/R) at the bounds
    near(interval.percent.low, 30.127395);
    near(interval.percent.high, 48.477662);
    // joules: D − E = 40; Σ Var = 32/3 + 4 + 3 = 17.667, df = 5.34 → 5, t = 2.571: 40 ∓ 2.571 · 4.2032
    near(interval.joules.low, 40 - 2.571 * Math.sqrt(17 + 2 / 3));
    near(interval.joules.high, 40 + 2.571 * Math.sqrt(17 + 2 / 3));
    assert.equal(interval.clear, true);
    assert.match(interval.basis, /^n = 1 run; interval from epoch-to-epoch variation/);
  });

  it('is not clear when the interval straddles 1', () => {
    const interval = savingInterval(
      [{ phase: 'dense', joules: 62, epochJoules: [5, 15, 10, 12] }],
      [{ phase: 'search', joules: 60, epochJoules: [5, 15] }],
    )!;
    assert.ok(interval.ratio.low < 1 && interval.ratio.high > 1);
    assert.equal(interval.clear, false);
  });

  it('has no interval without two epochs anywhere', () => {
    assert.equal(savingInterval([{ phase: 'dense', joules: 10, epochJoules: [10] }], [{ phase: 'search', joules: 5, epochJoules: [5] }]), null);
  });

  it('projects a dense total with the prediction interval of N future epochs', () => {
    // epochs 9 11 10 10, N = 10: mean 10, s² = 2/3; Var = N s² + N² s² / n = 6.667 + 16.667 = 23.333; df 3, t 3.182
    const p = projectionInterval({ epochJoules: [9, 11, 10, 10], plannedEpochs: 10 })!;
    near(p.joules, 100);
    near(p.low, 100 - 3.182 * Math.sqrt(70 / 3));
    near(p.high, 100 + 3.182 * Math.sqrt(70 / 3));
    assert.equal(projectionInterval({ epochJoules: [9], plannedEpochs: 10 }), null);
    assert.equal(tQuantile975(1), 12.706);
  });
});

describe('per-epoch energy from the energy curve', () => {
  it('interpolates the cumulative curve at the epoch ends', () => {
    const curve = [{ x: 0, y: 0 }, { x: 1, y: 10 }, { x: 2, y: 30 }, { x: 3, y: null }, { x: 4, y: 50 }];
    assert.equal(cumulativeAt(curve, 1.5), 20);
    assert.equal(cumulativeAt(curve, 3), 40); // the null point is skipped: 30 → 50 between x 2 and 4
    assert.equal(cumulativeAt(curve, 9), 50);
    assert.deepEqual(epochEnergies(curve, [1, 2, 4]), [10, 20, 20]);
  });

  it('reads each phase\'s epochs off a run\'s event log', () => {
    const view = buildRunView('fixture', energyEventLog([
      { phase: 'search', joulesPerSecond: 10, seconds: 4, epochs: [{ epoch: 0, at: 2, valAccuracy: 0.5 }, { epoch: 1, at: 4, valAccuracy: 0.6 }] },
    ]));
    assert.deepEqual(phaseEpochJoules(view, 'search'), [20, 20]);
  });
});

describe('the like-for-like check', () => {
  const phase = (name: string, epochJoules: number[], contended = false) => ({ phase: name, epochJoules, imagesPerEpoch: 100, othersShare: contended ? 0.4 : 0.01, contended });

  it('is reliable inside [0.9, 1.1]', () => {
    const check = likeForLike(phase('search', [10, 10]), phase('dense', [10, 9.5]), 'own cost')!;
    near(check.ratio, 10 / 9.75);
    near(check.phases[0]!.joulesPerImage, 0.1);
    assert.equal(check.reliable, true);
    assert.equal(check.reason, null);
  });

  it('names contention first, then warm-up, then thermal drift', () => {
    assert.equal(likeForLike(phase('search', [20, 10, 10]), phase('dense', [10, 10], true), '')!.reasonKind, 'contention');
    const warm = likeForLike(phase('search', [30, 10, 10]), phase('dense', [10, 10]), '')!;
    assert.equal(warm.reasonKind, 'warm-up');
    assert.match(warm.reason!, /first epoch cost 3\.00× the median of its others/);
    assert.equal(likeForLike(phase('search', [8, 8, 8]), phase('dense', [10, 10]), '')!.reasonKind, 'thermal');
  });

  it('names background work when the process\'s other threads account for at least half the gap', () => {
    const share = (p: ReturnType<typeof phase>, backgroundShare: number) => ({ ...p, backgroundShare });
    // As measured in the demo: V8's worker threads at 15 % of the main thread's CPU time in the
    // search, 2.4 % in the dense phase; (1.15 / 1.024) − 1 = 12.3 % of a 15 % gap.
    const background = likeForLike(share(phase('search', [11.5, 11.5, 11.5]), 0.15), share(phase('dense', [10, 10]), 0.024), '')!;
    assert.equal(background.reasonKind, 'background');
    assert.match(background.reason!, /other threads .* used 15 % of its main thread's CPU time in the search and 2 % in the dense$/);
    assert.equal(background.phases[0]!.backgroundShare, 0.15);
    // The same shares in both phases explain nothing: the machine's speed it is.
    assert.equal(likeForLike(share(phase('search', [11.5, 11.5, 11.5]), 0.1), share(phase('dense', [10, 10]), 0.1), '')!.reasonKind, 'thermal');
    // A difference that explains under half the gap, or one of the wrong sign, is not named.
    assert.equal(likeForLike(share(phase('search', [13, 13, 13]), 0.08), share(phase('dense', [10, 10]), 0.02), '')!.reasonKind, 'thermal');
    assert.equal(likeForLike(share(phase('search', [8, 8, 8]), 0.15), share(phase('dense', [10, 10]), 0.02), '')!.reasonKind, 'thermal');
    // Dearer dense phase, with more background work there.
    const dense = likeForLike(share(phase('search', [8.5, 8.5]), 0.02), share(phase('dense', [10, 10]), 0.2), '')!;
    assert.equal(dense.reasonKind, 'background');
    assert.match(dense.reason!, /20 % of its main thread's CPU time in the dense and 2 % in the search$/);
    // Not read (older runs, no /proc): never named.
    assert.equal(likeForLike(phase('search', [11.5, 11.5, 11.5]), phase('dense', [10, 10]), '')!.reasonKind, 'thermal');
  });
});

describe('energy to accuracy on a fixture event log', () => {
  // search 10 J/s, epochs at 2 s (50 %) and 4 s (60 %), ticket at epoch 2; surgery 5 J;
  // retrain 5 J/s, epochs at 2 s (70 %) and 4 s (80 %); dense 10 J/s, epochs every 2 s: 60 75 82 85 %.
  const events = energyEventLog([
    { phase: 'search', joulesPerSecond: 10, seconds: 4, epochs: [{ epoch: 0, at: 2, valAccuracy: 0.5 }, { epoch: 1, at: 4, valAccuracy: 0.6 }], ticketEpoch: 1 },
    { phase: 'surgery', joulesPerSecond: 5, seconds: 1 },
    { phase: 'retrain', joulesPerSecond: 5, seconds: 4, epochs: [{ epoch: 2, at: 2, valAccuracy: 0.7 }, { epoch: 3, at: 4, valAccuracy: 0.8 }] },
    { phase: 'dense', joulesPerSecond: 10, seconds: 8, epochs: [0, 1, 2, 3].map((epoch) => ({ epoch, at: 2 * (epoch + 1), valAccuracy: [0.6, 0.75, 0.82, 0.85][epoch]! })) },
  ]);
  const view = buildRunView('fixture', events);
  const input = {
    phaseJoules: { search: 40, surgery: 5, retrain: 20, dense: 80 },
    methodPhases: { ebTrain: ['search', 'surgery', 'retrain'], dense: ['dense'] },
    ebPhases: ['search', 'surgery', 'retrain'], plannedEpochs: 4, projectedDenseJoules: null,
    contention: {}, denseWithL1: false, detectorPercent: 0.5, accuracyTarget: null as number | null,
  };

  it('defaults to dense final − 1 point and says when a method never reached it', () => {
    const result = energyChecks(view, input).energyToAccuracy!;
    near(result.target, 0.84);
    assert.match(result.targetBasis, /dense final validation accuracy 85\.00 % − 1 point/);
    assert.equal(result.methods.dense!.joules, 80); // reached 85 % at its 4th epoch: 8 s × 10 J/s
    assert.equal(result.methods.ebTrain!.joules, null);
    assert.equal(result.methods.ebTrain!.reason, 'never reached 84.00 % validation accuracy (best 80.00 %)');
    assert.equal(result.savedRatio, null);
    assert.match(result.savedReason!, /EB Train never reached/);
  });

  it('counts the phases before the delivered network in full and a settable target', () => {
    const result = energyChecks(view, { ...input, accuracyTarget: 0.7 }).energyToAccuracy!;
    // dense reaches 75 % at 4 s: 40 J. EB Train: search 40 J + surgery 5 J + retrain to 2 s (70 %): 10 J = 55 J
    assert.equal(result.methods.dense!.joules, 40);
    assert.equal(result.methods.ebTrain!.joules, 55);
    near(result.savedRatio, 40 / 55);
    near(result.savedPercent, (1 - 55 / 40) * 100);
  });

  it('has no target without a dense accuracy and none set', () => {
    assert.equal(energyToAccuracy([], { target: null, denseFinal: null }), null);
  });

  it('records the projection at the ticket and its error against the measured dense phase', () => {
    const p = projectionAtTicket(view, 4)!;
    // two search epochs of 20 J × 4 planned = 80 J; dense measured 80 J: error 0
    assert.equal(p.joules, 80);
    assert.equal(p.epochs, 2);
    assert.equal(p.measuredJoules, 80);
    assert.equal(p.errorPercent, 0);
    const checks = energyChecks(view, input);
    assert.equal(checks.likeForLike!.ratio, 1); // 20 J per 100 images in both phases
    assert.equal(checks.likeForLike!.reliable, true);
  });
});
