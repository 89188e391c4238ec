/**
 * `earlybird train`: train one model on one dataset and print progress and the test accuracy.
 * With --json the last line is one JSON object (backend, testAccuracy, epochs, seconds, workers).
 */
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../backend/selectBackend.ts';
import { checkFitsModel, loadData } from '../data/load.ts';
import { buildModel, isModelName, MODEL_NAMES, modelStats } from '../models/index.ts';
import { evaluate } from '../train/evaluate.ts';
import { train } from '../train/loop.ts';
import { workersFor } from '../train/parallel/cores.ts';
import { shardSizes } from '../train/parallel/dataParallelStep.ts';
import { DEFAULT_OPTIMIZER } from '../train/optimizer.ts';
import { ProgressReporter } from '../train/progress.ts';
import { EB_SCHEDULE } from '../train/schedule.ts';
import { choiceFlag, intFlag, numberFlag, UsageError } from './args.ts';

export const TRAIN_USAGE = `earlybird train [--demo] --model <name> --data <spec> [options]

  --demo               lenet5-bn on the embedded MNIST digits (no set-up, no network)
  --model <name>       ${MODEL_NAMES.join(' | ')}
  --data <spec>        mnist | fashion-mnist:<dir> | cifar10:<dir> | idx:<dir> | mnist:<dir>
  --epochs <n>         planned epochs (default 10)
  --batch-size <n>     default 128
  --lr <x>             base learning rate (default 0.1, ×0.1 at 50 % and 75 % of the epochs)
  --optimizer <name>   sgd (momentum 0.9, weight decay 1e-4) | adam
  --weight-decay <x>   default 1e-4
  --backend <name>     ${BACKEND_CHOICES.join(' | ')} (default auto)
  --workers <k>        data-parallel replicas, one core each (default: the usable cores on wasm)
  --seed <n>           default 1
  --train-limit <n>    use a seeded subset of the training images
  --test-limit <n>     use a seeded subset of the test images
  --json               end with one JSON line: backend, testAccuracy, epochs, seconds`;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      demo: { type: 'boolean' },
      model: { type: 'string' },
      data: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      'weight-decay': { type: 'string' },
      backend: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      'train-limit': { type: 'string' },
      'test-limit': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return 0;
  }
  const demo = values.demo ?? false;
  const modelName = values.model ?? (demo ? 'lenet5-bn' : undefined);
  const dataSpec = values.data ?? (demo ? 'mnist' : undefined);
  if (!modelName) throw new UsageError(`--model is required (one of ${MODEL_NAMES.join(', ')}), or use --demo`);
  if (!isModelName(modelName)) throw new UsageError(`--model: unknown "${modelName}"; expected one of ${MODEL_NAMES.join(', ')}`);
  if (!dataSpec) throw new UsageError('--data is required (e.g. mnist, fashion-mnist:<dir>, cifar10:<dir>), or use --demo');
  const epochs = intFlag('epochs', values.epochs, 10);
  const batchSize = intFlag('batch-size', values['batch-size'], demo ? 64 : 128);
  const learningRate = numberFlag('lr', values.lr, demo ? 0.05 : 0.1);
  const optimizerKind = choiceFlag('optimizer', values.optimizer, ['sgd', 'adam'] as const, 'sgd');
  const weightDecay = numberFlag('weight-decay', values['weight-decay'], DEFAULT_OPTIMIZER.weightDecay);
  const backendChoice = choiceFlag('backend', values.backend, BACKEND_CHOICES, 'auto') as BackendChoice;
  const seed = intFlag('seed', values.seed, 1, 0);
  const trainLimit = values['train-limit'] === undefined ? undefined : intFlag('train-limit', values['train-limit'], 0);
  const testLimit = values['test-limit'] === undefined ? undefined : intFlag('test-limit', values['test-limit'], 0);
  const requestedWorkers = values.workers === undefined ? undefined : intFlag('workers', values.workers, 1, 1);
  const json = values.json ?? false;
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const backend = await selectBackend(backendChoice);
  log(`backend: ${backend.description}`);
  for (const s of backend.skipped) log(`  skipped ${s.choice}: ${s.reason}`);
  for (const w of backend.warnings) log(`warning: ${w}`);

  const data = await loadData(dataSpec, { seed, trainLimit, testLimit });
  const inputShape: [number, number, number] = [data.train.height, data.train.width, data.train.channels];
  const model = buildModel({ name: modelName, inputShape, numClasses: data.numClasses, seed });
  checkFitsModel(data.train, inputShape, modelName);
  const stats = modelStats(model);
  log(`data: ${data.name} (${data.source}): ${data.train.count} train, ${data.validation.count} validation, ${data.test.count} test`);
  log(`model: ${modelName}, ${stats.params.toLocaleString('en')} parameters, ${(stats.flops / 1e6).toFixed(2)} MFLOP per image`);
  const workers = workersFor(requestedWorkers);
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
    schedule: { baseLearningRate: learningRate, ...EB_SCHEDULE },
    optimizer: { ...DEFAULT_OPTIMIZER, kind: optimizerKind, weightDecay },
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
