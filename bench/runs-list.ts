/**
 * How long `earlybird runs` takes over a big runs folder, the first time and once the runs index
 * (src/run/runsIndex.ts) holds it:
 *
 *   node --import tsx bench/runs-list.ts [--runs 200] [--log-mib 512] [--calls 3] [--keep]
 *
 * Builds, in a temp folder, `runs` run folders (the finished demo run of test/fixtures/report, copied
 * under new ids: config.json, events.jsonl, metrics.csv, summary.json) plus one unfinished run whose
 * events.jsonl is `log-mib` MiB of real progress lines (written once, not sparse: every line is a
 * JSON event the list must skip). Then runs the real CLI (bin/earlybird.mjs, a new process each call)
 * `calls` times and prints each call's wall time, and the time of `earlybird --help` (process start
 * alone) for comparison. The first call reads every run and writes the index; later calls read only
 * what changed (nothing here). Then listRuns alone, timed inside a fresh process (without the
 * process start): from the index, with the index file removed, and from the index again.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: {
  runs: { type: 'string', default: '200' },
  'log-mib': { type: 'string', default: '512' },
  calls: { type: 'string', default: '3' },
  keep: { type: 'boolean', default: false },
} });
const RUNS = Number(values.runs);
const LOG_MIB = Number(values['log-mib']);
const CALLS = Number(values.calls);
const FIXTURE = new URL('../test/fixtures/report/run-complete', import.meta.url).pathname;
const CLI = new URL('../bin/earlybird.mjs', import.meta.url).pathname;

const root = mkdtempSync(join(tmpdir(), 'eb-bench-runs-'));
const runsDir = join(root, 'runs');
mkdirSync(runsDir);

const fixtureId = JSON.parse(readFileSync(join(FIXTURE, 'summary.json'), 'utf8')).runId as string;
for (let i = 0; i < RUNS; i++) {
  const id = `20250101-${String(i).padStart(6, '0')}-lenet5-bn-mnist`;
  const dir = join(runsDir, id);
  cpSync(FIXTURE, dir, { recursive: true });
  // Each copy names itself, as a run folder does.
  for (const file of ['summary.json', 'events.jsonl']) {
    writeFileSync(join(dir, file), readFileSync(join(dir, file), 'utf8').split(fixtureId).join(id));
  }
}

const bigId = '20250102-000000-lenet5-bn-mnist-big-log';
const bigDir = join(runsDir, bigId);
mkdirSync(bigDir);
writeFileSync(join(bigDir, 'config.json'), readFileSync(join(FIXTURE, 'config.json')));
const started = Date.now();
const fd = openSync(join(bigDir, 'events.jsonl'), 'w');
writeSync(fd, `${JSON.stringify({ type: 'run-start', time: 1, runId: bigId, resumed: false, backend: 'wasm', backendDescription: 'wasm', skippedBackends: [] })}\n`);
const lines: string[] = [];
for (let batch = 0; batch < 40_000; batch++) {
  lines.push(JSON.stringify({ type: 'progress', phase: 'search', epoch: 0, batch, batches: 40_000, loss: 0.2783, accuracy: 0.8215, etaSeconds: 30.6, time: 1763647396957 + batch }));
}
const chunk = Buffer.from(`${lines.join('\n')}\n`);
let written = 0;
while (written < LOG_MIB * 1024 * 1024) written += writeSync(fd, chunk);
closeSync(fd);
const lineCount = Math.round(written / (chunk.length / lines.length));
process.stdout.write(`built ${RUNS} finished runs + 1 unfinished run with a ${(written / 2 ** 20).toFixed(0)} MiB events.jsonl (~${(lineCount / 1e6).toFixed(1)} M progress lines) in ${((Date.now() - started) / 1000).toFixed(1)} s, in ${runsDir}\n`);

function timed(args: string[]): { seconds: number; lines: number } {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result.status !== 0) throw new Error(`earlybird ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { seconds, lines: result.stdout.split('\n').filter(Boolean).length };
}

/** listRuns timed inside a fresh process: the list alone, without the process start (tsx compiling) around it. */
function timedInProcess(): number {
  const script = `const { listRuns } = await import(${JSON.stringify(new URL('../src/run/runStore.ts', import.meta.url).href)});
    const t0 = process.hrtime.bigint(); const runs = await listRuns(${JSON.stringify(runsDir)});
    process.stdout.write(JSON.stringify({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, runs: runs.length }));`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`listRuns exited ${result.status}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { seconds: number }).seconds;
}

const start = timed(['--help']);
process.stdout.write(`earlybird --help (process start, no list): ${start.seconds.toFixed(2)} s\n`);
for (let call = 1; call <= CALLS; call++) {
  const { seconds, lines: listed } = timed(['runs', '--runs', runsDir]);
  process.stdout.write(`earlybird runs, call ${call}${call === 1 ? ' (no index yet)' : ' (from the index)'}: ${seconds.toFixed(2)} s, ${listed} runs listed\n`);
}
process.stdout.write(`listRuns alone, in a fresh process, from the index: ${timedInProcess().toFixed(3)} s\n`);
rmSync(join(runsDir, '.earlybird-runs-index.json'));
process.stdout.write(`listRuns alone, in a fresh process, index file removed (every run read): ${timedInProcess().toFixed(3)} s\n`);
process.stdout.write(`listRuns alone, in a fresh process, from the index written by the call before: ${timedInProcess().toFixed(3)} s\n`);
if (values.keep) process.stdout.write(`kept ${root}\n`);
else rmSync(root, { recursive: true, force: true });
