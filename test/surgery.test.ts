import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  LOGITS_LAYER,
  MODEL_NAMES,
  buildModel,
  channelPlan,
  logitsModel,
  modelStats,
  prunableGroups,
  type ModelName,
  type ModelSpec,
} from '../src/models/index.ts';
import { channelMask, type ChannelMask } from '../src/prune/channelMask.ts';
import { SurgeryError, gammaLayers, slimModel, zeroPrunedChannels } from '../src/prune/slimModel.ts';
import { mulberry32, type Random } from '../src/random.ts';

/** Small enough for the cpu backend; every model still has convs feeding convs and a Flatten/GAP into Dense. */
const SPECS: Record<ModelName, ModelSpec> = {
  mlp: { name: 'mlp', inputShape: [12, 12, 1], numClasses: 10, seed: 1, width: 0.25 },
  'lenet5-bn': { name: 'lenet5-bn', inputShape: [28, 28, 1], numClasses: 10, seed: 2 },
  'vgg-s': { name: 'vgg-s', inputShape: [16, 16, 3], numClasses: 10, seed: 3, width: 0.25 },
  'resnet-s': { name: 'resnet-s', inputShape: [16, 16, 3], numClasses: 10, seed: 4, width: 0.5, depth: 1 },
  tiny: { name: 'tiny', inputShape: [16, 16, 3], numClasses: 10, seed: 5 },
  vgg16: { name: 'vgg16', inputShape: [16, 16, 3], numClasses: 10, seed: 6, width: 0.125 },
  preresnet20: { name: 'preresnet20', inputShape: [16, 16, 3], numClasses: 10, seed: 7, width: 0.5 },
  preresnet56: { name: 'preresnet56', inputShape: [8, 8, 3], numClasses: 10, seed: 8, width: 0.25 },
  preresnet110: { name: 'preresnet110', inputShape: [8, 8, 3], numClasses: 10, seed: 9, width: 0.25 },
};
const BATCH = 6;
const RATIO = 0.5;

before(async () => {
  await tf.setBackend('cpu');
});

function gaussian(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Random γ (either sign), β and moving statistics in every BatchNorm: at initialisation γ = 1,
 * β = 0, mean 0 and variance 1 would make the BN nearly the identity and let a wrong copy of the
 * statistics go unnoticed. The classifier's kernel is redrawn N(0, 0.25) too: vgg16 starts it at
 * N(0, 0.01²), which leaves logits too small to tell a real difference from rounding.
 */
function randomiseBatchNorms(model: tf.LayersModel, seed: number): void {
  const random = mulberry32(seed);
  const logits = model.getLayer(LOGITS_LAYER);
  const [kernel, bias] = logits.getWeights();
  const redrawn = tf.tensor(Float32Array.from({ length: kernel!.size }, () => 0.5 * gaussian(random)), kernel!.shape);
  logits.setWeights([redrawn, bias!]);
  redrawn.dispose();
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const values = layer.weights.map((w) => {
      const n = w.shape[0]!;
      const name = w.originalName;
      const draw = name.endsWith('moving_variance')
        ? () => 0.5 + 1.5 * random()
        : name.endsWith('gamma')
          ? () => gaussian(random)
          : () => 0.5 * gaussian(random);
      return tf.tensor1d(Float32Array.from({ length: n }, draw));
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

function randomInput(spec: ModelSpec, seed: number): tf.Tensor {
  return tf.randomNormal([BATCH, ...spec.inputShape], 0, 1, 'float32', seed);
}

/** Inference-mode logits (BN on its moving statistics), as a plain array. */
function logitsOf(model: tf.LayersModel, input: tf.Tensor): Float32Array {
  // logitsModel shares the weights of `model`: never dispose it.
  return tf.tidy(() => (logitsModel(model).predict(input) as tf.Tensor).dataSync() as Float32Array);
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** Output channels of a Conv2D/Dense layer (kernel's last axis). */
function outChannels(model: tf.LayersModel, layerName: string): number {
  const kernel = model.getLayer(layerName).getWeights()[0]!;
  return kernel.shape.at(-1)!;
}

/** A dense model with random BN state and its mask at RATIO, ranked by its own |γ|. */
async function prepared(spec: ModelSpec): Promise<{ dense: tf.LayersModel; mask: ChannelMask }> {
  const dense = buildModel(spec);
  randomiseBatchNorms(dense, spec.seed + 100);
  return { dense, mask: channelMask(await gammaLayers(dense), RATIO) };
}

describe('slimModel: every registered model', () => {
  test('the test covers every registered model', () => {
    assert.deepEqual(Object.keys(SPECS).sort(), [...MODEL_NAMES].sort());
  });

  for (const name of MODEL_NAMES) {
    const spec = SPECS[name];

    test(`${name}: slim logits equal the dense model with pruned channels zeroed`, async () => {
      const { dense, mask } = await prepared(spec);
      const input = randomInput(spec, 7);
      const { model: slim } = slimModel(dense, spec, mask);
      try {
        const before = logitsOf(dense, input);
        const zeroed = zeroPrunedChannels(dense, mask);
        assert.equal(zeroed, mask.layers.reduce((s, l) => s + l.total - l.kept, 0));
        assert.ok(zeroed > 0, 'the mask prunes something');
        const expected = logitsOf(dense, input);
        const actual = logitsOf(slim, input);
        const difference = maxAbsDifference(actual, expected);
        assert.ok(difference < 1e-4, `max |slim − zeroed dense| = ${difference}`);
        // Meaningful: the logits are not tiny, and pruning did change them.
        assert.ok(maxAbs(expected) > 0.1, `logits are large enough to compare (max ${maxAbs(expected)})`);
        assert.ok(maxAbsDifference(before, expected) > 1e-3, 'zeroing the pruned channels changes the output');
      } finally {
        tf.dispose(input);
        dense.dispose();
        slim.dispose();
      }
    });

    test(`${name}: channel counts follow the mask; params and FLOPs drop`, async () => {
      const { dense, mask } = await prepared(spec);
      const result = slimModel(dense, spec, mask);
      const slim = result.model;
      try {
        const groups = prunableGroups(dense);
        assert.ok(groups.length > 0);
        assert.deepEqual(mask.layers.map((l) => l.layer), groups.map((g) => g.bn));
        for (const group of groups) {
          const layerMask = mask.layers.find((l) => l.layer === group.bn)!;
          assert.deepEqual(result.kept[group.bn], { kept: layerMask.kept, total: layerMask.total });
          assert.equal(outChannels(dense, group.conv), layerMask.total);
          assert.equal(outChannels(slim, group.conv), layerMask.kept, `${group.conv} keeps the mask's channels`);
          assert.equal(result.spec.channels?.[group.conv], layerMask.kept);
          assert.equal(channelPlan(result.spec)[group.conv], layerMask.kept);
          for (const weight of slim.getLayer(group.bn).getWeights()) assert.deepEqual(weight.shape, [layerMask.kept]);
        }
        const denseStats = modelStats(dense);
        const slimStats = modelStats(slim);
        assert.ok(slimStats.params < denseStats.params, `params ${denseStats.params} → ${slimStats.params}`);
        assert.ok(slimStats.flops < denseStats.flops, `FLOPs ${denseStats.flops} → ${slimStats.flops}`);
        assert.equal(slimStats.params, slim.countParams());
      } finally {
        dense.dispose();
        slim.dispose();
      }
    });
  }
});

describe('slimModel: details', () => {
  const spec = SPECS['lenet5-bn'];

  test('copies the kept entries exactly, including Dense rows behind the Flatten (index p·C + c)', async () => {
    const { dense, mask } = await prepared(spec);
    const { model: slim } = slimModel(dense, spec, mask);
    try {
      const keep = mask.layers.find((l) => l.layer === 'bn2')!.keep;
      const keptChannels = [...keep.keys()].filter((c) => keep[c] === 1);
      const denseGamma = dense.getLayer('bn2').getWeights()[0]!.dataSync();
      const slimGamma = slim.getLayer('bn2').getWeights()[0]!.dataSync();
      assert.deepEqual([...slimGamma], keptChannels.map((c) => denseGamma[c]!));

      // fc1 reads flatten(pool2): row p·C + c of its kernel belongs to channel c.
      const C = keep.length;
      const denseKernel = dense.getLayer('fc1').getWeights()[0]!;
      const slimKernel = slim.getLayer('fc1').getWeights()[0]!;
      const positions = denseKernel.shape[0]! / C;
      assert.equal(slimKernel.shape[0], positions * keptChannels.length);
      const denseRows = denseKernel.arraySync() as number[][];
      const slimRows = slimKernel.arraySync() as number[][];
      for (let p = 0; p < positions; p++) {
        keptChannels.forEach((c, k) => assert.deepEqual(slimRows[p * keptChannels.length + k], denseRows[p * C + c]));
      }
    } finally {
      dense.dispose();
      slim.dispose();
    }
  });

  test('leaves the dense model untouched and no tensor behind', async () => {
    const { dense, mask } = await prepared(spec);
    try {
      const weightsBefore = dense.getWeights().map((w) => Float32Array.from(w.dataSync()));
      const tensorsBefore = tf.memory().numTensors;
      const { model: slim } = slimModel(dense, spec, mask);
      slim.dispose();
      assert.equal(tf.memory().numTensors, tensorsBefore);
      dense.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), weightsBefore[i]));
    } finally {
      dense.dispose();
    }
  });

  test('accepts plain keep-bits by BatchNorm name; a group it does not name keeps every channel', async () => {
    const { dense, mask } = await prepared(spec);
    const bn1 = mask.layers.find((l) => l.layer === 'bn1')!;
    const { model: slim, kept } = slimModel(dense, spec, { bn1: Uint8Array.from(bn1.keep) });
    try {
      assert.deepEqual(kept.bn1, { kept: bn1.kept, total: bn1.total });
      assert.deepEqual(kept.bn2, { kept: 16, total: 16 });
      assert.equal(outChannels(slim, 'conv1'), bn1.kept);
      assert.equal(outChannels(slim, 'conv2'), 16);
    } finally {
      dense.dispose();
      slim.dispose();
    }
  });

  test('slims an already slim model again (its spec carries channels)', async () => {
    const { dense, mask } = await prepared(spec);
    const first = slimModel(dense, spec, mask);
    const secondMask = channelMask(await gammaLayers(first.model), 0.3);
    const second = slimModel(first.model, first.spec, secondMask);
    const input = randomInput(spec, 9);
    try {
      zeroPrunedChannels(first.model, secondMask);
      const difference = maxAbsDifference(logitsOf(second.model, input), logitsOf(first.model, input));
      assert.ok(difference < 1e-4, `max difference ${difference}`);
      for (const l of secondMask.layers) assert.equal(second.kept[l.layer]!.kept, l.kept);
    } finally {
      tf.dispose(input);
      for (const m of [dense, first.model, second.model]) m.dispose();
    }
  });

  test('rejects a mask that empties a layer, with the layer named', async () => {
    const { dense, mask } = await prepared(spec);
    const tensorsBefore = tf.memory().numTensors;
    try {
      const bn2Total = mask.layers.find((l) => l.layer === 'bn2')!.total;
      assert.throws(
        () => slimModel(dense, spec, { bn2: new Uint8Array(bn2Total) }),
        (error: unknown) =>
          error instanceof SurgeryError && /keeps 0 of 16 channels of "bn2"/.test(error.message) && /at least one channel/.test(error.message),
      );
      assert.throws(() => zeroPrunedChannels(dense, { bn2: new Uint8Array(bn2Total) }), SurgeryError);
      assert.equal(tf.memory().numTensors, tensorsBefore);
    } finally {
      dense.dispose();
    }
  });

  test('rejects a mask of the wrong length or naming a layer that is not prunable', async () => {
    const { dense } = await prepared(spec);
    try {
      assert.throws(() => slimModel(dense, spec, { bn2: new Uint8Array(15).fill(1) }), /has 15 entries but the layer has 16 channels/);
      assert.throws(() => slimModel(dense, spec, { fc1: new Uint8Array(120).fill(1) }), /"fc1", which is not a prunable BatchNorm/);
    } finally {
      dense.dispose();
    }
  });

  test('gammaLayers reads the γ of each prunable BatchNorm, in model order, as a copy, in one read', async () => {
    const { dense } = await prepared(SPECS['resnet-s']);
    try {
      // One read of the backend for all layers (each read drains the queue on webgpu), and no tensor left behind.
      const backend = tf.engine().backend as { read: (id: object) => Promise<unknown> };
      const read = backend.read;
      let reads = 0;
      backend.read = (id) => { reads += 1; return read.call(backend, id); };
      const tensorsBefore = tf.memory().numTensors;
      let layers;
      try {
        layers = await gammaLayers(dense);
      } finally {
        backend.read = read;
      }
      assert.equal(reads, 1);
      assert.equal(tf.memory().numTensors, tensorsBefore);
      for (const l of layers) assert.deepEqual(l.gamma, Float32Array.from(dense.getLayer(l.layer).getWeights()[0]!.dataSync()), l.layer);
      // resnet-s: only the channels inside a residual block (conv1, gated by bn2) are prunable.
      assert.deepEqual(layers.map((l) => l.layer), ['stage1_block1_bn2', 'stage2_block1_bn2', 'stage3_block1_bn2']);
      const live = dense.getLayer('stage1_block1_bn2').getWeights()[0]!.dataSync();
      assert.deepEqual(layers[0]!.gamma, Float32Array.from(live));
      assert.notEqual(layers[0]!.gamma.buffer, live.buffer);
    } finally {
      dense.dispose();
    }
  });
});
