/**
 * Every test file in one list: its tier (what it tests with) and its lane (what it may run beside).
 * `scripts/run-tests.ts` runs the tiers asked for, each lane as its own queue and all lanes at once,
 * and refuses to run when a test/*.test.ts file is missing here, listed twice, or listed but gone —
 * so a new test file cannot be skipped silently.
 *
 * Tiers
 *   unit         pure logic and small fixtures, in-process, seconds each: `npm run test:unit`
 *   integration  real parts in-process or as children: training, data files, PDFs, run folders,
 *                fake binaries on PATH, a loopback HTTP server
 *   browser      real Chromium against `startServer` (what `earlybird serve` runs)
 *   system       whole programs and daemons: a real Slurm, the packaged engine bundle, the Electron
 *                shell with a real worker, `earlybird serve` stopped by SIGINT
 *
 * Lanes (each a queue; the lanes run at the same time)
 *   free     shares nothing and is light: as many at once as there are cores
 *   cpu      trains networks or runs kernels flat out: half the cores (1 on a 2-core machine), so
 *            two of them do not stretch each other past their timeouts
 *   browser  one at a time: each starts Chromium, a server and experiment workers; they share
 *            renderer/dist (built once by the runner before any lane starts)
 *   system   one at a time: each starts daemons or whole processes that train, or writes a shared
 *            build folder (dist/engine)
 *
 * Nothing here uses a fixed TCP port (servers listen on port 0, the Slurm helper asks the OS for
 * free ports) and every run folder is a mkdtemp, so files of different lanes never collide. The
 * timing-sensitive energy tests (sampler, estimate, nvidia-smi) are written to hold at a load of
 * 25 on 2 cores, so they stay in the free lane.
 */

export type Tier = 'unit' | 'integration' | 'browser' | 'system';
export type Lane = 'free' | 'cpu' | 'browser' | 'system';

export interface TestFile {
  /** The file name under test/. */
  file: string;
  tier: Tier;
  lane: Lane;
  /** Why it is in that lane, where the lane is not `free`. */
  why?: string;
}

export const TIERS: readonly Tier[] = ['unit', 'integration', 'browser', 'system'];

export const TEST_FILES: readonly TestFile[] = [
  // unit: pure logic, fixtures, source scans
  { file: 'cli-options.test.ts', tier: 'unit', lane: 'free' },
  { file: 'config-diff.test.ts', tier: 'unit', lane: 'free' },
  { file: 'core-boundary.test.ts', tier: 'unit', lane: 'free' },
  { file: 'energy-interval.test.ts', tier: 'unit', lane: 'free' },
  { file: 'earlybird.test.ts', tier: 'unit', lane: 'free' },
  { file: 'energy-amdgpu.test.ts', tier: 'unit', lane: 'free' },
  { file: 'energy-meter.test.ts', tier: 'unit', lane: 'free' },
  { file: 'energy-savings.test.ts', tier: 'unit', lane: 'free' },
  { file: 'experiment-eta.test.ts', tier: 'unit', lane: 'free' },
  { file: 'format.test.ts', tier: 'unit', lane: 'free' },
  { file: 'chart-ticks.test.ts', tier: 'unit', lane: 'free' },
  { file: 'readme.test.ts', tier: 'unit', lane: 'free' },
  { file: 'report-projection.test.ts', tier: 'unit', lane: 'free' },
  { file: 'run-actions.test.ts', tier: 'unit', lane: 'free' },
  { file: 'run-boundary.test.ts', tier: 'unit', lane: 'free' },
  { file: 'run-records.test.ts', tier: 'unit', lane: 'free' },
  { file: 'runs-table.test.ts', tier: 'unit', lane: 'free' },
  { file: 'tiers.test.ts', tier: 'unit', lane: 'free' },
  { file: 'wording.test.ts', tier: 'unit', lane: 'free' },

  // integration, light: files, fake binaries, child processes that mostly wait
  { file: 'augment.test.ts', tier: 'integration', lane: 'free' },
  { file: 'bench.test.ts', tier: 'integration', lane: 'free' },
  { file: 'data.test.ts', tier: 'integration', lane: 'free' },
  { file: 'download.test.ts', tier: 'integration', lane: 'free' },
  { file: 'energy-estimate.test.ts', tier: 'integration', lane: 'free' },
  { file: 'energy-nvidia-smi.test.ts', tier: 'integration', lane: 'free' },
  { file: 'energy-nvml.test.ts', tier: 'integration', lane: 'free' },
  { file: 'energy-rapl.test.ts', tier: 'integration', lane: 'free' },
  { file: 'energy-sampler.test.ts', tier: 'integration', lane: 'free' },
  { file: 'energy-words.test.ts', tier: 'integration', lane: 'free' },
  { file: 'nativeKernels.test.ts', tier: 'integration', lane: 'free' },
  { file: 'path-boundary.test.ts', tier: 'integration', lane: 'free' },
  { file: 'report-layout.test.ts', tier: 'integration', lane: 'free' },
  { file: 'report-agreement.test.ts', tier: 'integration', lane: 'free' },

  // integration, CPU-bound: training and kernels
  { file: 'tfjsSpecs.test.ts', tier: 'integration', lane: 'cpu', why: 'tfjs-core\'s whole jasmine spec suite on the wasm backend' },
  { file: 'train.test.ts', tier: 'integration', lane: 'cpu', why: 'trains on real Fashion-MNIST to ≥ 85 %' },
  { file: 'dataParallel.test.ts', tier: 'integration', lane: 'cpu', why: 'worker threads, one core each' },
  { file: 'webgpu.test.ts', tier: 'integration', lane: 'cpu', why: 'a GPU emulated on the CPU (SwiftShader): gradients of every model and a training run' },
  { file: 'backend.test.ts', tier: 'integration', lane: 'cpu', why: 'every wasm gradient kernel against the cpu backend' },
  { file: 'experiment.test.ts', tier: 'integration', lane: 'cpu', why: 'whole experiments, one killed and resumed' },
  { file: 'run-folder.test.ts', tier: 'integration', lane: 'cpu', why: 'real runs next to a 600 MiB sparse log and a second process holding the lock' },
  { file: 'study.test.ts', tier: 'integration', lane: 'cpu', why: 'a config with seeds run end to end by the CLI' },
  { file: 'report.test.ts', tier: 'integration', lane: 'cpu', why: 'a real tiny run, then its PDF rendered page by page' },
  { file: 'export.test.ts', tier: 'integration', lane: 'cpu', why: 'trains a ticket, then a second process loads it' },
  { file: 'lottery.test.ts', tier: 'integration', lane: 'cpu', why: 'one-shot and iterative lottery-ticket runs' },
  { file: 'prune-pipeline.test.ts', tier: 'integration', lane: 'cpu', why: 'runs the standard pipeline' },
  { file: 'surgery.test.ts', tier: 'integration', lane: 'cpu', why: 'slims every registered model and checks its outputs' },
  { file: 'models.test.ts', tier: 'integration', lane: 'cpu', why: 'builds, exports and reloads every registered model' },
  { file: 'progress.test.ts', tier: 'integration', lane: 'cpu', why: 'a lottery-ticket run for its progress events' },
  { file: 'app-study.test.ts', tier: 'integration', lane: 'cpu', why: 'a two-seed study in real worker processes, cancelled and resumed' },
  { file: 'method-registry.test.ts', tier: 'integration', lane: 'cpu', why: 'a whole run with a throw-away method, then its PDF' },
  { file: 'energy-warmup.test.ts', tier: 'integration', lane: 'cpu', why: 'trains twice, with and without warm-up, for bit-identical weights' },
  { file: 'turns.test.ts', tier: 'integration', lane: 'cpu', why: 'whole experiments in turns and one after the other, a failure and a cancel in turns' },
  { file: 'paperModels.test.ts', tier: 'integration', lane: 'cpu', why: 'VGG-16 at batch 256, and every comparison on the paper networks' },
  { file: 'crash-recovery.test.ts', tier: 'integration', lane: 'cpu', why: 'real runs killed at every file operation of a checkpoint swap and resumed' },
  { file: 'machine-bounds.test.ts', tier: 'integration', lane: 'cpu', why: 'a run with as many data-parallel workers as cores, cancelled past its grace' },

  // browser: Chromium + startServer + experiment workers
  { file: 'e2e.test.ts', tier: 'browser', lane: 'browser', why: 'Chromium; starts, cancels and resumes an experiment' },
  { file: 'setup-config.test.ts', tier: 'browser', lane: 'browser', why: 'Chromium; runs a three-seed study' },
  { file: 'setup-states.test.ts', tier: 'browser', lane: 'browser', why: 'Chromium; a run that fails on its data and one cancelled at once' },
  { file: 'study-figures.test.ts', tier: 'browser', lane: 'browser', why: 'Chromium; a real three-seed sweep first' },
  { file: 'e2e-daily.test.ts', tier: 'browser', lane: 'browser', why: 'Chromium' },
  { file: 'study-app.test.ts', tier: 'browser', lane: 'browser', why: 'Chromium' },
  { file: 'compare-runs.test.ts', tier: 'browser', lane: 'browser', why: 'Chromium; two tiny real runs first' },

  // system: daemons, whole programs, shared build output
  { file: 'slurm.test.ts', tier: 'system', lane: 'system', why: 'starts munged, slurmctld and slurmd (root), whose array tasks train' },
  { file: 'electron.test.ts', tier: 'system', lane: 'system', why: 'builds the shell and runs a real experiment in a worker' },
  { file: 'server.test.ts', tier: 'system', lane: 'system', why: '`earlybird serve` as a process, stopped by SIGINT mid-experiment' },
  { file: 'engine-bundle.test.ts', tier: 'system', lane: 'system', why: 'writes dist/engine (the one shared build folder) and trains through it' },
];

/** What is wrong with the list against the files in test/: unlisted, listed twice, or listed but gone. */
export function classificationProblems(present: readonly string[], listed: readonly TestFile[] = TEST_FILES): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of listed) {
    if (seen.has(entry.file)) problems.push(`${entry.file} is listed twice in test/tiers.ts`);
    seen.add(entry.file);
    if (!present.includes(entry.file)) problems.push(`${entry.file} is listed in test/tiers.ts but test/${entry.file} does not exist`);
  }
  for (const file of present) {
    if (!seen.has(file)) problems.push(`test/${file} is in no tier: add it to TEST_FILES in test/tiers.ts (tier and lane)`);
  }
  return problems;
}
