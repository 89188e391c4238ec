/**
 * Whether this machine gives the same work the same time: the demo's dense network, warmed up, trains
 * the demo's images for a few epochs in one process with nothing else of earlybird's running, at a
 * constant learning rate, and each epoch's wall time and training-thread CPU time are printed. The
 * like-for-like check compares phases minutes apart, so its 10 % range only means something on a
 * machine whose epochs of identical work stay within about that of each other; `npm run
 * bench:energy` runs this before and after its runs and prints the spread beside its figures.
 *
 *   node --import tsx bench/speedControl.ts [--epochs 6] [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { selectBackend } from '../src/backend/selectBackend.ts';
import { demoConfig, optimizerOf } from '../src/core/config.ts';
import { loadData } from '../src/data/load.ts';
import { warmUpNetwork } from '../src/experiment/warmUp.ts';
import { buildModel } from '../src/models/index.ts';
import { median } from '../src/prune/speedup.ts';
import { train } from '../src/train/loop.ts';
import { Optimizer } from '../src/train/optimizer.ts';

/** What `--json` prints (bench/energy.ts reads it). */
export interface SpeedControl {
  epochSeconds: number[];
  /** Training-thread CPU seconds per epoch (Linux schedstat); null where it cannot be read. */
  threadCpuSeconds: number[] | null;
  median: number;
  /** (slowest − fastest) / median of the epochs' wall times. */
  spread: number;
}

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '6' }, json: { type: 'boolean' } } });
const epochs = Number(values.epochs);
if (!Number.isInteger(epochs) || epochs < 2) throw new Error(`--epochs: expected a whole number of at least 2, got ${values.epochs}`);

const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const threadCpu = existsSync(schedstat) ? () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e9 : null;

await selectBackend('wasm');
const config = demoConfig();
const data = await loadData(config.data.spec, {
  seed: config.seed, trainLimit: config.data.trainLimit, testLimit: config.data.testLimit, validationFraction: config.data.validationFraction,
});
const model = buildModel({ name: config.model.name as 'lenet5-bn', inputShape: [data.train.height, data.train.width, data.train.channels], numClasses: data.numClasses, seed: config.seed });
await warmUpNetwork({ model, data, training: config.training, seed: config.seed });
const optimizer = new Optimizer(optimizerOf(config.training));
const epochSeconds: number[] = [];
const cpuSeconds: number[] = [];
for (let epoch = 0; epoch < epochs; epoch++) {
  const wall = performance.now();
  const cpu = threadCpu?.() ?? 0;
  await train({
    model, train: data.train, numClasses: data.numClasses, plannedEpochs: epochs, startEpoch: epoch, endEpoch: epoch + 1,
    batchSize: config.training.batchSize, workers: 1, optimizer, seed: config.seed,
    // One learning rate throughout: every epoch is the same work.
    schedule: { baseLearningRate: config.training.learningRate / 10, milestones: [], gamma: 1 },
  });
  epochSeconds.push((performance.now() - wall) / 1000);
  if (threadCpu) cpuSeconds.push(threadCpu() - cpu);
}
const middle = median(epochSeconds);
const result: SpeedControl = {
  epochSeconds, threadCpuSeconds: threadCpu ? cpuSeconds : null, median: middle, spread: (Math.max(...epochSeconds) - Math.min(...epochSeconds)) / middle,
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`epochs of identical work (${config.model.name}, ${data.train.count} images): ${epochSeconds.map((s) => s.toFixed(2)).join(', ')} s`);
  if (result.threadCpuSeconds) console.log(`training thread's CPU time: ${result.threadCpuSeconds.map((s) => s.toFixed(2)).join(', ')} s`);
  console.log(`spread (slowest − fastest) / median: ${(result.spread * 100).toFixed(1)} %`);
}
optimizer.dispose();
model.dispose();
