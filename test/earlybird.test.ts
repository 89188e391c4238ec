import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { channelMask, type LayerGammas } from '../src/prune/channelMask.ts';
import { maskDistance } from '../src/prune/maskDistance.ts';
import { EarlyBirdDetector, type RatioObservation } from '../src/prune/earlyBirdDetector.ts';

const f32 = (values: number[]) => Float32Array.from(values);
const bitsOf = (values: number[]) => Uint8Array.from(values);
const layer = (name: string, values: number[]): LayerGammas => ({ layer: name, gamma: f32(values) });

describe('channelMask', () => {
  // |γ| concatenated = [0.9, 0.1, 0.4, 0.05 | 0.3, 0.7, 0.2, 0.6]
  // sorted          = [0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.9], N = 8
  const layers = [layer('conv1', [0.9, -0.1, 0.4, 0.05]), layer('conv2', [0.3, -0.7, 0.2, 0.6])];

  test('p = 0.5: threshold = sorted[floor(8·0.5)] = sorted[4] = 0.4, keep |γ| > 0.4', () => {
    const mask = channelMask(layers, 0.5);
    assert.equal(mask.ratio, 0.5);
    assert.equal(mask.threshold, Math.fround(0.4));
    assert.deepEqual([...mask.bits], [1, 0, 0, 0, 0, 1, 0, 1]);
    assert.deepEqual(
      mask.layers.map((l) => ({ layer: l.layer, keep: [...l.keep], kept: l.kept, total: l.total })),
      [
        { layer: 'conv1', keep: [1, 0, 0, 0], kept: 1, total: 4 },
        { layer: 'conv2', keep: [0, 1, 0, 1], kept: 2, total: 4 },
      ],
    );
    // Official rule: the threshold channel itself is pruned, so floor(N·p) + 1 = 5 are pruned.
    assert.equal(8 - mask.layers.reduce((s, l) => s + l.kept, 0), 5);
    assert.deepEqual(mask.warnings, []);
  });

  test('p = 0.3 and p = 0.7 (N·p not an integer): index floor(2.4) = 2, floor(5.6) = 5', () => {
    const m30 = channelMask(layers, 0.3);
    assert.equal(m30.threshold, Math.fround(0.2));
    assert.deepEqual([...m30.bits], [1, 0, 1, 0, 1, 1, 0, 1]);
    const m70 = channelMask(layers, 0.7);
    assert.equal(m70.threshold, Math.fround(0.6));
    assert.deepEqual([...m70.bits], [1, 0, 0, 0, 0, 1, 0, 0]);
  });

  test('layer keep arrays are views of the concatenated bits', () => {
    const mask = channelMask(layers, 0.5);
    assert.equal(mask.layers[1]!.keep.buffer, mask.bits.buffer);
    assert.equal(mask.layers[1]!.keep.byteOffset, 4);
  });

  test('ties, all γ equal: prunes round(N·p) channels, lowest indices first', () => {
    const equal = [layer('bn', new Array(10).fill(1))];
    assert.deepEqual([...channelMask(equal, 0.5).bits], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert.deepEqual([...channelMask(equal, 0.3).bits], [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    // 10·0.75 = 7.5 rounds half up to 8.
    assert.deepEqual([...channelMask(equal, 0.75).bits], [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    // Ratio 0 prunes nothing (the official rule would prune every tied channel).
    assert.deepEqual([...channelMask(equal, 0).bits], new Array(10).fill(1));
    assert.equal(channelMask(equal, 0.5).threshold, 1);
  });

  test('ties, many zeros at the threshold: only round(N·p) pruned, ties broken by index', () => {
    // |γ| = [0, 0.5, 0, 0, 0.8 | 0, 0, 0, 0, 0.3]: zeros at global 0,2,3,5,6,7,8.
    // sorted = [0×7, 0.3, 0.5, 0.8]; p = 0.5 → threshold sorted[5] = 0 with 7 zeros tied.
    // The official rule would prune all 7; we prune round(5) = 5: the zeros at 0,2,3,5,6.
    const zeros = [layer('a', [0, 0.5, 0, 0, 0.8]), layer('b', [-0, 0, 0, 0, 0.3])];
    const mask = channelMask(zeros, 0.5);
    assert.equal(mask.threshold, 0);
    assert.deepEqual([...mask.bits], [0, 1, 0, 0, 1, 0, 0, 1, 1, 1]);
    assert.deepEqual(mask.warnings, []);
    // p = 0.8 → threshold sorted[8] = 0.5, not tied: official rule keeps only 0.8 (9 pruned),
    // which empties layer "b", so b's largest |γ| (0.3, global 9) is kept again.
    const m80 = channelMask(zeros, 0.8);
    assert.equal(m80.threshold, 0.5);
    assert.deepEqual([...m80.bits], [0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    assert.equal(m80.warnings.length, 1);
    assert.match(m80.warnings[0]!, /"b"/);
  });

  test('a layer that would lose every channel keeps its largest-|γ| channel and warns', () => {
    // sorted = [0.01, 0.02, 0.5, 0.6, 0.7, 0.8]; p = 0.5 → threshold sorted[3] = 0.6.
    const mask = channelMask([layer('small', [0.01, -0.02]), layer('big', [0.5, 0.6, 0.7, 0.8])], 0.5);
    assert.deepEqual([...mask.layers[0]!.keep], [0, 1]);
    assert.equal(mask.layers[0]!.kept, 1);
    assert.deepEqual([...mask.layers[1]!.keep], [0, 0, 1, 1]);
    assert.deepEqual([...mask.bits], [0, 1, 0, 0, 1, 1]);
    assert.equal(mask.warnings.length, 1);
    assert.match(mask.warnings[0]!, /"small"/);
  });

  test('ties that empty a layer: rescue keeps the lowest-index channel of the layer', () => {
    const mask = channelMask([layer('first', [1, 1, 1]), layer('second', [1, 1, 1])], 0.5);
    // round(3) = 3 pruned: all of "first", rescued to keep its channel 0.
    assert.deepEqual([...mask.bits], [1, 0, 0, 1, 1, 1]);
    assert.equal(mask.warnings.length, 1);
    assert.match(mask.warnings[0]!, /"first"/);
  });

  test('bad input errors name the problem', () => {
    for (const ratio of [1, -0.1, NaN, Infinity]) {
      assert.throws(() => channelMask(layers, ratio), /ratio must be a number in \[0, 1\)/);
    }
    assert.throws(() => channelMask([], 0.5), /at least one prunable layer/);
    assert.throws(() => channelMask([layer('conv1', [1]), layer('conv2', [0.5, NaN])], 0.5), /"conv2" channel 1: gamma is NaN/);
    assert.throws(() => channelMask([layer('conv3', [Infinity])], 0.5), /"conv3" channel 0: gamma is Infinity/);
    assert.throws(() => channelMask([layer('empty', [])], 0.5), /"empty" has no channels/);
    assert.throws(() => channelMask([layer('x', [1]), layer('x', [2])], 0.5), /"x" appears more than once/);
    assert.throws(() => channelMask([{ layer: 'arr', gamma: [1, 2] as unknown as Float32Array }], 0.5), /"arr": gamma must be a Float32Array/);
  });
});

describe('maskDistance', () => {
  test('hand examples', () => {
    assert.equal(maskDistance(bitsOf([1, 0, 1, 0]), bitsOf([1, 0, 1, 0])), 0);
    assert.equal(maskDistance(bitsOf([1, 0, 1, 0]), bitsOf([0, 1, 0, 1])), 1);
    assert.equal(maskDistance(bitsOf([1, 1, 0, 0]), bitsOf([1, 0, 0, 0])), 0.25);
    assert.equal(maskDistance(bitsOf([1, 1, 0, 0, 1]), bitsOf([0, 1, 1, 0, 1])), 0.4);
  });

  test('accepts ChannelMask objects', () => {
    const a = channelMask([layer('l', [1, 2, 3, 4])], 0.5); // threshold sorted[2] = 3 → [0,0,0,1]
    const b = channelMask([layer('l', [4, 3, 2, 1])], 0.5); // → [1,0,0,0]
    assert.equal(maskDistance(a, b), 0.5);
  });

  test('errors state both lengths', () => {
    assert.throws(() => maskDistance(bitsOf([1, 0, 1, 0]), bitsOf([1, 0, 1])), /4 vs 3/);
    assert.throws(() => maskDistance(bitsOf([]), bitsOf([])), /empty/);
  });
});

/**
 * Single layer of N channels whose γ makes exactly `kept` survive at ratio 0.5 under the
 * official rule (floor(N/2) + 1 pruned, so |kept| must be N - floor(N/2) - 1), all values distinct.
 */
function gammasKeeping(n: number, kept: number[]): LayerGammas[] {
  const gamma = new Float32Array(n);
  for (let i = 0; i < n; i++) gamma[i] = kept.includes(i) ? 1 + i / 100 : (i + 1) / 1000;
  return [{ layer: 'bn', gamma }];
}

/** Single layer whose channels rank by magnitude in the order given (first = smallest). */
function gammasRankedAs(order: number[]): LayerGammas[] {
  const gamma = new Float32Array(order.length);
  order.forEach((channel, rank) => (gamma[channel] = (rank + 1) / 10));
  return [{ layer: 'bn', gamma }];
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// N = 20, ratio 0.5: 11 pruned, 9 kept. Swapping one kept channel moves 2/20 = 0.1 = ε.
const S = [0, 2, 4, 6, 8, 10, 12, 14, 16];
const withSwap = (from: number, to: number) => S.map((c) => (c === from ? to : c));
const STABILISING = [
  range(0, 8), // epoch 0
  range(11, 19), // epoch 1: 18 of 20 differ from epoch 0
  range(5, 13), // epoch 2
  S, // epoch 3: stable from here on, drifting by at most ε
  withSwap(16, 17), // epoch 4
  S, // epoch 5
  withSwap(16, 18), // epoch 6
  S, // epoch 7: queue [3..7] all within 0.1 of the newest → found
  S, // epoch 8
];

function feed(detector: EarlyBirdDetector, sequence: number[][], firstEpoch = 0): RatioObservation[][] {
  return sequence.map((kept, i) => detector.observe(firstEpoch + i, gammasKeeping(20, kept)));
}

describe('EarlyBirdDetector', () => {
  test('defaults match the paper: ratios 0.3/0.5/0.7, queue 5, ε 0.1', () => {
    const d = new EarlyBirdDetector();
    assert.deepEqual(d.options, { ratios: [0.3, 0.5, 0.7], queueLength: 5, epsilon: 0.1 });
  });

  test('identical masks are not found before the queue is full', () => {
    const d = new EarlyBirdDetector({ ratios: [0.5] });
    const seen = feed(d, [S, S, S, S, S, S]);
    assert.deepEqual(
      seen.map((o) => o[0]!.found),
      [false, false, false, false, true, true],
    );
    assert.deepEqual(seen[0]![0]!.distances, []);
    assert.equal(seen[0]![0]!.maxDistance, null);
    assert.deepEqual(seen[3]![0]!.distances, [0, 0, 0]);
    assert.deepEqual(seen[4]![0]!.distances, [0, 0, 0, 0]);
    assert.equal(seen[4]![0]!.foundEpoch, 4);
    assert.equal(d.ticket(0.5)!.epoch, 4);
  });

  test('a stabilising sequence is found exactly at the hand-computed epoch (7)', () => {
    const d = new EarlyBirdDetector({ ratios: [0.5] });
    const seen = feed(d, STABILISING).map((o) => o[0]!);
    assert.deepEqual(
      seen.map((o) => o.found),
      [false, false, false, false, false, false, false, true, true],
    );
    assert.equal(seen[1]!.maxDistance, 0.9);
    // Epoch 6: queue [2..6]; epoch 2 ({5..13}) shares 4 kept channels with epoch 6, so 10 differ.
    assert.deepEqual(seen[6]!.distances, [0.5, 0.1, 0.1, 0.1]);
    assert.equal(seen[6]!.stable, false);
    // Epoch 7: newest S vs [S, S', S, S''] oldest first.
    assert.deepEqual(seen[7]!.distances, [0, 0.1, 0, 0.1]);
    assert.equal(seen[7]!.maxDistance, 0.1);
    assert.equal(seen[7]!.foundEpoch, 7);
    assert.equal(seen[8]!.foundEpoch, 7);
    assert.deepEqual([...d.ticket(0.5)!.mask.bits], [...channelMask(gammasKeeping(20, S), 0.5).bits]);
  });

  test('ε boundary: a distance of exactly ε counts as stable', () => {
    const sequence = [S, withSwap(16, 17), S, withSwap(16, 17), S];
    const atEps = new EarlyBirdDetector({ ratios: [0.5], epsilon: 0.1 });
    const belowEps = new EarlyBirdDetector({ ratios: [0.5], epsilon: 0.09 });
    const last = feed(atEps, sequence).at(-1)![0]!;
    assert.deepEqual(last.distances, [0, 0.1, 0, 0.1]);
    assert.equal(last.found, true);
    assert.equal(feed(belowEps, sequence).at(-1)![0]!.found, false);
  });

  test('different ratios are found at different epochs', () => {
    // N = 10. Ratio 0.3 prunes floor(3)+1 = 4 (the 4 smallest, always {0,1,2,3});
    // ratio 0.7 prunes 8, so its mask is the top-2 set, which settles on {8,9} from epoch 3.
    const bottom = [0, 1, 2, 3];
    const epochs = [
      [...bottom, 4, 5, 6, 7, 8, 9],
      [...bottom, 6, 7, 8, 9, 4, 5],
      [...bottom, 4, 5, 8, 9, 6, 7],
      [...bottom, 4, 5, 6, 7, 8, 9],
      [...bottom, 7, 6, 5, 4, 8, 9],
      [...bottom, 4, 6, 5, 7, 9, 8],
    ];
    const d = new EarlyBirdDetector({ ratios: [0.3, 0.7], queueLength: 3 });
    const found: Array<[boolean, boolean]> = [];
    epochs.forEach((order, epoch) => {
      const [r30, r70] = d.observe(epoch, gammasRankedAs(order));
      found.push([r30!.found, r70!.found]);
      if (epoch === 4) assert.deepEqual(r70!.distances, [0.4, 0]);
    });
    assert.deepEqual(found, [
      [false, false],
      [false, false],
      [true, false],
      [true, false],
      [true, false],
      [true, true],
    ]);
    assert.equal(d.ticket(0.3)!.epoch, 2);
    assert.equal(d.ticket(0.7)!.epoch, 5);
    assert.equal(d.foundFor(0.3), true);
    assert.equal(d.allFound(), true);
  });

  test('once found, never unfound; the EB mask stays the one of the found epoch', () => {
    const d = new EarlyBirdDetector({ ratios: [0.5], queueLength: 2 });
    feed(d, [S, S]);
    assert.equal(d.ticket(0.5)!.epoch, 1);
    const [after] = d.observe(2, gammasKeeping(20, range(11, 19)));
    assert.equal(after!.stable, false);
    assert.equal(after!.found, true);
    assert.equal(after!.foundEpoch, 1);
    assert.deepEqual([...d.ticket(0.5)!.mask.bits], [...channelMask(gammasKeeping(20, S), 0.5).bits]);
    assert.equal(d.allFound(), true);
  });

  test('history and distance matrix for charts', () => {
    const d = new EarlyBirdDetector({ ratios: [0.5, 0.7] });
    feed(d, STABILISING.slice(0, 8));
    const history = d.history();
    assert.deepEqual(history.map((h) => h.epoch), range(0, 7));
    assert.deepEqual(history.map((h) => h.ratios.map((r) => r.ratio)), new Array(8).fill([0.5, 0.7]));
    assert.deepEqual(history.map((h) => h.ratios[0]!.maxDistance), [null, 0.9, 0.6, 0.6, 0.6, 0.6, 0.5, 0.1]);

    const { epochs, distances } = d.distanceMatrix(0.5);
    assert.deepEqual(epochs, [3, 4, 5, 6, 7]);
    assert.deepEqual(distances, [
      [0, 0.1, 0, 0.1, 0],
      [0.1, 0, 0.1, 0.1, 0.1],
      [0, 0.1, 0, 0.1, 0],
      [0.1, 0.1, 0.1, 0, 0.1],
      [0, 0.1, 0, 0.1, 0],
    ]);
  });

  test('JSON round trip mid-run resumes identically', () => {
    const sequence = [...STABILISING, withSwap(0, 1), S];
    const uninterrupted = new EarlyBirdDetector();
    const expected = feed(uninterrupted, sequence);

    for (const killAt of [0, 1, 5, 8]) {
      const first = new EarlyBirdDetector();
      const before = feed(first, sequence.slice(0, killAt));
      const resumed = EarlyBirdDetector.fromJSON(JSON.parse(JSON.stringify(first)));
      assert.equal(resumed.lastEpoch, killAt === 0 ? undefined : killAt - 1);
      const after = feed(resumed, sequence.slice(killAt), killAt);
      assert.deepEqual([...before, ...after], expected, `killed after ${killAt} epochs`);
      assert.deepEqual(resumed.toJSON(), uninterrupted.toJSON());
      assert.deepEqual(resumed.history(), uninterrupted.history());
      for (const ratio of [0.3, 0.5, 0.7]) {
        assert.deepEqual(resumed.distanceMatrix(ratio), uninterrupted.distanceMatrix(ratio));
        assert.equal(resumed.ticket(ratio)?.epoch, uninterrupted.ticket(ratio)?.epoch);
        assert.deepEqual(resumed.ticket(ratio)?.mask, uninterrupted.ticket(ratio)?.mask);
      }
    }
  });

  test('bad options, observations and states give clear errors', () => {
    assert.throws(() => new EarlyBirdDetector({ ratios: [] }), /non-empty/);
    assert.throws(() => new EarlyBirdDetector({ ratios: [0.5, 1] }), /\[0, 1\), got 1/);
    assert.throws(() => new EarlyBirdDetector({ ratios: [0.5, 0.5] }), /distinct/);
    assert.throws(() => new EarlyBirdDetector({ queueLength: 1 }), /queueLength/);
    assert.throws(() => new EarlyBirdDetector({ queueLength: 2.5 }), /queueLength/);
    assert.throws(() => new EarlyBirdDetector({ epsilon: -0.1 }), /epsilon/);

    const d = new EarlyBirdDetector({ ratios: [0.5] });
    d.observe(3, gammasKeeping(20, S));
    assert.throws(() => d.observe(3, gammasKeeping(20, S)), /epoch 3 is not after the last observed epoch 3/);
    assert.throws(() => d.observe(1.5, gammasKeeping(20, S)), /integer/);
    assert.throws(() => d.observe(4, gammasKeeping(19, S)), /"bn" \(19 channels\) but earlier epochs had "bn" \(20 channels\)/);
    assert.throws(() => d.observe(4, [layer('bn', [1, NaN])]), /"bn" channel 1: gamma is NaN/);
    assert.throws(() => d.foundFor(0.4), /ratio 0.4 is not tracked \(tracked: 0.5\)/);
    // Failed calls changed nothing.
    assert.equal(d.lastEpoch, 3);
    assert.equal(d.history().length, 1);
    assert.deepEqual(d.observe(4, gammasKeeping(20, S))[0]!.distances, [0]);

    const good = d.toJSON();
    assert.throws(() => EarlyBirdDetector.fromJSON(null), /state must be an object/);
    assert.throws(() => EarlyBirdDetector.fromJSON({ ...good, format: 'other' }), /format/);
    assert.throws(() => EarlyBirdDetector.fromJSON({ ...good, version: 2 }), /version 2/);
    const truncated = structuredClone(good);
    truncated.tracks[0]!.queue[0]!.mask.bits = '0101';
    assert.throws(() => EarlyBirdDetector.fromJSON(truncated), /4 bits but the layout has 20 channels/);
    const wrongRatio = structuredClone(good);
    wrongRatio.tracks[0]!.ratio = 0.3;
    assert.throws(() => EarlyBirdDetector.fromJSON(wrongRatio), /ratio must be 0.5/);
  });
});
