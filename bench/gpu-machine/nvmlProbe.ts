/**
 * Reads the NVML power source — the engine's own code path (src/energy/nvml/) against the real
 * driver — while the machine idles and then while a command runs, and prints what it saw per phase:
 * the energy counter's joules (by difference), the power readings integrated by trapezoid, mean and
 * peak watts, GPU utilisation. The two energy figures come from different NVML calls, so their
 * agreement is itself a check of the source.
 *
 *   node --import tsx bench/gpu-machine/nvmlProbe.ts [--idle-seconds 5] [--interval-ms 250]
 *        [--samples-csv file] [--json] [-- command args…]
 *
 * Without a command it reads the idle phase only. When NVML cannot be opened it prints why and still
 * runs the command. Exit status: the command's when it failed; else 2 when NVML could not be opened,
 * 1 when a phase has no readings, 0 otherwise.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openNvmlSource } from '../../src/energy/nvml/nvmlSource.ts';
import type { PowerReading } from '../../src/energy/types.ts';

const separator = process.argv.indexOf('--');
const own = separator < 0 ? process.argv.slice(2) : process.argv.slice(2, separator);
const command = separator < 0 ? [] : process.argv.slice(separator + 1);
const { values: args } = parseArgs({
  args: own,
  options: {
    'idle-seconds': { type: 'string', default: '5' },
    'interval-ms': { type: 'string', default: '250' },
    'samples-csv': { type: 'string' },
    json: { type: 'boolean' },
  },
});
const idleSeconds = Number(args['idle-seconds']);
const intervalMs = Number(args['interval-ms']);
if (!(idleSeconds >= 0) || !(intervalMs >= 10)) {
  throw new Error(`--idle-seconds must be ≥ 0 and --interval-ms ≥ 10; got ${args['idle-seconds']} and ${args['interval-ms']}`);
}

/**
 * Starts the command with this process's stdio: `running()` turns false and `exit` resolves with its
 * status when it ends, or with 127 when it could not start.
 */
function startCommand(argv: string[]): { running: () => boolean; exit: Promise<number> } {
  let done = false;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  const exit = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      resolve(code ?? (signal ? 128 : 1));
    });
    child.on('error', (error) => {
      process.stderr.write(`nvmlProbe: could not start ${argv[0]}: ${error.message}\n`);
      done = true;
      resolve(127);
    });
  });
  return { running: () => !done, exit };
}

const opened = await openNvmlSource();
if (!opened.ok) {
  // Say why, and still run the command: what it prints matters even without power readings.
  process.stdout.write(`NVML not opened: ${opened.reason}\n`);
  const code = command.length ? await startCommand(command).exit : 0;
  process.exit(code === 0 ? 2 : code);
}
const source = opened.source;
process.stderr.write(`nvmlProbe: ${source.describe()}\n`);

interface Sample { phase: string; reading: PowerReading }
const samples: Sample[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sampleWhile(phase: string, running: () => boolean): Promise<void> {
  while (running()) {
    for (const reading of await source.read()) samples.push({ phase, reading });
    await sleep(intervalMs);
  }
  for (const reading of await source.read()) samples.push({ phase, reading });
}

interface PhaseFigures {
  phase: string;
  device: string;
  seconds: number;
  readings: number;
  counterJoules: number | null;
  trapezoidJoules: number;
  meanWatts: number;
  peakWatts: number;
  meanUtilisationPercent: number | null;
  peakUtilisationPercent: number | null;
}

function figures(phase: string): PhaseFigures[] {
  const inPhase = samples.filter((s) => s.phase === phase).map((s) => s.reading);
  const devices = [...new Set(inPhase.map((r) => r.device))];
  return devices.map((device) => {
    const rs = inPhase.filter((r) => r.device === device);
    let trapezoid = 0;
    for (let i = 1; i < rs.length; i++) trapezoid += ((rs[i]!.watts + rs[i - 1]!.watts) / 2) * ((rs[i]!.timeMs - rs[i - 1]!.timeMs) / 1000);
    const seconds = rs.length > 1 ? (rs.at(-1)!.timeMs - rs[0]!.timeMs) / 1000 : 0;
    const first = rs[0]?.counterJoules;
    const last = rs.at(-1)?.counterJoules;
    const utilisation = rs.map((r) => r.utilisation).filter((u): u is number => u !== undefined);
    return {
      phase, device, seconds, readings: rs.length,
      counterJoules: first !== undefined && last !== undefined ? last - first : null,
      trapezoidJoules: trapezoid,
      meanWatts: seconds > 0 ? trapezoid / seconds : rs[0]?.watts ?? 0,
      peakWatts: Math.max(...rs.map((r) => r.watts)),
      meanUtilisationPercent: utilisation.length ? (100 * utilisation.reduce((a, b) => a + b, 0)) / utilisation.length : null,
      peakUtilisationPercent: utilisation.length ? 100 * Math.max(...utilisation) : null,
    };
  });
}

let exitCode = 0;
const idleUntil = Date.now() + idleSeconds * 1000;
await sampleWhile('idle', () => Date.now() < idleUntil);
if (command.length) {
  process.stderr.write(`nvmlProbe: running ${command.join(' ')}\n`);
  const started = startCommand(command);
  await sampleWhile('load', started.running);
  exitCode = await started.exit;
}
await source.close();

const result = [...figures('idle'), ...(command.length ? figures('load') : [])];
if (args['samples-csv']) {
  writeFileSync(args['samples-csv'], ['phase,device,time_ms,watts,counter_joules,utilisation',
    ...samples.map(({ phase, reading: r }) => `${phase},"${r.device}",${r.timeMs},${r.watts},${r.counterJoules ?? ''},${r.utilisation ?? ''}`)].join('\n') + '\n');
}
const round = (n: number | null, d = 1) => (n === null ? '-' : n.toFixed(d));
if (args.json) process.stdout.write(`${JSON.stringify({ source: source.describe(), phases: result, exitCode })}\n`);
else {
  for (const f of result) {
    process.stdout.write(`${f.phase.padEnd(5)} ${f.device}: ${round(f.seconds)} s, ${f.readings} readings, counter ${round(f.counterJoules)} J, ` +
      `power integrated ${round(f.trapezoidJoules)} J, mean ${round(f.meanWatts)} W, peak ${round(f.peakWatts)} W, ` +
      `GPU utilisation mean ${round(f.meanUtilisationPercent, 0)} % peak ${round(f.peakUtilisationPercent, 0)} %\n`);
  }
}
process.exit(result.some((f) => f.readings === 0) ? 1 : exitCode);
