/**
 * The CPU estimate (utilisation from /proc/stat × TDP from the model table), source detection on
 * this very machine, and the hardware inventory.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectPowerSources } from '../src/energy/detect.ts';
import { cpuPowerModel, estimateCpuWatts, openCpuEstimateSource } from '../src/energy/estimate/cpuEstimateSource.ts';
import { parseCpuInfo } from '../src/energy/estimate/cpuModel.ts';
import { DEFAULT_TDP_WATTS, lookupCpuTdp } from '../src/energy/estimate/cpuTdpTable.ts';
import { parseProcStat, utilisationBetween } from '../src/energy/estimate/procStat.ts';
import { hardwareInventory } from '../src/energy/inventory.ts';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'earlybird-estimate-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** /proc/stat with the aggregate line: user nice system idle iowait irq softirq steal guest guest_nice. */
const procStat = (user: number, system: number, idle: number, iowait = 0, steal = 0) =>
  `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 ${steal} 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\nintr 12345\nctxt 6789\n`;

const cpuInfo = (model: string, processors: number) =>
  Array.from({ length: processors }, (_, i) => `processor\t: ${i}\nvendor_id\t: x\nmodel name\t: ${model}\n`).join('\n');

describe('utilisation from /proc/stat', () => {
  it('counts user+system as busy, idle+iowait+steal as not', () => {
    const before = parseProcStat(procStat(100, 100, 800));
    assert.deepEqual(before, { busy: 200, total: 1000 });
    const after = parseProcStat(procStat(250, 150, 950, 30, 20));
    // busy +200 over total +400
    assert.equal(utilisationBetween(before, after), 0.5);
    assert.equal(utilisationBetween(after, after), null);
    assert.throws(() => parseProcStat('intr 1\n'), /no aggregate/);
  });
});

describe('TDP table', () => {
  it('matches model strings from /proc/cpuinfo and systeminformation', () => {
    assert.equal(lookupCpuTdp('Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz')?.tdpWatts, 95);
    assert.equal(lookupCpuTdp('Intel Core™ i5-12400F')?.tdpWatts, 65);
    assert.equal(lookupCpuTdp('AMD EPYC 7763 64-Core Processor')?.tdpWatts, 280);
    assert.equal(lookupCpuTdp('Intel(R) Xeon(R) Platinum 8480+')?.tdpWatts, 350);
    assert.equal(lookupCpuTdp('AMD Ryzen 7 7800X3D 8-Core Processor')?.tdpWatts, 120);
    assert.equal(lookupCpuTdp('AMD Ryzen 9 7950X3D 16-Core Processor'), null, 'X3D is another part');
    assert.equal(lookupCpuTdp('AMD EPYC'), null);
  });

  it('scales a package TDP to the threads this machine sees, or falls back to 85 W and says why', () => {
    const vm = cpuPowerModel({ model: 'AMD EPYC 7763 64-Core Processor', logicalCpus: 2, utilisationFrom: '/proc/stat' });
    assert.equal(vm.tdpWatts, 280 * 2 / 128);
    assert.match(vm.formula, /280 W TDP of the epyc 7763 × 2 visible \/ 128 threads per package/);

    const unknown = cpuPowerModel({ model: 'AMD EPYC', logicalCpus: 2, utilisationFrom: '/proc/stat' });
    assert.equal(unknown.tdpWatts, DEFAULT_TDP_WATTS);
    assert.match(unknown.formula, /85 W, CodeCarbon's default for an unknown CPU \(model "AMD EPYC" is not in the TDP table/);

    const given = cpuPowerModel({ model: 'AMD EPYC', logicalCpus: 2, tdpWatts: 40, idleFraction: 0.25, utilisationFrom: 'x' });
    assert.deepEqual([given.tdpWatts, given.idleWatts], [40, 10]);
    assert.equal(estimateCpuWatts(given, 0.5), 25); // 10 + (40 − 10) × 0.5
  });

  it('reads model and logical CPUs from cpuinfo', () => {
    assert.deepEqual(parseCpuInfo(cpuInfo('Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz', 12)), {
      model: 'Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz', logicalCpus: 12,
    });
  });
});

describe('CPU estimate source', () => {
  it('reports idle + (TDP − idle) × utilisation, marked estimated, with its formula', async () => {
    const statPath = join(scratch, 'stat');
    const infoPath = join(scratch, 'cpuinfo');
    await writeFile(statPath, procStat(100, 100, 800));
    await writeFile(infoPath, cpuInfo('Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz', 12));
    const source = await openCpuEstimateSource({ procStat: statPath, cpuInfo: infoPath });
    assert.equal(source.model.tdpWatts, 95);
    assert.match(source.describe(), /P = idle \+ \(TDP − idle\) × utilisation; TDP = 95 W, the TDP of the i7-8700k; idle = 10% of TDP = 9.5 W/);

    await writeFile(statPath, procStat(250, 150, 950, 30, 20)); // 50 % busy
    const [reading] = await source.read();
    assert.equal(reading!.kind, 'estimated');
    assert.equal(reading!.utilisation, 0.5);
    assert.equal(reading!.watts, 9.5 + (95 - 9.5) * 0.5);

    const [idle] = await source.read(); // no time passed: keeps the last utilisation
    assert.equal(idle!.utilisation, 0.5);
  });

  it('falls back to os.cpus() when /proc/stat cannot be read', async () => {
    const source = await openCpuEstimateSource({ procStat: join(scratch, 'no-stat'), tdpWatts: 50 });
    assert.match(source.formula, /os\.cpus\(\)/);
    const [reading] = await source.read();
    assert.ok(reading!.watts >= 5 && reading!.watts <= 50);
  });
});

describe('detection on this machine', () => {
  it('falls back to the estimate and says why for every source it could not use', async () => {
    const detected = await detectPowerSources({ intervalMs: 1000 });
    try {
      for (const skipped of detected.skipped) assert.ok(skipped.reason.length > 20, `${skipped.name}: ${skipped.reason}`);
      const hasPowercap = existsSync('/sys/class/powercap');
      const hasNvidia = existsSync('/dev/nvidiactl');
      if (!hasPowercap) {
        assert.ok(detected.sources.some((s) => s.name === 'cpu-estimate'));
        const rapl = detected.skipped.find((s) => s.name === 'rapl');
        assert.match(rapl!.reason, /^RAPL: \/sys\/class\/powercap does not exist/);
        const estimate = detected.sources.find((s) => s.name === 'cpu-estimate')!;
        assert.equal(estimate.kind, 'estimated');
        assert.match(estimate.describe(), /^CPU estimate \(no counter readable\): P = idle \+ \(TDP − idle\) × utilisation; TDP = /);
      }
      if (!hasNvidia) {
        assert.deepEqual(detected.skipped.filter((s) => s.name !== 'rapl').map((s) => s.name), ['nvml', 'nvidia-smi']);
        assert.match(detected.skipped[0]!.reason, /^NVML: cannot load libnvidia-ml\.so\.1/);
        assert.match(detected.skipped[1]!.reason, /^nvidia-smi: nvidia-smi is not on the PATH/);
      }
    } finally {
      await Promise.all(detected.sources.map((s) => s.close()));
    }
  });
});

describe('hardware inventory', () => {
  it('returns plain JSON in under 2 s', async () => {
    const start = performance.now();
    const inventory = await hardwareInventory();
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
    assert.deepEqual(JSON.parse(JSON.stringify(inventory)), inventory);
    assert.ok(inventory.cpu.cores === null || inventory.cpu.cores > 0);
    assert.ok(inventory.memory.totalBytes === null || inventory.memory.totalBytes > 0);
    assert.equal(typeof inventory.os.platform, 'string');
  });
});
