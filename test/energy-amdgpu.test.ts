/**
 * GPU power follows the WebGPU adapter: the amdgpu hwmon source on fixture trees shaped like
 * /sys/class/drm (energy counter, average power, instantaneous power, other vendors, connectors,
 * unreadable cards), and which source — or which reason — each kind of adapter gets.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { adapterVendor, detectAdapterPower, labelMatchesAdapter } from '../src/energy/adapterPower.ts';
import { discoverAmdgpuCards, openAmdgpuSource } from '../src/energy/amdgpu/amdgpuSource.ts';
import { detectPowerSources } from '../src/energy/detect.ts';

let root: string;
const put = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};
/** One DRM card: PCI vendor/device and hwmon files. */
const card = (name: string, vendor: string, files: Record<string, string>, hwmonName = 'amdgpu') => {
  put(`${name}/device/vendor`, `${vendor}\n`);
  put(`${name}/device/device`, '0x744c\n');
  put(`${name}/device/hwmon/hwmon3/name`, `${hwmonName}\n`);
  for (const [file, text] of Object.entries(files)) put(`${name}/device/hwmon/hwmon3/${file}`, text);
};

before(() => {
  root = mkdtempSync(join(tmpdir(), 'eb-drm-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('amdgpu hwmon source (fixture trees)', () => {
  test('no DRM tree, or no AMD card: the reason says which', async () => {
    assert.match((await discoverAmdgpuCards(join(root, 'missing')) as { reason: string }).reason, /does not exist/);
    card('card1', '0x10de', { power1_average: '50000000\n' }, 'nouveau');
    mkdirSync(join(root, 'card1-DP-1'), { recursive: true });
    assert.match((await discoverAmdgpuCards(root) as { reason: string }).reason, /no AMD GPU \(PCI vendor 0x1002\)/);
  });

  test('an AMD card without a readable power file is named', async () => {
    card('card2', '0x1002', { temp1_input: '40000\n' });
    const found = await discoverAmdgpuCards(root);
    assert.ok(!found.ok);
    assert.match(found.reason, /card2 \(no amdgpu hwmon with energy1_input, power1_average or power1_input\)/);
  });

  test('energy1_input is preferred and integrated by difference; power1_average is read in watts', async () => {
    card('card0', '0x1002', { energy1_input: '5000000000\n', power1_average: '1\n' });
    card('card3', '0x1002', { power1_average: '187000000\n' });
    const opened = await openAmdgpuSource(root);
    assert.ok(opened.ok, opened.ok ? '' : opened.reason);
    const source = opened.source;
    assert.match(source.describe(), /card0 \(0x744c\) via hwmon3\/energy1_input \(µJ, by difference\)/);
    assert.match(source.describe(), /card3 \(0x744c\) via hwmon3\/power1_average/);
    assert.match(source.describe(), /not metered: card2/);
    await sleep(20);
    put('card0/device/hwmon/hwmon3/energy1_input', '5003000000\n'); // +3 J
    const readings = await source.read();
    const counter = readings.find((r) => r.device.startsWith('card0'))!;
    assert.equal(counter.counterJoules, 3);
    assert.equal(counter.kind, 'measured');
    assert.ok(counter.watts > 0);
    const average = readings.find((r) => r.device.startsWith('card3'))!;
    assert.equal(average.watts, 187);
    assert.equal(average.counterJoules, undefined);
  });

  test('power1_input (RDNA 3) when there is no power1_average', async () => {
    const other = mkdtempSync(join(tmpdir(), 'eb-drm-rdna3-'));
    try {
      mkdirSync(join(other, 'card0/device/hwmon/hwmon1'), { recursive: true });
      writeFileSync(join(other, 'card0/device/vendor'), '0x1002');
      writeFileSync(join(other, 'card0/device/device'), '0x7448');
      writeFileSync(join(other, 'card0/device/hwmon/hwmon1/name'), 'amdgpu');
      writeFileSync(join(other, 'card0/device/hwmon/hwmon1/power1_input'), '95500000');
      const opened = await openAmdgpuSource(other);
      assert.ok(opened.ok);
      assert.equal((await opened.source.read())[0]!.watts, 95.5);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('GPU power follows the adapter', () => {
  const base = { intervalMs: 1000, nvmlLibrary: '/nonexistent/libnvidia-ml.so.1', nvidiaSmi: '/nonexistent/nvidia-smi' };

  test('an AMD adapter on Linux is metered through amdgpu hwmon; elsewhere it says why not', async () => {
    const amd = { vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', software: false };
    const detected = await detectPowerSources({ ...base, drmRoot: root, gpuAdapter: amd });
    assert.deepEqual(detected.sources.filter((s) => s.name === 'amdgpu-hwmon').length, 1);
    assert.ok(!detected.skipped.some((s) => s.name === 'nvml'), 'NVML is not tried for an AMD adapter');
    for (const source of detected.sources) await source.close();
    const win = await detectAdapterPower(amd, { ...base, drmRoot: root, platform: 'win32' });
    assert.match(win.skipped[0]!.reason, /AMD GPU on win32; only Linux's amdgpu hwmon files are read/);
  });

  test('a software adapter, an Intel iGPU, an Apple GPU: not metered, each with its reason', async () => {
    const sw = await detectAdapterPower({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', software: true }, base);
    assert.deepEqual(sw.sources, []);
    assert.match(sw.skipped[0]!.reason, /SwiftShader driver 5\.0\.0 is a software adapter.*in the CPU figure/);
    const igpu = await detectAdapterPower({ vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) UHD Graphics 770', software: false }, base);
    assert.match(igpu.skipped[0]!.reason, /integrated in the CPU package.*RAPL package figure/);
    const arc = await detectAdapterPower({ vendor: 'intel', architecture: 'xe-hpg', description: 'Intel(R) Arc(TM) A770 Graphics', software: false }, base);
    assert.match(arc.skipped[0]!.reason, /discrete Intel GPU/);
    const apple = await detectAdapterPower({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2', software: false }, base);
    assert.match(apple.skipped[0]!.reason, /powermetrics, which needs root/);
  });

  test('an NVIDIA adapter goes to NVML, then nvidia-smi; each failure is named', async () => {
    const nv = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3', software: false };
    assert.equal(adapterVendor(nv), 'nvidia');
    const result = await detectAdapterPower(nv, base);
    assert.deepEqual(result.sources, []);
    assert.deepEqual(result.skipped.map((s) => s.name), ['nvml', 'nvidia-smi']);
    // The NVML device label is `gpu<index> <name>`: the adapter's device is the one with its name.
    assert.equal(labelMatchesAdapter('gpu1 NVIDIA H100 80GB HBM3', nv.description), true);
    assert.equal(labelMatchesAdapter('gpu0 NVIDIA A100-SXM4-40GB', nv.description), false);
    assert.equal(labelMatchesAdapter('gpu0', nv.description), false);
    // What Dawn reported on a real H100 (NVIDIA's Vulkan driver 580.159.04, 2026-11-26): the
    // description holds only the driver version, the name is in the device slug.
    const h100 = { description: 'NVIDIA: 580.159.04 580.159.4.0', device: 'nvidia-h100-80gb-hbm3' };
    assert.equal(labelMatchesAdapter('gpu0 NVIDIA H100 80GB HBM3', h100.description, h100.device), true);
    assert.equal(labelMatchesAdapter('gpu1 NVIDIA A100-SXM4-40GB', h100.description, h100.device), false);
    assert.equal(labelMatchesAdapter('gpu0 NVIDIA H100 80GB HBM3', h100.description), false);
  });
});
