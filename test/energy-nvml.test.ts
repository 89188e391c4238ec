/**
 * NVML through koffi against a tiny fake libnvidia-ml written in C (test/fixtures/energy/fake_nvml.c),
 * compiled here with the system `cc -shared -fPIC` into a temp dir. Device 0 has the total-energy
 * counter (+1500 mJ per call, starting near 2^32 mJ); device 1 has only power usage (50 W).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import koffi from 'koffi';
import { EnergyMeter } from '../src/energy/meter.ts';
import { openNvmlSource, parseVisibleDevices } from '../src/energy/nvml/nvmlSource.ts';
import { nvidiaSmiArguments } from '../src/energy/nvidiaSmi/nvidiaSmiSource.ts';

let scratch: string;
let libraryPath: string | null = null;
let compileError = '';

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'earlybird-nvml-'));
  const output = join(scratch, 'libnvidia-ml.so.1');
  try {
    await promisify(execFile)('cc', ['-shared', '-fPIC', '-O1', '-o', output, resolve('test/fixtures/energy/fake_nvml.c')]);
    libraryPath = output;
  } catch (error) {
    compileError = String(error);
  }
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Resolves once Date.now() has moved past `timeMs`. */
async function nextMillisecond(timeMs: number): Promise<void> {
  while (Date.now() <= timeMs) await new Promise((resolve) => setTimeout(resolve, 1));
}

function assertClose(actual: number, expected: number, relative = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.max(Math.abs(actual), Math.abs(expected)),
    `${actual} is not within ${relative} (relative) of ${expected}`,
  );
}

describe('NVML source on a fake libnvidia-ml', () => {
  it('meters device 0 by its energy counter and device 1 by power usage', async (t) => {
    if (!libraryPath) return t.skip(`no C compiler: ${compileError}`);
    const opened = await openNvmlSource(libraryPath);
    assert.ok(opened.ok, opened.ok ? '' : opened.reason);
    const source = opened.source;
    assert.match(source.describe(), /gpu0 Fake Volta GPU via its total-energy counter/);
    assert.match(source.describe(), /gpu1 Fake Kepler GPU via power usage/);

    const meter = new EnergyMeter({ initialPhase: 'retrain' });
    // Readings are stamped with Date.now(); three reads inside one millisecond would integrate nothing
    // (zero-length intervals), so each read waits for the clock to move on. Not a timing assertion.
    const first = await source.read();
    await nextMillisecond(first[0]!.timeMs);
    const second = await source.read();
    await nextMillisecond(second[0]!.timeMs);
    const third = await source.read();
    for (const tick of [first, second, third]) meter.ingest(tick);

    const gpu0 = [first, second, third].map((tick) => tick.find((r) => r.device === 'gpu0 Fake Volta GPU')!);
    // Each call adds 1500 mJ; the open() probe consumed one, so the counter reads 1.5, 3, 4.5 J.
    assert.deepEqual(gpu0.map((r) => r.counterJoules), [1.5, 3, 4.5]);
    assert.deepEqual(gpu0.map((r) => [r.watts, r.utilisation]), [[120, 0.87], [120, 0.87], [120, 0.87]]);

    const gpu1 = [first, second, third].map((tick) => tick.find((r) => r.device === 'gpu1 Fake Kepler GPU')!);
    assert.ok(gpu1.every((r) => r.counterJoules === undefined && r.watts === 50 && r.utilisation === 0.42));

    const totals = meter.totals().retrain!.nvml!;
    assert.equal(totals.devices['gpu0 Fake Volta GPU'], 3); // by difference: 4.5 − 1.5
    const seconds = (gpu1[2]!.timeMs - gpu1[0]!.timeMs) / 1000;
    assert.ok(seconds > 0);
    // Trapezoid at 50 W: the meter sums per-interval differences of float64 times near 1.8e12 ms, so
    // compare relative to the figure, not at an absolute 1e-9.
    assertClose(totals.devices['gpu1 Fake Kepler GPU']!, 50 * seconds);
    assert.equal(totals.kind, 'measured');

    await source.close();
    await source.close(); // idempotent
    const shutdownCalls = koffi.load(libraryPath).func('int fakeNvmlShutdownCalls(void)');
    assert.equal(shutdownCalls(), 1);
    await assert.rejects(source.read(), /closed/);
  });

  it('says why when the library lacks an entry point (a driver too old for the _v2 calls)', async (t) => {
    if (!libraryPath) return t.skip(`no C compiler: ${compileError}`);
    const source = join(scratch, 'old_nvml.c');
    const old = join(scratch, 'libnvidia-ml-old.so');
    await writeFile(source, 'int nvmlInit(void) { return 0; }\n');
    await promisify(execFile)('cc', ['-shared', '-fPIC', '-o', old, source]);
    const opened = await openNvmlSource(old);
    assert.ok(!opened.ok);
    assert.match(opened.reason, /^NVML: .*libnvidia-ml-old\.so lacks an entry point \(.*nvmlInit_v2.*\); driver too old\?$/);
  });

  it('says why when the library cannot be loaded', async () => {
    const missing = join(scratch, 'nope', 'libnvidia-ml.so.1');
    const opened = await openNvmlSource(missing);
    assert.ok(!opened.ok);
    assert.match(opened.reason, new RegExp(`^NVML: cannot load ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.+\\); no NVIDIA driver here$`));
  });
});

// After the suite above: it counts nvmlShutdown calls on the same loaded library.
describe('NVML source and CUDA_VISIBLE_DEVICES', () => {
  it('meters only the GPUs the training may use (CUDA_VISIBLE_DEVICES: indices or UUID prefixes)', async (t) => {
    if (!libraryPath) return t.skip(`no C compiler: ${compileError}`);
    assert.deepEqual(parseVisibleDevices(undefined), null);
    assert.deepEqual(parseVisibleDevices('1, 0'), ['1', '0']);
    assert.deepEqual(parseVisibleDevices('0,-1,1'), ['0'], 'CUDA stops at the first invalid entry');
    assert.deepEqual(parseVisibleDevices(''), []);
    assert.deepEqual(nvidiaSmiArguments(1000, '1,0').filter((a) => a.startsWith('--id')), ['--id=1,0']);
    assert.deepEqual(nvidiaSmiArguments(1000, undefined).filter((a) => a.startsWith('--id')), []);

    for (const [visible, metered] of [['1', 'gpu1'], ['GPU-1fa1e', 'gpu1'], ['0', 'gpu0']] as const) {
      const opened = await openNvmlSource(libraryPath, visible);
      assert.ok(opened.ok, opened.ok ? '' : opened.reason);
      const readings = await opened.source.read();
      assert.deepEqual(readings.map((r) => r.device.split(' ')[0]), [metered], visible);
      assert.match(opened.source.describe(), /not used by this run: CUDA_VISIBLE_DEVICES=/);
      await opened.source.close();
    }
    const hidden = await openNvmlSource(libraryPath, '');
    assert.ok(!hidden.ok);
    assert.match(hidden.reason, /hides every GPU from the training/);
    const none = await openNvmlSource(libraryPath, '7');
    assert.ok(!none.ok);
    assert.match(none.reason, /CUDA_VISIBLE_DEVICES="7" matches none of gpu0 Fake Volta GPU, gpu1 Fake Kepler GPU/);
  });
});
