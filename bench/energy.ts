/**
 * Is the energy saving reproducible? Runs `earlybird run --demo` twice back to back, the second time
 * with one busy process (`yes > /dev/null`) running beside it the whole time, and prints both
 * runs' energy savedRatio (which must agree within 10 % when the estimate charges the run's own
 * processes) and compute flopSavedRatio (counted, so identical). A benchmark, not a test: it prints
 * figures and asserts nothing.
 *
 *   npm run bench:energy [-- --runs <dir>] [-- --saving-only]
 *
 * --saving-only trains exactly the demo's search, surgery, retrain and dense baseline (the phases the
 * two ratios rest on) and skips its other baselines (EB re-init, lottery ticket, Scratch-E) and the
 * 8-bit export: the same savedRatio and flopSavedRatio in well under half the time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { demoConfig } from '../src/core/config.ts';

const { values } = parseArgs({ options: { runs: { type: 'string' }, 'saving-only': { type: 'boolean' } } });
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

interface Result { label: string; runDir: string; savedRatio: number | null; savedReason: string | null; flopSavedRatio: number | null; ebJ: number | null; denseJ: number | null; model: string | null; contended: string[]; seconds: number }

function demo(label: string): Result {
  const started = performance.now();
  const child = spawnSync(process.execPath, [cli, 'run', ...runArgs, '--runs', runsDir, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (child.status !== 0) throw new Error(`${label}: earlybird run ${runArgs.join(' ')} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  const { runDir } = JSON.parse(child.stdout.trim().split('\n').pop()!);
  const s = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  return {
    label, runDir,
    savedRatio: s.energy?.savedRatio ?? null, savedReason: s.energy?.savedReason ?? null,
    flopSavedRatio: s.compute?.flopSavedRatio ?? null,
    ebJ: s.energy?.ebTrainJoules ?? null, denseJ: s.energy?.denseJoules ?? null,
    model: s.energy?.estimateModel ?? null,
    contended: Object.entries(s.energy?.contention ?? {}).filter(([, c]) => (c as { contended: boolean }).contended)
      .map(([phase, c]) => `${phase} ${Math.round((c as { othersShare: number }).othersShare * 100)}%`),
    seconds: (performance.now() - started) / 1000,
  };
}

const quiet = demo('alone');
const yes = spawn('sh', ['-c', 'exec yes > /dev/null'], { stdio: 'ignore' });
let busy: Result;
try {
  busy = demo('beside `yes > /dev/null`');
} finally {
  yes.kill('SIGKILL');
}

const fmt = (x: number | null, digits = 4) => (x === null ? 'null' : x.toFixed(digits));
for (const r of [quiet, busy]) {
  console.log(`${r.label.padEnd(28)} savedRatio ${fmt(r.savedRatio)}  flopSavedRatio ${fmt(r.flopSavedRatio)}  EB ${fmt(r.ebJ, 1)} J  dense ${fmt(r.denseJ, 1)} J  ` +
    `${r.seconds.toFixed(0)} s  contended: ${r.contended.join(', ') || 'none'}${r.savedReason ? `  (${r.savedReason})` : ''}`);
  console.log(`${''.padEnd(28)} ${r.runDir}`);
}
if (quiet.savedRatio !== null && busy.savedRatio !== null) {
  console.log(`savedRatio relative difference: ${(Math.abs(busy.savedRatio / quiet.savedRatio - 1) * 100).toFixed(2)} % (target ≤ 10 %)`);
}
console.log(`flopSavedRatio identical: ${quiet.flopSavedRatio === busy.flopSavedRatio}`);
console.log(`power model: ${quiet.model ?? 'measured (no estimate)'}`);
console.log(`machine: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs, load average ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
