/**
 * Training throughput of the two benchmark models on every available backend, next to the
 * PyTorch reference (bench/reference_torch.py, Debian's python3-torch) at the same thread count.
 *
 *   npm run bench:train -- [--json] [--backends wasm,cpu,webgpu] [--models tiny,vgg-s] [--no-torch]
 *                          [--repeats 3] [--no-profile] [--memory-epoch] [--workers 1,2]
 *                          [--webgpu-batches 128,256] [--webgpu-steps N]
 *
 * On wasm there is one row per data-parallel worker count K (default 1 to the usable cores), each
 * with PyTorch at K threads measured in the same run, and the scaling efficiency
 * ips(K) / (K · ips(1)). The machine's load average is printed before and after, with a warning
 * when the machine was busy: then every figure is low, and only ratios within the run mean much.
 *
 * Images per second come from the real training loop (`train()`) on synthetic images, median of
 * `--repeats` epochs after a warm-up epoch; GFLOP/s = 3 × forward FLOPs × images/s (training ≈
 * forward + two backward convolutions). The cpu backend is about 35x slower than wasm, so it runs
 * small batches for one step: its figure is per image all the same.
 *
 * On webgpu every model is measured at each batch of the plan twice: with tfjs-backend-webgpu's
 * stock kernels (`webgpu-stock`) and with ours (`webgpu`, src/backend/webgpu/trainingKernels.ts).
 * A row is one train() call: its first step is the warm-up (pipelines compile; the loop reads the
 * loss once so progress has one), the next `--webgpu-steps` steps and the epoch-end read are
 * measured by the wall clock, with the backend's dispatches, queue submits and read-backs per step
 * counted over the same steps. Then where a step goes, per kernel (timestamp queries where the
 * adapter grants them, else each kernel call replayed and timed by the wall clock).
 *
 * PyTorch runs twice per thread count, as shipped and with `--tune-malloc` (glibc keeps freed
 * activation buffers); both are printed and every ratio is against the faster.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { selectBackend, webGpuAdapter, type BackendChoice } from '../src/backend/selectBackend.ts';
import { adapterLabel, type AdapterReport } from '../src/backend/webgpu/adapter.ts';
import { fallbackCounts } from '../src/backend/wasm/registerFastKernels.ts';
import { webGpuCounts } from '../src/backend/webgpu/counters.ts';
import { profileWebGpuStep, type KernelProfile } from '../src/backend/webgpu/kernelTimes.ts';
import { fallbackCounts as webGpuFallbackCounts, setWebGpuKernels } from '../src/backend/webgpu/trainingKernels.ts';
import { forTraining } from '../src/train/evaluate.ts';
import { trainableParams } from '../src/train/loop.ts';
import { LocalGradientStep } from '../src/train/parallel/gradientStep.ts';
import type { ImageSet } from '../src/data/types.ts';
import { loadData } from '../src/data/load.ts';
import { buildModel, modelStats, type ModelName } from '../src/models/index.ts';
import { train } from '../src/train/loop.ts';
import { DEFAULT_OPTIMIZER, Optimizer } from '../src/train/optimizer.ts';
import { EB_SCHEDULE } from '../src/train/schedule.ts';
import { mulberry32 } from '../src/random.ts';
import { usableCores } from '../src/train/parallel/cores.ts';
import { findTorchPython, TORCH_INSTALL_HINT } from './torchPython.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean' },
    backends: { type: 'string' },
    models: { type: 'string' },
    'no-torch': { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    repeats: { type: 'string', default: '3' },
    'memory-epoch': { type: 'boolean' },
    workers: { type: 'string' },
    'webgpu-batches': { type: 'string' },
    'webgpu-steps': { type: 'string' },
  },
});

/**
 * The models every backend is measured on (the default of --models). A network the registry gains
 * joins every plan, webgpu's included, with one line here.
 */
const MODELS: Record<string, { name: ModelName; input: [number, number, number] }> = {
  tiny: { name: 'tiny', input: [28, 28, 1] },
  'vgg-s': { name: 'vgg-s', input: [32, 32, 3] },
  vgg16: { name: 'vgg16', input: [32, 32, 3] },
};
/** webgpu batches: the paper's 128 and 256 on a GPU; on a software adapter the smallest the issue allows. */
const WEBGPU_BATCHES = { hardware: [128, 256], software: [16] };
/** Measured steps per webgpu row (after the warm-up step). */
const WEBGPU_STEPS = { hardware: 20, software: 10 };
const BATCH = 128;
/** Batch and steps for the slow pure-JS backend, per model. */
const CPU_BATCH: Record<string, number> = { tiny: 16, 'vgg-s': 2, vgg16: 1 };
const log = (s: string) => process.stderr.write(`${s}\n`);

function syntheticSet(count: number, [h, w, c]: [number, number, number], seed: number): ImageSet {
  const random = mulberry32(seed);
  const images = new Float32Array(count * h * w * c);
  for (let i = 0; i < images.length; i++) images[i] = random() * 2 - 1;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = Math.floor(random() * 10);
  return { images, labels, count, height: h, width: w, channels: c };
}

interface Measurement {
  model: string;
  backend: string;
  threads: number;
  batch: number;
  imagesPerSecond: number;
  gflops: number;
  torchImagesPerSecond?: number;
  torchThreads?: number;
  ratio?: number;
  /** ips(K) / (K · ips(1)) for the same model and backend. */
  scalingEfficiency?: number;
  /** PyTorch as shipped and with --tune-malloc at the same threads; the ratio is against the faster. */
  torchShippedImagesPerSecond?: number;
  torchTunedImagesPerSecond?: number;
  /** webgpu rows: per measured step, counted on the backend. */
  dispatchesPerStep?: number;
  submitsPerStep?: number;
  readbacksPerStep?: number;
  /** webgpu rows: whose kernels ran, and the adapter kind. */
  kernels?: 'stock' | 'ours';
  softwareAdapter?: boolean;
  steps?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Batch and steps per epoch for a backend: the pure-JS cpu backend and a software WebGPU adapter
 * (SwiftShader, lavapipe: the GPU emulated on the CPU at a few images per second) train small
 * batches for a step or two; their figures are per image all the same.
 */
function plan(modelKey: string, backend: string): { batch: number; stepsPerEpoch: number; epochs: (repeats: number) => number } {
  if (backend === 'cpu') return { batch: CPU_BATCH[modelKey]!, stepsPerEpoch: 1, epochs: () => 2 };
  if (backend === 'webgpu-sw') return { batch: CPU_BATCH[modelKey]!, stepsPerEpoch: 2, epochs: () => 3 };
  return { batch: BATCH, stepsPerEpoch: modelKey === 'tiny' ? 12 : 3, epochs: (repeats) => 1 + repeats };
}

/** `backend` is the row's label: 'webgpu-sw' trains on webgpu (a software adapter) with a small plan. */
async function measure(modelKey: string, backend: string, repeats: number, workers = 1): Promise<Measurement> {
  const { name, input } = MODELS[modelKey]!;
  const { batch, stepsPerEpoch, epochs } = plan(modelKey, backend);
  const model = buildModel({ name, inputShape: input, numClasses: 10, seed: 1 });
  const flops = modelStats(model).flops;
  const result = await train({
    model, train: syntheticSet(batch * stepsPerEpoch, input, 7), numClasses: 10,
    plannedEpochs: epochs(repeats), batchSize: batch, schedule: { baseLearningRate: 0.01, ...EB_SCHEDULE },
    optimizer: DEFAULT_OPTIMIZER, seed: 1, workers,
  });
  model.dispose();
  const ips = median(result.history.slice(1).map((h) => h.imagesPerSecond));
  return { model: modelKey, backend, threads: workers, batch, imagesPerSecond: ips, gflops: (3 * flops * ips) / 1e9 };
}

/**
 * One webgpu row: a train() call of 1 + `steps` steps; the first is the warm-up, the rest and the
 * epoch-end read are timed by the wall clock and their dispatches, submits and read-backs counted.
 */
async function measureWebGpu(modelKey: string, batch: number, steps: number, kernels: 'stock' | 'ours', software: boolean): Promise<Measurement> {
  const { name, input } = MODELS[modelKey]!;
  setWebGpuKernels(kernels);
  const model = buildModel({ name, inputShape: input, numClasses: 10, seed: 1 });
  const flops = modelStats(model).flops;
  let windowStart = 0;
  let countsBefore = webGpuCounts();
  let seconds = 0;
  let countsAfter = countsBefore;
  await train({
    model, train: syntheticSet(batch * (steps + 1), input, 7), numClasses: 10,
    plannedEpochs: 1, batchSize: batch, schedule: { baseLearningRate: 0.01, ...EB_SCHEDULE },
    optimizer: DEFAULT_OPTIMIZER, seed: 1,
    callbacks: [{
      onBatchEnd: (l) => {
        if (l.batch !== 0) return;
        windowStart = performance.now();
        countsBefore = webGpuCounts();
      },
      onEpochEnd: () => {
        seconds = (performance.now() - windowStart) / 1000;
        countsAfter = webGpuCounts();
      },
    }],
  });
  model.dispose();
  const ips = (steps * batch) / seconds;
  const per = (k: keyof typeof countsAfter) => (countsAfter[k] - countsBefore[k]) / steps;
  return {
    model: modelKey, backend: kernels === 'stock' ? 'webgpu-stock' : 'webgpu', threads: 1, batch,
    imagesPerSecond: ips, gflops: (3 * flops * ips) / 1e9, kernels, softwareAdapter: software, steps,
    dispatchesPerStep: per('dispatches'), submitsPerStep: per('submits'), readbacksPerStep: per('readbacks'),
  };
}

/** Per-kernel time of one training step (forward, loss, gradients, optimizer) on webgpu. */
async function profileWebGpu(modelKey: string, batch: number, kernels: 'stock' | 'ours'): Promise<KernelProfile> {
  const { name, input } = MODELS[modelKey]!;
  setWebGpuKernels(kernels);
  const model = buildModel({ name, inputShape: input, numClasses: 10, seed: 1 });
  const set = syntheticSet(batch, input, 7);
  const params = trainableParams(model);
  const local = new LocalGradientStep(forTraining(model), params.map((p) => p.variable), 10);
  const optimizer = new Optimizer(DEFAULT_OPTIMIZER);
  const step = async () => {
    const { loss, correct, grads } = await local.compute(set, { images: set.images, labels: Int32Array.from(set.labels), size: batch });
    tf.tidy(() => optimizer.apply(params, grads, 0.01));
    tf.dispose([correct as tf.Tensor, ...Object.values(grads)]);
    await (loss as tf.Tensor).data();
    (loss as tf.Tensor).dispose();
  };
  const profile = await profileWebGpuStep(step);
  optimizer.dispose();
  model.dispose();
  return profile;
}

/** The line under the table that names the WebGPU adapter, and says so when it is a CPU emulation. */
function webGpuNote(adapter: AdapterReport): string {
  return `${adapter.software ? 'webgpu-sw' : 'webgpu'}: ${adapterLabel(adapter)}${adapter.software ? ' — software adapter, the GPU emulated on the CPU: not a GPU figure' : ''}`;
}

type ProfileRow = { kernel: string; ms: number; percent: number; gflops?: number; vsForward?: number };

/**
 * Multiply-adds ×2 of a convolution kernel call, from its shapes: the forward convolution and both
 * gradients do the same work (N·Ho·Wo·Cout·kh·kw·Cin MACs), so their GFLOP/s compare directly.
 */
function convFlops(name: string, inputShapes: number[][], outputShape: number[]): number | null {
  const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  if (name === 'Conv2D' || name === 'FusedConv2D') {
    const [kh, kw, ci] = inputShapes[1]!;
    return 2 * count(outputShape) * kh! * kw! * ci!;
  }
  if (name === 'Conv2DBackpropInput') {
    const [kh, kw, ci] = inputShapes[1]!; // dy [N,Ho,Wo,Cout], filter [kh,kw,Cin,Cout]
    return 2 * count(inputShapes[0]!) * kh! * kw! * ci!;
  }
  if (name === 'Conv2DBackpropFilter') {
    const [kh, kw, ci] = outputShape; // x, dy → [kh,kw,Cin,Cout]
    return 2 * count(inputShapes[1]!) * kh! * kw! * ci!;
  }
  return null;
}

async function profile(modelKey: string): Promise<ProfileRow[]> {
  const { name, input } = MODELS[modelKey]!;
  const model = buildModel({ name, inputShape: input, numClasses: 10, seed: 1 });
  const set = syntheticSet(BATCH * 2, input, 7);
  const opts = {
    model, train: set, numClasses: 10, plannedEpochs: 1, batchSize: BATCH,
    schedule: { baseLearningRate: 0.01, ...EB_SCHEDULE }, optimizer: DEFAULT_OPTIMIZER, seed: 1,
  };
  await train(opts); // warm-up: XNNPACK operators, optimizer slots
  const info = await tf.profile(async () => {
    await train(opts);
  });
  model.dispose();
  const byKernel = new Map<string, number>();
  const flopsByKernel = new Map<string, number>();
  for (const k of info.kernels) {
    // Ops that wrap other kernels (names ending in __op) would count their children twice.
    if (k.name.endsWith('__op')) continue;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    const flops = convFlops(k.name, k.inputShapes as number[][], k.outputShapes[0] as number[]);
    if (flops !== null) flopsByKernel.set(k.name, (flopsByKernel.get(k.name) ?? 0) + flops);
  }
  const gflopsOf = (name: string) => {
    const flops = flopsByKernel.get(name);
    const ms = byKernel.get(name);
    return flops && ms ? flops / (ms * 1e6) : undefined;
  };
  const forward = gflopsOf('Conv2D') ?? gflopsOf('FusedConv2D');
  const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
  return [...byKernel.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([kernel, ms]) => {
      const gflops = gflopsOf(kernel);
      return { kernel, ms: ms / 2, percent: (100 * ms) / total, gflops, vsForward: gflops && forward ? gflops / forward : undefined };
    });
}

function runTorch(python: string, threads: number, models: string[], tuneMalloc: boolean) {
  const torchArgs = ['bench/reference_torch.py', '--threads', String(threads), '--models', models.join(','), '--json', ...(tuneMalloc ? ['--tune-malloc'] : [])];
  const out = execFileSync(python, torchArgs, {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = out.trim().split('\n').pop()!;
  return JSON.parse(last) as { torchVersion: string; models: Record<string, { imagesPerSecond: number; gflops: number }> };
}

async function memoryEpoch(): Promise<{ images: number; seconds: number; peakRssMB: number; wasmHeapMB: number | null }> {
  const dir = '/usr/share/datasets/fashion-mnist';
  if (!existsSync(dir)) throw new Error(`--memory-epoch needs ${dir} (apt-get install dataset-fashion-mnist)`);
  const data = await loadData(`fashion-mnist:${dir}`, { seed: 1 });
  const model = buildModel({ name: 'vgg-s', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  const result = await train({
    model, train: data.train, numClasses: 10, plannedEpochs: 1, batchSize: BATCH,
    schedule: { baseLearningRate: 0.1, ...EB_SCHEDULE }, optimizer: DEFAULT_OPTIMIZER, seed: 1,
    callbacks: [{ onBatchEnd: (l) => void (l.batch % 20 === 0 && log(`  memory epoch: batch ${l.batch + 1}/${l.batches}`)) }],
  });
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  model.dispose();
  return {
    images: data.train.count,
    seconds: result.seconds,
    peakRssMB: peak / 2 ** 20,
    wasmHeapMB: backend.wasm ? backend.wasm.HEAPU8.byteLength / 2 ** 20 : null,
  };
}

const models = (args.models ?? Object.keys(MODELS).join(',')).split(',').filter((m) => {
  if (!MODELS[m]) throw new Error(`--models: unknown "${m}"; expected ${Object.keys(MODELS).join(', ')}`);
  return true;
});
const repeats = Number(args.repeats);
const workerCounts = args.workers
  ? args.workers.split(',').map((k) => {
    const n = Number(k);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--workers: expected integers ≥ 1 like 1,2; got "${k}"`);
    return n;
  })
  : Array.from({ length: usableCores() }, (_, i) => i + 1);
const loadBefore = os.loadavg();
const requested = args.backends ? args.backends.split(',') : ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
const measurements: Measurement[] = [];
const skipped: { backend: string; reason: string }[] = [];
let webgpuNote: string | null = null;
const profiles: Record<string, ProfileRow[]> = {};

const webGpuProfiles: { model: string; batch: number; kernels: 'stock' | 'ours'; profile: KernelProfile }[] = [];

const positiveList = (flag: string, text: string) => text.split(',').map((t) => {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: expected integers ≥ 1 like 16,32; got "${t}"`);
  return n;
});

/** The webgpu plan: each model at each batch, with the stock kernels and with ours, then profiles. */
async function webGpuRows(adapter: AdapterReport): Promise<void> {
  const kind = adapter.software ? 'software' : 'hardware';
  const batches = args['webgpu-batches'] ? positiveList('webgpu-batches', args['webgpu-batches']) : WEBGPU_BATCHES[kind];
  const steps = args['webgpu-steps'] ? positiveList('webgpu-steps', args['webgpu-steps'])[0]! : WEBGPU_STEPS[kind];
  for (const m of models) {
    for (const batch of batches) {
      for (const kernels of ['stock', 'ours'] as const) {
        log(`  training ${m} on webgpu, batch ${batch}, ${kernels === 'stock' ? "tfjs's stock kernels" : 'our kernels'}…`);
        const row = await measureWebGpu(m, batch, steps, kernels, adapter.software);
        log(`    ${row.imagesPerSecond.toFixed(2)} img/s, per step ${row.dispatchesPerStep!.toFixed(0)} dispatches, ` +
          `${row.submitsPerStep!.toFixed(1)} submits, ${row.readbacksPerStep!.toFixed(2)} read-backs`);
        measurements.push(row);
      }
    }
    if (!args['no-profile']) {
      for (const kernels of ['stock', 'ours'] as const) {
        log(`  where a ${m} step goes on webgpu, ${kernels} kernels…`);
        webGpuProfiles.push({ model: m, batch: batches[0]!, kernels, profile: await profileWebGpu(m, batches[0]!, kernels) });
      }
    }
  }
  setWebGpuKernels('ours');
  webgpuNote = webGpuNote(adapter);
  log(webgpuNote);
}

for (const backend of requested) {
  let report;
  try {
    report = await selectBackend(backend as BackendChoice);
  } catch (error) {
    skipped.push({ backend, reason: (error as Error).message });
    continue;
  }
  log(`backend ${backend}: ${report.description}`);
  if (backend === 'webgpu' && report.adapter) {
    await webGpuRows(report.adapter);
    continue;
  }
  for (const m of models) {
    log(`  training ${m}…`);
    // Data parallelism is for wasm (one thread per replica); the others use their own threads.
    for (const k of backend === 'wasm' ? workerCounts : [1]) {
      if (k > 1) log(`  training ${m}, ${k} workers…`);
      measurements.push(await measure(m, backend, repeats, k));
    }
    if (backend === 'wasm' && !args['no-profile']) profiles[m] = await profile(m);
  }
}

// By default the WebGPU backend (Dawn) is measured wherever Dawn finds an adapter. A hardware
// adapter trains the paper's batches; a software one (SwiftShader, lavapipe) emulates the GPU on
// the CPU at a few images per second, so it gets the small plan.
if (!args.backends) {
  const probe = await webGpuAdapter();
  if (!probe.ok) skipped.push({ backend: 'webgpu', reason: probe.reason });
  else {
    const report = await selectBackend('webgpu');
    log(`backend webgpu: ${report.description}`);
    await webGpuRows(probe.adapter);
  }
}

let torchVersion: string | null = null;
type TorchModels = Record<string, { imagesPerSecond: number; gflops: number }>;
/** PyTorch per thread count, as shipped and with --tune-malloc. */
const torch: Record<number, { shipped: TorchModels; tuned: TorchModels }> = {};
const torchSearch = args['no-torch'] ? null : findTorchPython();
const python = torchSearch?.python ?? null;
/** The faster of the two PyTorch figures for a model at a thread count. */
const torchBest = (threads: number, model: string) => {
  const t = torch[threads];
  const shipped = t?.shipped[model]?.imagesPerSecond;
  const tuned = t?.tuned[model]?.imagesPerSecond;
  if (shipped === undefined && tuned === undefined) return undefined;
  return Math.max(shipped ?? 0, tuned ?? 0);
};
if (python) {
  const threadCounts = [...new Set([...measurements.map((m) => m.threads), 2])].sort((a, b) => a - b);
  for (const threads of threadCounts) {
    log(`PyTorch reference (${python}), ${threads} thread(s), as shipped and with --tune-malloc…`);
    const shipped = runTorch(python, threads, models, false);
    const tuned = runTorch(python, threads, models, true);
    torchVersion = shipped.torchVersion;
    torch[threads] = { shipped: shipped.models, tuned: tuned.models };
  }
  for (const m of measurements) {
    const best = torchBest(m.threads, m.model);
    if (best === undefined) continue;
    Object.assign(m, {
      torchImagesPerSecond: best, torchThreads: m.threads, ratio: m.imagesPerSecond / best,
      torchShippedImagesPerSecond: torch[m.threads]!.shipped[m.model]?.imagesPerSecond,
      torchTunedImagesPerSecond: torch[m.threads]!.tuned[m.model]?.imagesPerSecond,
    });
  }
} else if (!args['no-torch']) {
  skipped.push({ backend: 'pytorch', reason: TORCH_INSTALL_HINT });
}
for (const m of measurements) {
  const one = measurements.find((o) => o.model === m.model && o.backend === m.backend && o.threads === 1);
  if (one && m.threads > 1) m.scalingEfficiency = m.imagesPerSecond / (m.threads * one.imagesPerSecond);
}

const memory = args['memory-epoch'] ? await (async () => {
  await selectBackend('wasm');
  log('memory: one full Fashion-MNIST epoch on vgg-s (28x28x1)…');
  return memoryEpoch();
})() : null;

const fmt = (n: number | undefined, d = 1) => (n === undefined ? '-' : n.toFixed(d));
const lines = [
  'model   backend          workers batch   img/s  GFLOP/s  PyTorch shipped  tuned (same threads)  ours/faster  PyTorch 2 thr. (faster)  scaling',
  ...measurements.map((m) =>
    `${m.model.padEnd(7)} ${m.backend.padEnd(16)} ${String(m.threads).padStart(7)} ${String(m.batch).padStart(5)} ` +
    `${fmt(m.imagesPerSecond, m.imagesPerSecond < 10 ? 2 : 1).padStart(7)} ${fmt(m.gflops, 2).padStart(8)} ` +
    `${fmt(m.torchShippedImagesPerSecond).padStart(16)} ${fmt(m.torchTunedImagesPerSecond).padStart(21)} ` +
    `${fmt(m.ratio, 3).padStart(12)} ${fmt(torchBest(2, m.model)).padStart(24)} ` +
    `${m.scalingEfficiency === undefined ? '      -' : `${(100 * m.scalingEfficiency).toFixed(0).padStart(6)}%`}`),
];
const gpuRows = measurements.filter((m) => m.dispatchesPerStep !== undefined);
if (gpuRows.length) {
  lines.push('', `webgpu, per measured step${gpuRows[0]!.softwareAdapter ? ' (software adapter)' : ''}: model batch kernels  img/s  dispatches  submits  read-backs  ours vs stock`);
  for (const m of gpuRows) {
    const stock = gpuRows.find((o) => o.model === m.model && o.batch === m.batch && o.kernels === 'stock');
    const speedup = m.kernels === 'ours' && stock ? `${(m.imagesPerSecond / stock.imagesPerSecond).toFixed(2)}x` : '';
    lines.push(`  ${m.model.padEnd(7)} ${String(m.batch).padStart(5)} ${m.kernels!.padEnd(7)} ${fmt(m.imagesPerSecond, 2).padStart(7)} ` +
      `${fmt(m.dispatchesPerStep, 0).padStart(11)} ${fmt(m.submitsPerStep, 1).padStart(8)} ${fmt(m.readbacksPerStep, 2).padStart(11)}  ${speedup}`);
  }
}
if (python) lines.push(`PyTorch ${torchVersion}: as shipped and with --tune-malloc; every ratio is against the faster of the two`);
const loadAfter = os.loadavg();
const cores = os.cpus().length;
// Idle: the 1-minute load average below half the cores before the benchmark started.
const busy = loadBefore[0]! > 0.5 * cores;
lines.push(`load average (1/5/15 min) before ${loadBefore.map((l) => l.toFixed(2)).join('/')}, after ${loadAfter.map((l) => l.toFixed(2)).join('/')} on ${cores} cores`);
if (busy) lines.push(`WARNING: the machine was not idle (load ${loadBefore[0]!.toFixed(2)} > ${(0.5 * cores).toFixed(1)} before the run): absolute figures are low; compare ratios within this run only`);
process.stdout.write(`${lines.join('\n')}\n`);
for (const s of skipped) process.stdout.write(`skipped ${s.backend}: ${s.reason}\n`);
if (webgpuNote) process.stdout.write(`${webgpuNote}\n`);
for (const { model, batch, kernels, profile: p } of webGpuProfiles) {
  const total = p.kernels.reduce((a, k) => a + k.ms, 0);
  process.stdout.write(`\nwhere a step goes, webgpu, ${model}, batch ${batch}, ${kernels} kernels (${p.method}; ${total.toFixed(0)} ms in kernels):\n`);
  for (const k of p.kernels.slice(0, 12)) {
    process.stdout.write(`  ${k.kernel.padEnd(28)} ${k.ms.toFixed(1).padStart(9)} ms ${k.percent.toFixed(1).padStart(5)} %  ${String(k.calls).padStart(3)} calls\n`);
  }
}
const gpuFellBack = Object.entries(webGpuFallbackCounts).filter(([, n]) => n > 0);
if (gpuFellBack.length) process.stdout.write(`\nwebgpu stock-kernel fallbacks: ${gpuFellBack.map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
for (const [m, rows] of Object.entries(profiles)) {
  process.stdout.write(`\nwhere the time goes, wasm, ${m} (one step, kernel time):\n`);
  for (const r of rows) {
    const rate = r.gflops === undefined ? '' : `  ${r.gflops.toFixed(1).padStart(6)} GFLOP/s (${(100 * r.vsForward!).toFixed(0)} % of the forward convolution's)`;
    process.stdout.write(`  ${r.kernel.padEnd(24)} ${r.ms.toFixed(1).padStart(8)} ms ${r.percent.toFixed(1).padStart(5)} %${rate}\n`);
  }
}
const fellBack = Object.entries(fallbackCounts).filter(([, n]) => n > 0);
if (fellBack.length) process.stdout.write(`\nstock-kernel fallbacks: ${fellBack.map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
if (memory) {
  process.stdout.write(`\nmemory: vgg-s, one Fashion-MNIST epoch (${memory.images} images, ${memory.seconds.toFixed(0)} s): ` +
    `peak RSS ${memory.peakRssMB.toFixed(0)} MB, wasm heap ${fmt(memory.wasmHeapMB ?? undefined, 0)} MB\n`);
}
if (args.json) {
  process.stdout.write(`${JSON.stringify({ torchVersion, torchPython: python, measurements, torch, skipped, webgpu: webgpuNote, webgpuProfiles: webGpuProfiles, profiles, memory, loadBefore, loadAfter, cores, cpu: os.cpus()[0]?.model ?? null, busy })}\n`);
}
