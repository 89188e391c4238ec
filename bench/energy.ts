/**
 * How far the energy saving is the method's own. Runs `earlybird run --demo`, then every point of
 * the demo sweep (`bench/sweeps/demo.json`, one point at a time), then the demo again beside one busy
 * process (`yes > /dev/null`), and prints per run: the like-for-like ratio of the dense network
 * (search vs dense phase, joules per training image; reliable inside 0.9–1.1), savedRatio with its
 * 95 % interval, flopSavedRatio, and the error of the dense projection made at the ticket. Before the
 * first run and after the last it times epochs of identical work (bench/speedControl.ts): the checks'
 * 10 % ranges mean something only where those stay within about 10 % of each other. Meant for an idle
 * machine; a benchmark, not a test: it prints figures and asserts nothing.
 *
 *   npm run bench:energy [-- --runs <dir>] [-- --saving-only] [-- --no-sweep]
 *
 * --saving-only trains exactly the demo's search, surgery, retrain and dense baseline (the phases the
 * ratios rest on) and skips its other baselines and the 8-bit export; --no-sweep skips the sweep.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { demoConfig } from '../src/core/config.ts';
import type { SpeedControl } from './speedControl.ts';

const { values } = parseArgs({ options: { runs: { type: 'string' }, 'saving-only': { type: 'boolean' }, 'no-sweep': { type: 'boolean' } } });
const runsDir = values.runs ? resolve(values.runs) : mkdtempSync(join(tmpdir(), 'earlybird-bench-energy-'));
const cli = resolve(import.meta.dirname, '..', 'bin', 'earlybird.mjs');
let runArgs = ['--demo'];
if (values['saving-only']) {
  const file = join(mkdtempSync(join(tmpdir(), 'earlybird-bench-config-')), 'demo-saving-only.json');
  const demo = demoConfig();
  writeFileSync(file, JSON.stringify({
    ...demo, name: `${demo.name} (saving only)`,
    comparisons: { ...demo.comparisons, dense: true, ebReinit: false, lotteryTicket: { ...demo.comparisons.lotteryTicket, enabled: false }, scratchE: false, scratchB: false },
    export: { ...demo.export, quantize: false },
  }, null, 2));
  runArgs = [file];
}

interface Result {
  label: string; runDir: string; savedRatio: number | null; interval: { low: number; high: number; clear: boolean } | null; savedReason: string | null;
  flopSavedRatio: number | null; likeForLike: number | null; likeForLikeReason: string | null; projectionError: number | null;
  ebJ: number | null; denseJ: number | null; model: string | null; contended: string[]; seconds: number;
}

function resultOf(label: string, runDir: string, seconds: number): Result {
  const s = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  const e = s.energy ?? {};
  return {
    label, runDir, seconds,
    savedRatio: e.savedRatio ?? null, savedReason: e.savedReason ?? null,
    interval: e.savedInterval ? { low: e.savedInterval.ratio.low, high: e.savedInterval.ratio.high, clear: e.savedInterval.clear } : null,
    flopSavedRatio: s.compute?.flopSavedRatio ?? null,
    likeForLike: e.likeForLike?.ratio ?? null, likeForLikeReason: e.likeForLike?.reason ?? null,
    projectionError: e.projectionAtTicket?.errorPercent ?? null,
    ebJ: e.ebTrainJoules ?? null, denseJ: e.denseJoules ?? null,
    model: e.estimateModel ?? null,
    contended: Object.entries(e.contention ?? {}).filter(([, c]) => (c as { contended: boolean }).contended)
      .map(([phase, c]) => `${phase} ${Math.round((c as { othersShare: number }).othersShare * 100)}%`),
  };
}

function demo(label: string): Result {
  const started = performance.now();
  const child = spawnSync(process.execPath, [cli, 'run', ...runArgs, '--runs', runsDir, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (child.status !== 0) throw new Error(`${label}: earlybird run ${runArgs.join(' ')} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  const { runDir } = JSON.parse(child.stdout.trim().split('\n').pop()!);
  return resultOf(label, runDir, (performance.now() - started) / 1000);
}

/** Every point of the demo sweep, one at a time (no point contends with another). */
function sweep(): Result[] {
  const out = join(runsDir, 'sweep-demo');
  const started = performance.now();
  const child = spawnSync(process.execPath, [cli, 'sweep', resolve(import.meta.dirname, 'sweeps', 'demo.json'), '--out', out, '--parallel', '1'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (child.status !== 0) throw new Error(`earlybird sweep bench/sweeps/demo.json exited ${child.status}: ${child.stderr.slice(-2000)}`);
  const seconds = (performance.now() - started) / 1000;
  const dirs = readdirSync(join(out, 'runs')).map((d) => join(out, 'runs', d)).filter((d) => existsSync(join(d, 'summary.json')));
  return dirs.map((d, i) => resultOf(`sweep point ${i + 1}`, d, seconds / dirs.length));
}

const fmt = (x: number | null, digits = 4) => (x === null ? 'null' : x.toFixed(digits));
function print(r: Result): void {
  console.log(`${r.label.padEnd(28)} like-for-like ${fmt(r.likeForLike, 3)}${r.likeForLikeReason ? ` (${r.likeForLikeReason})` : ''}  ` +
    `savedRatio ${fmt(r.savedRatio)}${r.interval ? ` (${r.interval.low.toFixed(3)}–${r.interval.high.toFixed(3)}${r.interval.clear ? '' : ', no clear saving'})` : ''}  ` +
    `flopSavedRatio ${fmt(r.flopSavedRatio)}  projection error ${r.projectionError === null ? 'null' : `${r.projectionError.toFixed(1)} %`}  ` +
    `EB ${fmt(r.ebJ, 1)} J  dense ${fmt(r.denseJ, 1)} J  ${r.seconds.toFixed(0)} s  contended: ${r.contended.join(', ') || 'none'}${r.savedReason ? `  (${r.savedReason})` : ''}`);
  console.log(`${''.padEnd(28)} ${r.runDir}`);
}

/** Epochs of identical work, timed in a process of their own (see bench/speedControl.ts). */
function speedControl(label: string): SpeedControl {
  const child = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'speedControl.ts'), '--json'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`bench/speedControl.ts exited ${child.status}: ${child.stderr.slice(-2000)}`);
  const control = JSON.parse(child.stdout.trim().split('\n').pop()!) as SpeedControl;
  console.log(`${label.padEnd(28)} epochs of identical work ${control.epochSeconds.map((s) => s.toFixed(2)).join(', ')} s` +
    `${control.threadCpuSeconds ? ` (training thread's CPU ${control.threadCpuSeconds.map((s) => s.toFixed(2)).join(', ')} s)` : ''}  spread ${(control.spread * 100).toFixed(1)} %`);
  return control;
}

const controls = [speedControl('speed control before')];
const quiet = demo('demo alone');
print(quiet);
if (!values['no-sweep']) for (const point of sweep()) print(point);
const yes = spawn('sh', ['-c', 'exec yes > /dev/null'], { stdio: 'ignore' });
let busy: Result;
try {
  busy = demo('demo beside `yes > /dev/null`');
} finally {
  yes.kill('SIGKILL');
}
print(busy);
if (quiet.savedRatio !== null && busy.savedRatio !== null) {
  console.log(`savedRatio relative difference: ${(Math.abs(busy.savedRatio / quiet.savedRatio - 1) * 100).toFixed(2)} % (target ≤ 10 %)`);
  const inside = (r: Result, x: number) => r.interval !== null && x >= r.interval.low && x <= r.interval.high;
  console.log(`each inside the other's interval: ${inside(quiet, busy.savedRatio) && inside(busy, quiet.savedRatio)}`);
}
console.log(`flopSavedRatio identical: ${quiet.flopSavedRatio === busy.flopSavedRatio}`);
controls.push(speedControl('speed control after'));
const spread = Math.max(...controls.map((c) => c.spread));
console.log(`machine speed: identical epochs spread up to ${(spread * 100).toFixed(1)} % — ${spread <= 0.1 ? 'steady enough for the 10 % checks' : 'not steady: ratios of phases minutes apart carry the machine\'s own changes; judge the checks on a steadier machine'}`);
console.log(`power model: ${quiet.model ?? 'measured (no estimate)'}`);
console.log(`machine: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs, load average ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
