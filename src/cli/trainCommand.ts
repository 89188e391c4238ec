/**
 * `earlybird train`: train one model on one dataset and print progress and the test accuracy.
 * With --json the last line is one JSON object (backend, testAccuracy, epochs, seconds, workers).
 */
import { parseArgs } from 'node:util';
import { selectBackend } from '../backend/selectBackend.ts';
import { checkFitsModel, loadData } from '../data/load.ts';
import { optimizerOf, scheduleOf } from '../core/config.ts';
import { buildModel, modelStats, type ModelName } from '../models/index.ts';
import { evaluate } from '../train/evaluate.ts';
import { train } from '../train/loop.ts';
import { workersFor } from '../train/parallel/cores.ts';
import { shardSizes } from '../train/parallel/dataParallelStep.ts';
import { estimateTrainingMemory, memoryLimit, memoryRefusal } from '../train/memory.ts';
import { ProgressReporter } from '../train/progress.ts';
import { UsageError } from './args.ts';
import { configFromFlags, flagHelp, parseArgsOptions, type ConfigFlag } from './configFlags.ts';
import { option, optionsHelp, parseArgsSpec, parseOptions } from './options.ts';
import { z } from 'zod';

/** The flags of `earlybird train`, each a view of one config field (type, bounds, default from the schema). */
export const TRAIN_FLAGS: readonly ConfigFlag[] = [
  { flag: 'model', path: ['model', 'name'], help: 'the network', placeholder: 'name' },
  { flag: 'data', path: ['data', 'spec'], help: 'mnist | fashion-mnist:<dir> | cifar10:<dir> | idx:<dir> | mnist:<dir>', placeholder: 'spec' },
  { flag: 'epochs', path: ['training', 'epochs'], help: 'planned epochs', placeholder: 'n' },
  { flag: 'batch-size', path: ['training', 'batchSize'], help: 'images per batch', placeholder: 'n' },
  { flag: 'lr', path: ['training', 'learningRate'], help: 'base learning rate, ×gamma at each milestone', placeholder: 'x' },
  { flag: 'optimizer', path: ['training', 'optimizer'], help: 'sgd with momentum, or adam', placeholder: 'name' },
  { flag: 'weight-decay', path: ['training', 'weightDecay'], help: 'L2 weight decay', placeholder: 'x' },
  { flag: 'backend', path: ['backend'], help: 'where to train', placeholder: 'name' },
  { flag: 'workers', path: ['training', 'workers'], help: 'data-parallel replicas, one core each (unset: the usable cores on wasm)', placeholder: 'k' },
  { flag: 'seed', path: ['seed'], help: 'data order and initialisation', placeholder: 'n' },
  { flag: 'train-limit', path: ['data', 'trainLimit'], help: 'use a seeded subset of the training images', placeholder: 'n' },
  { flag: 'test-limit', path: ['data', 'testLimit'], help: 'use a seeded subset of the test images', placeholder: 'n' },
];

/** What --demo sets (flags given with it still win): a named preset, not a second set of defaults. */
export const TRAIN_DEMO = { model: { name: 'lenet5-bn' }, data: { spec: 'mnist' }, training: { epochs: 10, batchSize: 64, learningRate: 0.05 } } as const;

/** The options of `earlybird train` that are not config fields. */
export const TRAIN_OPTIONS = {
  demo: option(z.boolean().default(false), {
    help: `${TRAIN_DEMO.model.name} on the embedded MNIST digits, ${TRAIN_DEMO.training.epochs} epochs, batch ${TRAIN_DEMO.training.batchSize}, lr ${TRAIN_DEMO.training.learningRate} (no set-up, no network)`,
  }),
  json: option(z.boolean().default(false), { help: 'end with one JSON line: backend, testAccuracy, epochs, seconds' }),
};

export const TRAIN_USAGE = `earlybird train [--demo] --model <name> [--data <spec>] [options]

${optionsHelp({ demo: TRAIN_OPTIONS.demo })}
${flagHelp(TRAIN_FLAGS)}
${optionsHelp({ json: TRAIN_OPTIONS.json })}`;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...parseArgsSpec(TRAIN_OPTIONS), ...parseArgsOptions(TRAIN_FLAGS) },
    strict: true,
  }) as { values: Record<string, string | boolean | undefined> };
  if (values.help) {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return 0;
  }
  const { demo, json } = parseOptions(TRAIN_OPTIONS, values);
  if (!demo && values.model === undefined) throw new UsageError(`--model is required, or use --demo\n${TRAIN_USAGE}`);
  const config = configFromFlags(TRAIN_FLAGS, values, demo ? TRAIN_DEMO : {});
  const modelName = config.model.name as ModelName;
  const { epochs, batchSize } = config.training;
  const seed = config.seed;
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const backend = await selectBackend(config.backend);
  log(`backend: ${backend.description}`);
  for (const s of backend.skipped) log(`  skipped ${s.choice}: ${s.reason}`);
  for (const w of backend.warnings) log(`warning: ${w}`);

  const data = await loadData(config.data.spec, { seed, trainLimit: config.data.trainLimit, testLimit: config.data.testLimit });
  const inputShape: [number, number, number] = [data.train.height, data.train.width, data.train.channels];
  const model = buildModel({ name: modelName, inputShape, numClasses: data.numClasses, seed });
  checkFitsModel(data.train, inputShape, modelName);
  const stats = modelStats(model);
  log(`data: ${data.name} (${data.source}): ${data.train.count} train, ${data.validation.count} validation, ${data.test.count} test`);
  log(`model: ${modelName}, ${stats.params.toLocaleString('en')} parameters, ${(stats.flops / 1e6).toFixed(2)} MFLOP per image`);
  const memory = estimateTrainingMemory(stats, inputShape[0] * inputShape[1] * inputShape[2], batchSize, config.training.optimizer);
  const refusal = memoryRefusal(modelName, memory, batchSize, memoryLimit(backend.tfBackend));
  if (refusal) {
    model.dispose();
    throw new UsageError(refusal);
  }
  const workers = workersFor(config.training.workers);
  log(workers > 1 ? `workers: ${workers} data-parallel replicas (batch ${batchSize} split ${shardSizes(batchSize, workers).join('/')}; BatchNorm per shard)` : 'workers: 1 (one thread)');

  const controller = new AbortController();
  const onSignal = () => {
    log('\ncancelling after this batch…');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  const result = await train({
    model,
    train: data.train,
    validation: data.validation,
    numClasses: data.numClasses,
    plannedEpochs: epochs,
    batchSize,
    schedule: scheduleOf(config.training),
    optimizer: optimizerOf(config.training),
    seed,
    workers,
    signal: controller.signal,
    callbacks: [new ProgressReporter({ stream: process.stderr })],
  });
  process.off('SIGINT', onSignal);
  const test = await evaluate(model, data.test, data.numClasses);
  log(`${result.status}: ${result.epochsCompleted} epochs in ${result.seconds.toFixed(1)} s; test accuracy ${(100 * test.accuracy).toFixed(2)}% on ${test.count} images`);
  if (json) {
    process.stdout.write(`${JSON.stringify({
      backend: backend.tfBackend,
      backendDescription: backend.description,
      ...(backend.adapter ? { adapter: backend.adapter } : {}),
      model: modelName,
      data: data.name,
      testAccuracy: test.accuracy,
      epochs: result.epochsCompleted,
      seconds: result.seconds,
      status: result.status,
      workers,
    })}\n`);
  } else {
    process.stdout.write(`test accuracy: ${(100 * test.accuracy).toFixed(2)}%\n`);
  }
  model.dispose();
  return result.status === 'cancelled' ? 130 : 0;
}
