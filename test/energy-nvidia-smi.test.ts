/**
 * The nvidia-smi fallback against a fake `nvidia-smi` put first on the PATH: a shell script that
 * replays recorded loop-mode output (with `[N/A]` and garbage lines) and then crashes with a
 * driver message. Checks: one long-running child with the right query, malformed lines skipped
 * and counted, the crash reported through read() and, in the sampler, once, without stopping it.
 */
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectPowerSources } from '../src/energy/detect.ts';
import { EnergyMeter } from '../src/energy/meter.ts';
import { parseNvidiaSmiLine } from '../src/energy/nvidiaSmi/parseLine.ts';
import { readingTimes } from '../src/energy/nvidiaSmi/readingTimes.ts';
import { NvidiaSmiPowerSource, openNvidiaSmiSource } from '../src/energy/nvidiaSmi/nvidiaSmiSource.ts';
import { PowerSampler } from '../src/energy/sampler.ts';
import type { PowerReading } from '../src/energy/types.ts';

const FIXTURES = resolve('test/fixtures/energy');
let scratch: string;
let logFile: string;
const savedEnv = { PATH: process.env.PATH, log: process.env.FAKE_NVIDIA_SMI_LOG, rec: process.env.FAKE_NVIDIA_SMI_RECORDING };

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'earlybird-smi-'));
  await mkdir(join(scratch, 'bin'));
  await copyFile(join(FIXTURES, 'fake-nvidia-smi.sh'), join(scratch, 'bin', 'nvidia-smi'));
  await chmod(join(scratch, 'bin', 'nvidia-smi'), 0o755);
  process.env.PATH = `${join(scratch, 'bin')}${delimiter}${process.env.PATH}`;
  process.env.FAKE_NVIDIA_SMI_RECORDING = join(FIXTURES, 'nvidia-smi-recorded.csv');
});
after(async () => {
  process.env.PATH = savedEnv.PATH;
  if (savedEnv.log === undefined) delete process.env.FAKE_NVIDIA_SMI_LOG;
  if (savedEnv.rec === undefined) delete process.env.FAKE_NVIDIA_SMI_RECORDING;
  await rm(scratch, { recursive: true, force: true });
});

async function freshLog(name: string): Promise<string> {
  logFile = join(scratch, `${name}.log`);
  await writeFile(logFile, '');
  process.env.FAKE_NVIDIA_SMI_LOG = logFile;
  return logFile;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await sleep(10);
  }
}

describe('nvidia-smi line parsing', () => {
  it('parses a loop-mode line', () => {
    const parsed = parseNvidiaSmiLine('2024/05/01 12:00:00.125, 1, 71.23, 35');
    assert.ok(parsed.ok);
    assert.equal(parsed.sample.index, 1);
    assert.equal(parsed.sample.watts, 71.23);
    assert.equal(parsed.sample.utilisation, 0.35);
    assert.equal(parsed.sample.deviceTimeMs, new Date(2024, 4, 1, 12, 0, 0, 125).getTime());
  });

  it('keeps a line whose utilisation is [N/A], rejects [N/A] power and garbage', () => {
    const noUtil = parseNvidiaSmiLine('2024/05/01 12:00:00.000, 1, 35.50, [N/A]');
    assert.ok(noUtil.ok && noUtil.sample.utilisation === undefined);
    assert.ok(!parseNvidiaSmiLine('2024/05/01 12:00:00.000, 0, [N/A], 30').ok);
    assert.ok(!parseNvidiaSmiLine('2024/05/01 12:00:00.000, 0, [Not Supported], 30').ok);
    assert.ok(!parseNvidiaSmiLine('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver').ok);
    assert.ok(!parseNvidiaSmiLine(', , ,').ok);
    assert.ok(!parseNvidiaSmiLine('2024/05/01 12:00:00.000, 0, 1e999, 30').ok);
  });

  it('spreads lines that arrive together by their own timestamps, never backwards', () => {
    const last = new Map<number, number>();
    const t0 = new Date(2024, 4, 1, 12, 0, 0, 0).getTime();
    const batch = [
      { index: 0, deviceTimeMs: t0 },
      { index: 0, deviceTimeMs: t0 + 100 },
      { index: 0, deviceTimeMs: t0 + 200 },
    ];
    assert.deepEqual(readingTimes(batch, 50_000, last), [49_800, 49_900, 50_000]);
    // A later batch that would land earlier (arrival jitter) is clamped, not reordered.
    assert.deepEqual(readingTimes([{ index: 0, deviceTimeMs: null }], 49_950, last), [50_000]);
  });
});

describe('nvidia-smi source with a fake nvidia-smi on the PATH', () => {
  it('streams from one child, skips malformed lines, then reports the crash', async () => {
    const log = await freshLog('stream');
    const opened = await openNvidiaSmiSource({ intervalMs: 100 });
    assert.ok(opened.ok, opened.ok ? '' : opened.reason);
    const source = opened.source;
    const readings: PowerReading[] = [...(await source.read())];
    await until(() => source.failureReason !== null);
    readings.push(...(await source.read()));

    assert.equal(source.samples, 6);
    assert.equal(source.malformedLines, 4);
    const last = (device: string) => readings.filter((r) => r.device === device).at(-1);
    assert.equal(last('gpu0')?.watts, 110);
    assert.equal(last('gpu1')?.watts, 36.5);
    assert.ok(readings.every((r) => r.source === 'nvidia-smi' && r.kind === 'measured'));
    assert.ok(readings.every((r, i) => i === 0 || r.device !== readings[i - 1]!.device || r.timeMs >= readings[i - 1]!.timeMs));

    await assert.rejects(source.read(), /exited with code 15 after 6 samples: .*GPU is lost/);
    assert.match(source.describe(), /4 malformed lines skipped/);
    await source.close();

    const starts = (await readFile(log, 'utf8')).trim().split('\n');
    assert.deepEqual(starts, ['--query-gpu=timestamp,index,power.draw,utilization.gpu --format=csv,noheader,nounits -lms 100']);
  });

  it('explains a missing binary and a child that dies before any sample', async () => {
    const missing = await openNvidiaSmiSource({ command: join(scratch, 'no-such-nvidia-smi'), intervalMs: 100 });
    assert.deepEqual(missing, { ok: false, reason: `nvidia-smi: ${join(scratch, 'no-such-nvidia-smi')} does not exist` });

    const garbage = join(scratch, 'garbage.csv');
    await writeFile(garbage, 'No devices were found\n');
    process.env.FAKE_NVIDIA_SMI_RECORDING = garbage;
    try {
      await freshLog('dead');
      const dead = await openNvidiaSmiSource({ intervalMs: 100 });
      assert.ok(!dead.ok);
      assert.match(dead.reason, /^nvidia-smi: nvidia-smi exited with code 15 after 0 samples: .*GPU is lost/);
    } finally {
      process.env.FAKE_NVIDIA_SMI_RECORDING = join(FIXTURES, 'nvidia-smi-recorded.csv');
    }
  });

  it('is picked when NVML cannot load; its crash is reported once and sampling goes on', async () => {
    await freshLog('detect');
    const emptyPowercap = join(scratch, 'powercap');
    await mkdir(emptyPowercap, { recursive: true });
    const detected = await detectPowerSources({
      nvmlLibrary: join(scratch, 'libnvidia-ml.so.1'),
      powercapRoot: emptyPowercap,
      intervalMs: 50,
    });
    assert.deepEqual(detected.sources.map((s) => s.name), ['nvidia-smi', 'cpu-estimate']);
    assert.deepEqual(detected.skipped.map((s) => s.name), ['nvml', 'rapl']);
    assert.match(detected.skipped[0]!.reason, /^NVML: cannot load .*libnvidia-ml\.so\.1/);
    assert.ok(detected.sources[0] instanceof NvidiaSmiPowerSource);

    const meter = new EnergyMeter({ initialPhase: 'search' });
    const sampler = new PowerSampler(detected.sources, { intervalMs: 50 });
    const failures: string[] = [];
    sampler.onReadings((r) => meter.ingest(r));
    sampler.onSourceFailure((f) => failures.push(`${f.source}: ${f.reason}`));
    sampler.start();
    await until(() => failures.length > 0);
    const ticksAtFailure = sampler.tickCount;
    await until(() => sampler.tickCount >= ticksAtFailure + 3);
    const final = await sampler.stop();

    assert.equal(failures.length, 1);
    assert.match(failures[0]!, /^nvidia-smi: nvidia-smi exited with code 15/);
    assert.deepEqual(sampler.activeSources.map((s) => s.name), ['cpu-estimate']);
    assert.deepEqual([...new Set(final.filter((r) => !r.view).map((r) => r.source))], ['cpu-estimate']);
    assert.ok(meter.totals().search!['nvidia-smi']!.joules > 0);
    assert.ok(meter.totals().search!['cpu-estimate']!.joules > 0);
  });
});
