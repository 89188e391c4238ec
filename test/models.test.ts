import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  MODEL_NAMES,
  ModelSpecError,
  buildModel,
  channelPlan,
  describeModel,
  logitsModel,
  modelStats,
  prunableGroups,
  type ModelName,
  type ModelSpec,
} from '../src/models/index.ts';

const MNIST: [number, number, number] = [28, 28, 1];
const CIFAR: [number, number, number] = [32, 32, 3];

before(async () => {
  await tf.setBackend('cpu');
});

/** Builds, hands the model to `use`, and always disposes it. */
async function withModel<T>(spec: ModelSpec, use: (model: tf.LayersModel) => T | Promise<T>): Promise<T> {
  const model = buildModel(spec);
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function predict(model: tf.LayersModel, input: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync() as Float32Array);
}

/** Output channels of a Conv2D/Dense layer, read from its kernel. */
function outChannels(model: tf.LayersModel, layerName: string): number {
  const kernel = model.getLayer(layerName).getWeights()[0]!;
  return kernel.shape[kernel.shape.length - 1]!;
}

describe('buildModel', () => {
  for (const name of MODEL_NAMES) {
    for (const inputShape of [MNIST, CIFAR]) {
      test(`${name} on ${inputShape.join('x')} gives [batch, classes] probabilities`, async () => {
        await withModel({ name, inputShape, numClasses: 7, seed: 3 }, (model) => {
          const input = tf.randomNormal([2, ...inputShape], 0, 1, 'float32', 11);
          const output = model.predict(input) as tf.Tensor;
          assert.deepEqual(output.shape, [2, 7]);
          const rowSums = output.sum(1).dataSync();
          for (const s of rowSums) assert.ok(Math.abs(s - 1) < 1e-5, `softmax row sums to ${s}`);
          tf.dispose([input, output]);
        });
      });
    }
  }

  test('every conv has no bias and feeds a BatchNorm as the next op inside its block', async () => {
    for (const name of MODEL_NAMES) {
      await withModel({ name, inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
        for (const layer of model.layers.filter((l) => l.getClassName() === 'Conv2D')) {
          assert.equal((layer.getConfig() as { useBias: boolean }).useBias, false, `${name}/${layer.name} has a bias`);
          // Follow the output through residual adds (pre-activation ResNet) to the next BN.
          let reader = layer.outboundNodes.map((n) => n.outboundLayer);
          while (reader.length > 0 && reader.every((r) => r.getClassName() === 'Add')) {
            reader = reader.flatMap((r) => r.outboundNodes.map((n) => n.outboundLayer));
          }
          assert.ok(
            reader.some((r) => r.getClassName() === 'BatchNormalization'),
            `${name}/${layer.name} is not followed by BatchNorm`,
          );
        }
      });
    }
  });

  test('the same seed gives identical weights, another seed different ones', async () => {
    for (const name of MODEL_NAMES) {
      const spec: ModelSpec = { name, inputShape: [16, 16, 3], numClasses: 5, seed: 42 };
      const first = await withModel(spec, weightValues);
      const again = await withModel(spec, weightValues);
      const other = await withModel({ ...spec, seed: 43 }, weightValues);
      assert.equal(first.length, again.length);
      first.forEach((w, i) => assert.deepEqual(again[i], w, `${name}: weight ${i} differs for the same seed`));
      assert.ok(
        first.some((w, i) => w.some((v, j) => v !== other[i]![j])),
        `${name}: seeds 42 and 43 gave the same weights`,
      );
    }
  });

  test('seed 0 is deterministic too (TF.js would treat a raw 0 as "no seed")', async () => {
    const spec: ModelSpec = { name: 'tiny', inputShape: MNIST, numClasses: 10, seed: 0 };
    assert.deepEqual(await withModel(spec, weightValues), await withModel(spec, weightValues));
  });

  test('layer names are stable and meaningful', async () => {
    await withModel({ name: 'resnet-s', inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
      const names = new Set(model.layers.map((l) => l.name));
      for (const expected of [
        'stem_conv',
        'stage1_block1_bn1',
        'stage1_block1_conv1',
        'stage1_block1_bn2',
        'stage1_block1_conv2',
        'stage2_block1_shortcut',
        'stage3_block3_add',
        'final_bn',
        'global_pool',
        'logits',
        'probs',
      ]) {
        assert.ok(names.has(expected), `resnet-s lacks ${expected}`);
      }
      // Stage 1 keeps its shape, so its first block has an identity shortcut.
      assert.ok(!names.has('stage1_block1_shortcut'));
      assert.equal(model.getLayer('stage2_block1_conv1').outputShape.slice(1).join('x'), '16x16x32');
    });
    await withModel({ name: 'vgg-s', inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
      assert.deepEqual(
        model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name),
        ['stage1_conv1', 'stage1_conv2', 'stage2_conv1', 'stage2_conv2', 'stage3_conv1', 'stage3_conv2'],
      );
    });
  });

  test('depth sets blocks per stage (resnet-s), convs per stage (vgg-s), hidden layers (mlp)', async () => {
    const base = { inputShape: CIFAR, numClasses: 10, seed: 1 } as const;
    assert.equal(Object.keys(channelPlan({ ...base, name: 'resnet-s', depth: 1 })).length, 3);
    assert.equal(Object.keys(channelPlan({ ...base, name: 'resnet-s' })).length, 9);
    assert.equal(Object.keys(channelPlan({ ...base, name: 'vgg-s', depth: 3 })).length, 9);
    assert.deepEqual(channelPlan({ ...base, name: 'mlp', depth: 3 }), { dense1: 256, dense2: 128, dense3: 64 });
    await withModel({ ...base, name: 'resnet-s', depth: 1 }, (model) => {
      const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D').length;
      assert.equal(convs, 1 + 3 * 2 + 2); // stem + 2 per block + 2 projections
    });
  });

  test('width multiplies every planned width', () => {
    assert.deepEqual(channelPlan({ name: 'tiny', inputShape: MNIST, numClasses: 10, seed: 1, width: 0.5 }), {
      conv1: 8,
      conv2: 16,
    });
  });
});

describe('spec validation', () => {
  const ok: ModelSpec = { name: 'tiny', inputShape: MNIST, numClasses: 10, seed: 1 };

  test('an unknown model name lists the known ones', () => {
    assert.throws(
      () => buildModel({ ...ok, name: 'resnet-50' as ModelName }),
      (err: Error) => err instanceof ModelSpecError && MODEL_NAMES.every((n) => err.message.includes(n)),
    );
  });

  test('an input too small for the pooling depth says so', () => {
    assert.throws(() => buildModel({ ...ok, name: 'vgg-s', inputShape: [4, 32, 3] }), /too small.*halves the input 3 times.*8x8/);
    assert.throws(() => buildModel({ ...ok, name: 'lenet5-bn', inputShape: [11, 11, 1] }), /too small.*12x12/);
    assert.doesNotThrow(() => buildModel({ ...ok, name: 'lenet5-bn', inputShape: [12, 12, 1] }).dispose());
  });

  test('other bad fields are named', () => {
    assert.throws(() => buildModel({ ...ok, inputShape: [28, 28] as unknown as [number, number, number] }), /inputShape/);
    assert.throws(() => buildModel({ ...ok, numClasses: 1 }), /numClasses/);
    assert.throws(() => buildModel({ ...ok, seed: 1.5 }), /seed/);
    assert.throws(() => buildModel({ ...ok, width: 0 }), /width/);
    assert.throws(() => buildModel({ ...ok, depth: 2 }), /tiny has a fixed depth.*resnet-s/);
    assert.throws(() => buildModel({ ...ok, name: 'vgg-s', depth: 0 }), /depth must be a positive integer/);
    assert.throws(() => buildModel({ ...ok, batchNorm: false }), /batchNorm is an mlp option/);
    assert.throws(() => buildModel({ ...ok, channels: { conv9: 4 } }), /unknown layer "conv9".*conv1, conv2/);
    assert.throws(() => buildModel({ ...ok, channels: { conv1: 0 } }), /channels.conv1 must be a positive integer/);
  });

  test('residual-path channels of resnet-s cannot be overridden', () => {
    assert.throws(
      () => channelPlan({ name: 'resnet-s', inputShape: CIFAR, numClasses: 10, seed: 1, channels: { stage1_block1_conv2: 8 } }),
      /unknown layer "stage1_block1_conv2"/,
    );
  });
});

describe('describeModel', () => {
  test('gives one line per model, starting with its name', () => {
    for (const name of MODEL_NAMES) {
      const line = describeModel(name);
      assert.ok(line.startsWith(`${name}: `), line);
      assert.ok(!line.includes('\n'));
    }
  });
});

describe('modelStats', () => {
  test('tiny on 28x28x1: 1,031,744 MACs = 2.06 MFLOP', async () => {
    await withModel({ name: 'tiny', inputShape: MNIST, numClasses: 10, seed: 1 }, (model) => {
      const stats = modelStats(model);
      // conv1 28·28·16·3·3·1 + conv2 14·14·32·3·3·16 + dense 7·7·32·10
      assert.equal(stats.flops, 2 * (112_896 + 903_168 + 15_680));
      assert.equal(stats.flops, 2_063_488);
      const byName = Object.fromEntries(stats.layers.map((l) => [l.name, l]));
      assert.equal(byName.conv1!.flops, 2 * 112_896);
      assert.deepEqual(byName.conv1!.outputShape, [28, 28, 16]);
      assert.deepEqual(byName.pool2!.outputShape, [7, 7, 32]);
      assert.equal(byName.bn1!.flops, 0);
      // conv 144 + bn 4·16 + conv 4608 + bn 4·32 + dense 1568·10 + 10
      assert.equal(stats.params, 20_634);
      assert.equal(stats.params, model.countParams());
    });
  });

  test('vgg-s on 32x32x3: 77.3 MFLOP', async () => {
    await withModel({ name: 'vgg-s', inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
      const stats = modelStats(model);
      assert.equal(stats.flops, 77_307_904);
      assert.equal((stats.flops / 1e6).toFixed(1), '77.3');
      assert.equal(stats.params, model.countParams());
    });
  });

  test('params match model.countParams() for every model', async () => {
    for (const name of MODEL_NAMES) {
      await withModel({ name, inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
        const stats = modelStats(model);
        assert.equal(stats.params, model.countParams(), name);
        assert.ok(stats.flops > 0);
        assert.ok(!stats.layers.some((l) => l.type === 'InputLayer'));
      });
    }
  });
});

describe('channel overrides (slim copies)', () => {
  test('vgg-s with fewer channels has those widths and fewer params and FLOPs', async () => {
    const spec: ModelSpec = { name: 'vgg-s', inputShape: CIFAR, numClasses: 10, seed: 1 };
    const channels = { stage1_conv1: 8, stage2_conv2: 20, stage3_conv2: 50 };
    const full = await withModel(spec, modelStats);
    await withModel({ ...spec, channels }, (slim) => {
      for (const [layer, width] of Object.entries(channels)) assert.equal(outChannels(slim, layer), width);
      assert.equal(outChannels(slim, 'stage1_conv2'), 32); // untouched layers keep the plan
      assert.equal(slim.getLayer('stage2_bn2').getWeights()[0]!.shape[0], 20);
      const stats = modelStats(slim);
      assert.ok(stats.params < full.params, `${stats.params} >= ${full.params}`);
      assert.ok(stats.flops < full.flops);
      assert.deepEqual(channelPlan({ ...spec, channels }), { ...channelPlan(spec), ...channels });
      const input = tf.zeros([1, ...CIFAR]);
      assert.equal(predict(slim, input).length, 10);
      input.dispose();
    });
  });

  test('resnet-s block-internal channels can be slimmed', async () => {
    const spec: ModelSpec = { name: 'resnet-s', inputShape: CIFAR, numClasses: 10, seed: 1, depth: 1 };
    const fullParams = await withModel(spec, (m) => m.countParams());
    await withModel({ ...spec, channels: { stage2_block1_conv1: 7 } }, (slim) => {
      assert.equal(outChannels(slim, 'stage2_block1_conv1'), 7);
      assert.equal(slim.getLayer('stage2_block1_conv2').getWeights()[0]!.shape[2], 7);
      assert.equal(outChannels(slim, 'stage2_block1_conv2'), 32);
      assert.ok(slim.countParams() < fullParams);
    });
  });
});

describe('prunableGroups', () => {
  test('names existing layers: a producer, its gating BN, and the readers of its channels', async () => {
    for (const name of MODEL_NAMES) {
      const spec: ModelSpec = { name, inputShape: CIFAR, numClasses: 10, seed: 1 };
      await withModel(spec, (model) => {
        const groups = prunableGroups(model);
        assert.ok(groups.length > 0, name);
        for (const group of groups) {
          assert.ok(['Conv2D', 'Dense'].includes(model.getLayer(group.conv).getClassName()), group.conv);
          assert.equal(model.getLayer(group.bn).getClassName(), 'BatchNormalization');
          assert.ok(group.consumers.length > 0);
          for (const consumer of group.consumers) assert.ok(model.getLayer(consumer));
          // The BN is as wide as the producer.
          assert.equal(model.getLayer(group.bn).getWeights()[0]!.shape[0], outChannels(model, group.conv));
        }
        // Exactly the layers of the channel plan are prunable, and a spec gives the same answer.
        assert.deepEqual(groups.map((g) => g.conv), Object.keys(channelPlan(spec)));
        assert.deepEqual(prunableGroups(spec), groups);
      });
    }
  });

  test('resnet-s prunes only inside blocks, never the residual sum', async () => {
    const groups = prunableGroups({ name: 'resnet-s', inputShape: CIFAR, numClasses: 10, seed: 1 });
    assert.equal(groups.length, 9);
    assert.deepEqual(groups[3], { conv: 'stage2_block1_conv1', bn: 'stage2_block1_bn2', consumers: ['stage2_block1_conv2'] });
    assert.ok(groups.every((g) => /_conv1$/.test(g.conv)));
  });

  test('vgg-s channels before the classifier reach the dense layer through flatten', () => {
    const groups = prunableGroups({ name: 'vgg-s', inputShape: CIFAR, numClasses: 10, seed: 1 });
    assert.deepEqual(groups.at(-1), { conv: 'stage3_conv2', bn: 'stage3_bn2', consumers: ['logits'] });
  });

  test('an mlp without BatchNorm has nothing to prune', () => {
    assert.deepEqual(prunableGroups({ name: 'mlp', inputShape: MNIST, numClasses: 10, seed: 1, batchNorm: false }), []);
  });
});

describe('export and reload', () => {
  test('a model saved to memory loads with identical predictions', async () => {
    for (const name of ['tiny', 'resnet-s'] as const) {
      await withModel({ name, inputShape: CIFAR, numClasses: 10, seed: 5, depth: name === 'resnet-s' ? 1 : undefined }, async (model) => {
        let saved: tf.io.ModelArtifacts | undefined;
        await model.save(
          tf.io.withSaveHandler(async (artifacts) => {
            saved = artifacts;
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }),
        );
        assert.ok(saved);
        const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
        try {
          const input = tf.randomNormal([3, ...CIFAR], 0, 1, 'float32', 7);
          assert.deepEqual(predict(loaded, input), predict(model, input));
          input.dispose();
          assert.deepEqual(
            loaded.layers.map((l) => l.name),
            model.layers.map((l) => l.name),
          );
          assert.deepEqual(prunableGroups(loaded), prunableGroups(model));
          assert.deepEqual(modelStats(loaded), modelStats(model));
        } finally {
          loaded.dispose();
        }
      });
    }
  });
});

describe('logitsModel', () => {
  test('shares weights and gives the scores before the softmax', async () => {
    await withModel({ name: 'tiny', inputShape: MNIST, numClasses: 10, seed: 1 }, (model) => {
      const logits = logitsModel(model);
      assert.equal(logits.countParams(), model.countParams());
      const input = tf.randomNormal([2, ...MNIST], 0, 1, 'float32', 3);
      const fromLogits = tf.tidy(() => tf.softmax(logits.predict(input) as tf.Tensor).dataSync());
      const probs = predict(model, input);
      fromLogits.forEach((p, i) => assert.ok(Math.abs(p - probs[i]!) < 1e-6));
      input.dispose();
    });
  });
});

describe('the paper networks', () => {
  test('vgg16: the reference cfg of 13 convs, 4 max-pools, a global average pool and one dense layer; 626.4 MFLOP at 32x32', async () => {
    await withModel({ name: 'vgg16', inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
      const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
      assert.deepEqual(convs.map((l) => outChannels(model, l.name)), [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]);
      assert.deepEqual(
        model.layers.filter((l) => l.getClassName() === 'MaxPooling2D').map((l) => l.name),
        ['stage1_pool', 'stage2_pool', 'stage3_pool', 'stage4_pool'],
      );
      assert.equal(model.getLayer('stage5_conv3').outputShape.slice(1).join('x'), '2x2x512');
      assert.equal(model.getLayer('global_pool').getClassName(), 'GlobalAveragePooling2D');
      // The classifier is one Linear(512, classes), as in the reference: no hidden dense layer.
      assert.deepEqual(model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.name), ['logits']);
      assert.deepEqual(model.getLayer('logits').getWeights()[0]!.shape, [512, 10]);
      const stats = modelStats(model);
      assert.equal(stats.flops, 2 * 313_201_664);
      assert.equal(stats.params, 14_732_490);
      assert.equal(prunableGroups(model).length, 13);
      assert.deepEqual(prunableGroups(model).at(-1), { conv: 'stage5_conv3', bn: 'stage5_bn3', consumers: ['logits'] });
    });
  });

  test('vgg16 and the preresnets start as the reference code does: γ = 0.5, He fan-out convs; vgg16 logits N(0, 0.01²)', async () => {
    const std = (values: Float32Array) => {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    };
    await withModel({ name: 'vgg16', inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
      assert.ok(model.getLayer('stage3_bn2').getWeights()[0]!.dataSync().every((g) => g === 0.5));
      // TF.js truncates the normal at 2σ (std 0.88σ). The first conv's fan-out (9·64) and fan-in (9·3)
      // differ 21-fold, so its spread says which one set σ = sqrt(2 / fan).
      const stem = std(model.getLayer('stage1_conv1').getWeights()[0]!.dataSync() as Float32Array);
      assert.ok(Math.abs(stem / (0.88 * Math.sqrt(2 / (9 * 64))) - 1) < 0.1, `stage1_conv1 std ${stem}`);
      const logits = std(model.getLayer('logits').getWeights()[0]!.dataSync() as Float32Array);
      assert.ok(Math.abs(logits / 0.01 - 1) < 0.1, `logits std ${logits}`);
    });
    await withModel({ name: 'preresnet20', inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
      assert.ok(model.getLayer('stage2_block1_bn2').getWeights()[0]!.dataSync().every((g) => g === 0.5));
    });
    await withModel({ name: 'resnet-s', inputShape: CIFAR, numClasses: 10, seed: 1 }, (model) => {
      assert.ok(model.getLayer('stage2_block1_bn2').getWeights()[0]!.dataSync().every((g) => g === 1), 'resnet-s keeps γ = 1');
    });
  });

  test('preresnet20/56/110: 3, 9, 18 basic blocks per stage (6n + 2 weighted layers), the block-internal channels prunable', () => {
    for (const [name, blocks] of [['preresnet20', 3], ['preresnet56', 9], ['preresnet110', 18]] as const) {
      const spec: ModelSpec = { name, inputShape: CIFAR, numClasses: 10, seed: 1 };
      const model = buildModel(spec);
      try {
        const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
        const projections = convs.filter((l) => l.name.endsWith('_shortcut')).length;
        assert.equal(projections, 2);
        assert.equal(convs.length - projections + 1, 6 * blocks + 2, `${name}: stem + 2 per block + the dense layer`);
        assert.equal(prunableGroups(model).length, 3 * blocks);
        assert.deepEqual(Object.keys(channelPlan(spec)), prunableGroups(model).map((g) => g.conv));
      } finally {
        model.dispose();
      }
      assert.throws(() => buildModel({ ...spec, depth: 2 }), new RegExp(`${name} has a fixed depth`));
    }
  });
});
