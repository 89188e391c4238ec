/**
 * Training throughput of the two benchmark models on every available backend, next to the
 * PyTorch reference (bench/reference_torch.py, Debian's python3-torch) at the same thread count.
 *
 *   npm run bench:train -- [--json] [--backends wasm,cpu] [--models tiny,vgg-s] [--no-torch]
 *                          [--repeats 3] [--no-profile] [--memory-epoch] [--workers 1,2]
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
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { selectBackend, webGpuAdapter, type BackendChoice } from '../src/backend/selectBackend.ts';
import { adapterLabel, type AdapterReport } from '../src/backend/webgpu/adapter.ts';
import { fallbackCounts } from '../src/backend/wasm/registerFastKernels.ts';
import type { ImageSet } from '../src/data/types.ts';
import { loadData } from '../src/data/load.ts';
import { buildModel, modelStats, type ModelName } from '../src/models/index.ts';
import { train } from '../src/train/loop.ts';
import { DEFAULT_OPTIMIZER } from '../src/train/optimizer.ts';
import { EB_SCHEDULE } from '../src/train/schedule.ts';
import { mulberry32 } from '../src/random.ts';
import { usableCores } from '../src/train/parallel/cores.ts';
import { findTorchPython, TORCH_INSTALL_HINT } from './torchPython.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean' },
    backends: { type: 'string' },
    models: { type: 'string', default: 'tiny,vgg-s' },
    'no-torch': { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    repeats: { type: 'string', default: '3' },
    'memory-epoch': { type: 'boolean' },
    workers: { type: 'string' },
  },
});

const MODELS: Record<string, { name: ModelName; input: [number, number, number] }> = {
  tiny: { name: 'tiny', input: [28, 28, 1] },
  'vgg-s': { name: 'vgg-s', input: [32, 32, 3] },
};
const BATCH = 128;
/** Batch and steps for the slow pure-JS backend, per model. */
const CPU_BATCH: Record<string, number> = { tiny: 16, 'vgg-s': 2 };
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

function runTorch(python: string, threads: number, models: string[]) {
  const out = execFileSync(python, ['bench/reference_torch.py', '--threads', String(threads), '--models', models.join(','), '--json'], {
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

const models = args.models!.split(',').filter((m) => {
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

for (const backend of requested) {
  let report;
  try {
    report = await selectBackend(backend as BackendChoice);
  } catch (error) {
    skipped.push({ backend, reason: (error as Error).message });
    continue;
  }
  log(`backend ${backend}: ${report.description}`);
  const label = backend === 'webgpu' && report.adapter?.software ? 'webgpu-sw' : backend;
  if (backend === 'webgpu' && report.adapter) webgpuNote = webGpuNote(report.adapter);
  for (const m of models) {
    log(`  training ${m}…`);
    // Data parallelism is for wasm (one thread per replica); the others use their own threads.
    for (const k of backend === 'wasm' ? workerCounts : [1]) {
      if (k > 1) log(`  training ${m}, ${k} workers…`);
      measurements.push(await measure(m, label, repeats, k));
    }
    if (backend === 'wasm' && !args['no-profile']) profiles[m] = await profile(m);
  }
}

let torchVersion: string | null = null;
const torch: Record<number, Record<string, { imagesPerSecond: number; gflops: number }>> = {};
const torchSearch = args['no-torch'] ? null : findTorchPython();
const python = torchSearch?.python ?? null;
if (python) {
  const threadCounts = [...new Set([...measurements.map((m) => m.threads), 2])].sort((a, b) => a - b);
  for (const threads of threadCounts) {
    log(`PyTorch reference (${python}), ${threads} thread(s)…`);
    const r = runTorch(python, threads, models);
    torchVersion = r.torchVersion;
    torch[threads] = r.models;
  }
  for (const m of measurements) {
    const ref = torch[m.threads]?.[m.model];
    if (ref) Object.assign(m, { torchImagesPerSecond: ref.imagesPerSecond, torchThreads: m.threads, ratio: m.imagesPerSecond / ref.imagesPerSecond });
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

// --- webgpu rows (issue 11) -------------------------------------------------------------------
// By default the WebGPU backend (Dawn) is measured wherever Dawn finds an adapter. A hardware
// adapter trains the same batches as wasm; a software one (SwiftShader, lavapipe) emulates the GPU
// on the CPU at a few images per second, so it gets small batches and its row is marked "webgpu-sw".
if (!args.backends) {
  const probe = await webGpuAdapter();
  if (!probe.ok) skipped.push({ backend: 'webgpu', reason: probe.reason });
  else {
    const report = await selectBackend('webgpu');
    const label = probe.adapter.software ? 'webgpu-sw' : 'webgpu';
    log(`backend webgpu: ${report.description}`);
    for (const m of models) {
      log(`  training ${m} on webgpu…`);
      measurements.push(await measure(m, label, repeats));
    }
    webgpuNote = webGpuNote(probe.adapter);
    log(webgpuNote);
  }
}

const fmt = (n: number | undefined, d = 1) => (n === undefined ? '-' : n.toFixed(d));
const lines = [
  'model   backend          workers batch   img/s  GFLOP/s  PyTorch img/s (same threads)  ours/PyTorch  PyTorch 2 threads  scaling',
  ...measurements.map((m) =>
    `${m.model.padEnd(7)} ${m.backend.padEnd(16)} ${String(m.threads).padStart(7)} ${String(m.batch).padStart(5)} ` +
    `${fmt(m.imagesPerSecond).padStart(7)} ${fmt(m.gflops, 2).padStart(8)} ${fmt(m.torchImagesPerSecond).padStart(29)} ` +
    `${fmt(m.ratio, 3).padStart(13)} ${fmt(torch[2]?.[m.model]?.imagesPerSecond).padStart(18)} ` +
    `${m.scalingEfficiency === undefined ? '      -' : `${(100 * m.scalingEfficiency).toFixed(0).padStart(6)}%`}`),
];
const loadAfter = os.loadavg();
const cores = os.cpus().length;
// Idle: the 1-minute load average below half the cores before the benchmark started.
const busy = loadBefore[0]! > 0.5 * cores;
lines.push(`load average (1/5/15 min) before ${loadBefore.map((l) => l.toFixed(2)).join('/')}, after ${loadAfter.map((l) => l.toFixed(2)).join('/')} on ${cores} cores`);
if (busy) lines.push(`WARNING: the machine was not idle (load ${loadBefore[0]!.toFixed(2)} > ${(0.5 * cores).toFixed(1)} before the run): absolute figures are low; compare ratios within this run only`);
process.stdout.write(`${lines.join('\n')}\n`);
for (const s of skipped) process.stdout.write(`skipped ${s.backend}: ${s.reason}\n`);
if (webgpuNote) process.stdout.write(`${webgpuNote}\n`);
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
  process.stdout.write(`${JSON.stringify({ torchVersion, torchPython: python, measurements, torch, skipped, webgpu: webgpuNote, profiles, memory, loadBefore, loadAfter, cores, cpu: os.cpus()[0]?.model ?? null, busy })}\n`);
}
