/**
 * RAPL through a fixture powercap tree in a temp dir: zone choice, watts and counters, wrap-around
 * at max_energy_range_uj, the "exists but not readable" case, and machines without RAPL.
 *
 * Permission denied has to be real, and root reads a chmod-000 file anyway. So when the tests run as
 * root, the detection runs in a child process started as `nobody` (spawn's uid/gid options) against
 * an energy_uj that is root-owned mode 0400, exactly what the PLATYPUS fix leaves on real machines;
 * as a non-root user it runs in-process against a chmod-000 file. Where neither can be arranged
 * (root without CAP_SETUID), the test is skipped with that reason rather than faked.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EnergyMeter } from '../src/energy/meter.ts';
import { counterDelta } from '../src/energy/rapl/counter.ts';
import { discoverRaplZones, isPermissionError } from '../src/energy/rapl/powercapZones.ts';
import { openRaplSource } from '../src/energy/rapl/raplSource.ts';
import { detectPowerSources } from '../src/energy/detect.ts';
import { summariseEnergy } from '../src/energy/savings.ts';
import { readAllPidStats } from '../src/energy/estimate/processCpu.ts';

const MAX_RANGE_UJ = 262_143_328_850;

interface ZoneSpec {
  id: string;
  name: string;
  energyUj: number;
}

async function writeZone(root: string, zone: ZoneSpec): Promise<void> {
  const dir = join(root, zone.id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'name'), `${zone.name}\n`);
  await writeFile(join(dir, 'energy_uj'), `${zone.energyUj}\n`);
  await writeFile(join(dir, 'max_energy_range_uj'), `${MAX_RANGE_UJ}\n`);
}

async function setEnergy(root: string, id: string, energyUj: number): Promise<void> {
  await writeFile(join(root, id, 'energy_uj'), `${energyUj}\n`);
}

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'earlybird-rapl-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function fixtureTree(name: string, zones: ZoneSpec[]): Promise<string> {
  const root = join(scratch, name);
  await mkdir(join(root, 'intel-rapl'), { recursive: true }); // the control-type directory, not a zone
  for (const zone of zones) await writeZone(root, zone);
  return root;
}

describe('RAPL powercap', () => {
  it('sums packages and DRAM, leaves core (inside the package) out, and says so', async () => {
    const root = await fixtureTree('desktop', [
      { id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 },
      { id: 'intel-rapl:0:0', name: 'core', energyUj: 500_000 },
      { id: 'intel-rapl:0:1', name: 'dram', energyUj: 2_000_000 },
    ]);
    const opened = await openRaplSource(root);
    assert.ok(opened.ok, opened.ok ? '' : opened.reason);
    const source = opened.source;
    assert.match(source.describe(), /package-0 \(intel-rapl:0\), dram \(intel-rapl:0:1\)/);
    assert.match(source.describe(), /not summed: core \(already inside its package\)/);

    await setEnergy(root, 'intel-rapl:0', 4_000_000); // +3 J
    await setEnergy(root, 'intel-rapl:0:1', 2_500_000); // +0.5 J
    const readings = await source.read();
    assert.deepEqual(readings.map((r) => [r.device, r.counterJoules, r.kind]), [
      ['package-0', 3, 'measured'],
      ['dram', 0.5, 'measured'],
    ]);
    assert.ok(readings.every((r) => r.watts >= 0 && Number.isFinite(r.watts)));
    source.close();
  });

  it('handles the counter wrapping at max_energy_range_uj', async () => {
    const nearTop = MAX_RANGE_UJ - 1_000_000;
    const root = await fixtureTree('wrap', [{ id: 'intel-rapl:0', name: 'package-0', energyUj: nearTop }]);
    const opened = await openRaplSource(root);
    assert.ok(opened.ok);
    const meter = new EnergyMeter({ initialPhase: 'search' });
    meter.ingest(await opened.source.read()); // baseline, 0 J
    await setEnergy(root, 'intel-rapl:0', 2_000_000); // wrapped: 1 J to the top + 2 J after it
    const [wrapped] = await opened.source.read();
    assert.equal(wrapped!.counterJoules, 3);
    meter.ingest([wrapped!]);
    await setEnergy(root, 'intel-rapl:0', 2_500_000);
    meter.ingest(await opened.source.read());
    assert.equal(meter.phaseJoules('search'), 3.5);
  });

  it('counterDelta: plain, wrapped, and unknown range', () => {
    assert.equal(counterDelta(100, 250, 1000), 150);
    assert.equal(counterDelta(900, 50, 1000), 150);
    assert.equal(counterDelta(900, 50, 0), 0);
  });

  it('explains a machine without RAPL', async () => {
    const empty = join(scratch, 'empty');
    await mkdir(empty);
    const none = await openRaplSource(empty);
    assert.deepEqual(none, { ok: false, reason: `RAPL: ${empty} has no intel-rapl domains (no RAPL on this machine)` });
    const missing = await openRaplSource(join(scratch, 'absent'));
    assert.ok(!missing.ok && /does not exist/.test(missing.reason));
  });

  it('classifies permission errors', () => {
    assert.ok(isPermissionError(Object.assign(new Error('x'), { code: 'EACCES' })));
    assert.ok(isPermissionError(Object.assign(new Error('x'), { code: 'EPERM' })));
    assert.ok(!isPermissionError(Object.assign(new Error('x'), { code: 'ENOENT' })));
  });

  it('says energy_uj is root-only and names the fix when it cannot be read', async (t) => {
    const root = await fixtureTree('platypus', [{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }]);
    const energyFile = join(root, 'intel-rapl:0', 'energy_uj');
    let reason: string;

    if (process.getuid?.() !== 0) {
      await chmod(energyFile, 0o000);
      const discovery = await discoverRaplZones(root);
      assert.ok(!discovery.ok);
      reason = discovery.reason;
    } else {
      // mkdtemp made the scratch dir 0700: let `nobody` walk to the tree, like /sys is walkable.
      await chmod(scratch, 0o755);
      await chmod(energyFile, 0o400);
      const module = resolve('src/energy/rapl/powercapZones.ts');
      const script =
        `const { discoverRaplZones } = await import(${JSON.stringify(module)});` +
        `console.log(JSON.stringify(await discoverRaplZones(${JSON.stringify(root)})));`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        uid: 65534, gid: 65534, cwd: process.cwd(), encoding: 'utf8', timeout: 20_000,
        env: { ...process.env, HOME: tmpdir() },
      });
      if (child.error && /EPERM/.test(String(child.error))) {
        t.skip('running as root without CAP_SETUID: cannot produce a real EACCES here');
        return;
      }
      assert.equal(child.status, 0, `child failed: ${child.stderr}`);
      const discovery = JSON.parse(child.stdout.trim().split('\n').pop()!) as { ok: boolean; reason: string };
      assert.equal(discovery.ok, false);
      reason = discovery.reason;
    }
    assert.match(reason, /intel-rapl:0\/energy_uj exists but is not readable by this user/);
    assert.match(reason, /PLATYPUS/);
    assert.match(reason, /chmod o\+r .*intel-rapl:\*\/energy_uj/);
    assert.match(reason, /udev rule/);
  });
});

describe('RAPL and contention', () => {
  it('a whole-package sensor comes with the run\'s CPU activity, and a phase beside a real busy process is marked contended, whole-device', { skip: !existsSync('/proc/self/stat') }, async () => {
    const root = await fixtureTree('contended', [{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }]);
    const detected = await detectPowerSources({ intervalMs: 1000, powercapRoot: root, nvmlLibrary: join(scratch, 'no-nvml.so'), nvidiaSmi: join(scratch, 'no-nvidia-smi') });
    // Another process on the machine, not part of this run: started through a shell that exits at
    // once, so it is not a descendant of this process (a child of ours is the run's own work).
    const busyPid = Number(spawnSync('sh', ['-c', `'${process.execPath}' -e 'for(;;){}' >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).stdout.trim());
    assert.ok(busyPid > 0, 'the busy process started');
    const busy = { pid: busyPid, kill: (signal: NodeJS.Signals) => { try { process.kill(busyPid, signal); } catch { /* already gone */ } } };
    try {
      assert.deepEqual(detected.sources.map((s) => s.name), ['rapl', 'cpu-activity']);
      const meter = new EnergyMeter({ initialPhase: 'dense' });
      const readAll = async () => (await Promise.all(detected.sources.map((s) => s.read()))).flat();
      meter.ingest(await readAll());
      const burnt = async () => (await readAllPidStats()).find((s) => s.pid === busy.pid)?.cpuSeconds ?? 0;
      const before = await burnt();
      while ((await burnt()) - before < 0.3) await new Promise((r) => setTimeout(r, 100));
      await setEnergy(root, 'intel-rapl:0', 3_000_000);
      meter.ingest(await readAll());
      const summary = summariseEnergy({ totals: meter.totals(), views: meter.allTotals() });
      assert.equal(summary.phases.dense!.joules, 2, 'RAPL: 2 J by difference');
      const dense = summary.contention.dense!;
      assert.ok(dense.otherCpuSeconds >= 0.3, JSON.stringify(dense));
      assert.deepEqual([dense.contended, dense.wholeDevice], [true, true]);
    } finally {
      busy.kill('SIGKILL');
      await Promise.all(detected.sources.map((s) => s.close()));
    }
  });
});
