/**
 * Runs the test tiers of test/tiers.ts: `npm test` (after the type-check) runs all of them,
 * `npm run test:unit` only the fast one. Each file runs in its own `node --test` process; each lane
 * is a queue with its own width (free: the cores, cpu: half of them, browser and system: one), and
 * the lanes run at the same time, so files that share nothing overlap while Chromium, daemons and
 * training never crowd each other. A file's output is printed when it fails.
 *
 *   node --import tsx scripts/run-tests.ts [tier …] [--serial] [--check]
 *
 * --serial: one file at a time, in list order (the old `--test-concurrency=1`, to rule overlap out).
 * --check:  only check that every test file is in exactly one tier.
 * Each file's duration is kept in test-artifacts/test-times.json; the next run starts the longest first.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classificationProblems, TEST_FILES, TIERS, type Lane, type TestFile, type Tier } from '../test/tiers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = join(ROOT, 'test');
const TIMES_PATH = join(ROOT, 'test-artifacts', 'test-times.json');

function laneWidths(cores: number, serial: boolean): Record<Lane, number> {
  if (serial) return { free: 1, cpu: 1, browser: 1, system: 1 };
  return { free: Math.max(2, cores), cpu: Math.max(1, Math.floor(cores / 2)), browser: 1, system: 1 };
}

interface Outcome {
  entry: TestFile;
  ok: boolean;
  seconds: number;
  output: string;
}

function runFile(entry: TestFile): Promise<Outcome> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', join('test', entry.file)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8') + (signal ? `\n(killed by ${signal})\n` : '');
      done({ entry, ok: code === 0, seconds: (performance.now() - started) / 1000, output });
    });
  });
}

function readTimes(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(TIMES_PATH, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const unknownFlag = [...flags].find((f) => f !== '--serial' && f !== '--check');
  if (unknownFlag) throw new Error(`unknown option ${unknownFlag}: use [tier …] [--serial] [--check]`);
  const asked = argv.filter((a) => !a.startsWith('--'));
  const badTier = asked.find((t) => !TIERS.includes(t as Tier));
  if (badTier) throw new Error(`unknown tier "${badTier}": one of ${TIERS.join(', ')}`);

  const present = readdirSync(TEST_DIR).filter((f) => f.endsWith('.test.ts')).sort();
  const problems = classificationProblems(present);
  if (problems.length) {
    process.stderr.write(`test tiers: ${problems.join('\n  ')}\n`);
    return 1;
  }
  if (flags.has('--check')) {
    process.stdout.write(`test tiers: all ${present.length} test files are in exactly one tier\n`);
    return 0;
  }

  const tiers = asked.length ? asked as Tier[] : [...TIERS];
  const serial = flags.has('--serial');
  const times = readTimes();
  const chosen = TEST_FILES.filter((e) => tiers.includes(e.tier));
  // Longest first (as last measured), so a long file does not start last and run on alone.
  const ordered = serial ? chosen : [...chosen].sort((a, b) => (times[b.file] ?? 0) - (times[a.file] ?? 0));
  const widths = laneWidths(availableParallelism(), serial);

  if (chosen.some((e) => e.lane === 'browser' || e.tier === 'system')) {
    // Built once here, so no two servers rebuild renderer/dist at the same time.
    const { ensureRendererBuilt } = await import('../src/server/buildRenderer.ts');
    if (await ensureRendererBuilt()) process.stdout.write('test tiers: renderer built into renderer/dist\n');
  }

  process.stdout.write(`test tiers: ${tiers.join(', ')} — ${chosen.length} files; lanes ${serial ? 'one file at a time' : Object.entries(widths).map(([l, w]) => `${l} ×${w}`).join(', ')}\n`);
  const started = performance.now();
  const outcomes: Outcome[] = [];
  const report = (o: Outcome) => {
    outcomes.push(o);
    process.stdout.write(`${o.ok ? 'ok  ' : 'FAIL'} ${o.entry.file.padEnd(28)} ${o.seconds.toFixed(1).padStart(6)} s  ${o.entry.tier}/${o.entry.lane}\n`);
    if (!o.ok) process.stdout.write(`---- output of test/${o.entry.file} ----\n${o.output}\n---- end of test/${o.entry.file} ----\n`);
  };
  const drain = async (queue: TestFile[], width: number) => {
    const worker = async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) report(await runFile(entry));
    };
    await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
  };
  if (serial) await drain([...ordered], 1);
  else await Promise.all((Object.keys(widths) as Lane[]).map((lane) => drain(ordered.filter((e) => e.lane === lane), widths[lane])));

  const wall = (performance.now() - started) / 1000;
  mkdirSync(dirname(TIMES_PATH), { recursive: true });
  writeFileSync(TIMES_PATH, `${JSON.stringify({ ...times, ...Object.fromEntries(outcomes.map((o) => [o.entry.file, Math.round(o.seconds * 10) / 10])) }, null, 2)}\n`);
  const failed = outcomes.filter((o) => !o.ok);
  const perTier = tiers.map((t) => {
    const of = outcomes.filter((o) => o.entry.tier === t);
    return `${t} ${of.length} files, ${of.reduce((s, o) => s + o.seconds, 0).toFixed(0)} s of file time`;
  });
  process.stdout.write(`\ntest tiers: ${outcomes.length - failed.length} of ${outcomes.length} files passed in ${wall.toFixed(0)} s wall (${perTier.join('; ')})\n`);
  if (failed.length) process.stdout.write(`failed: ${failed.map((o) => `test/${o.entry.file}`).join(' ')}\n`);
  return failed.length ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: Error) => {
  process.stderr.write(`test tiers: ${error.message}\n`);
  process.exitCode = 2;
});
