/**
 * The CPU estimate (the run's CPU time × watts per core from CodeCarbon's table), the cores a run
 * may use, per-process attribution with real processes, source detection on this very machine, and
 * the hardware inventory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectPowerSources } from '../src/energy/detect.ts';
import { CpuEstimateSource, cpuPowerModel, estimateCpuWatts, openCpuEstimateSource, runShareOfBusy } from '../src/energy/estimate/cpuEstimateSource.ts';
import { activityReadings, CpuActivityProbe, MAIN_THREAD_DEVICE } from '../src/energy/estimate/cpuActivity.ts';
import { parseCpuInfo } from '../src/energy/estimate/cpuModel.ts';
import { cpuPowerTable, DEFAULT_WATTS_PER_CORE, lookupCpuPower, medianWattsPerCore, type CpuPowerEntry } from '../src/energy/estimate/cpuPowerTable.ts';
import { parsePidStat, processTreeCpuSeconds, readAllPidStats, treeCpuSeconds } from '../src/energy/estimate/processCpu.ts';
import { usableCores } from '../src/energy/estimate/usableCores.ts';
import { parseProcStat, utilisationBetween } from '../src/energy/estimate/procStat.ts';
import { hardwareInventory, nvidiaSmiGpus } from '../src/energy/inventory.ts';
import { EnergyMeter } from '../src/energy/meter.ts';
import { summariseEnergy } from '../src/energy/savings.ts';

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

const pick = (e: CpuPowerEntry | null) => (e ? [e.name, e.tdpWatts, e.cores] : null);

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

describe('CPU power table (CodeCarbon cpu_power.csv)', () => {
  it('matches model strings from /proc/cpuinfo and systeminformation', () => {
    assert.deepEqual(pick(lookupCpuPower('Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz')), ['Intel Core i7-8700K', 95, 6]);
    assert.deepEqual(pick(lookupCpuPower('AMD EPYC 7763 64-Core Processor')), ['AMD EPYC 7763', 280, 64]);
    assert.equal(lookupCpuPower('AMD Ryzen 9 7950X 16-Core Processor')?.tdpWatts, 170);
    assert.equal(lookupCpuPower('AMD Ryzen 9 7950X3D 16-Core Processor')?.tdpWatts, 120, 'X3D is another part');
    assert.equal(lookupCpuPower('Intel(R) Xeon(R) Processor'), null);
    assert.equal(lookupCpuPower('AMD EPYC'), null);
  });

  it('keeps the stated default per core equal to the median of the shipped table', () => {
    assert.equal(medianWattsPerCore(), DEFAULT_WATTS_PER_CORE);
    assert.ok(cpuPowerTable().length > 4000);
  });

  it('known model: TDP / cores of the model × the cores this run may use', () => {
    const vm = cpuPowerModel({ model: 'AMD EPYC 7763 64-Core Processor', machineCpus: 2, usableCores: 2, usableCoresBasis: 'affinity' });
    assert.equal(vm.wattsPerCore, 280 / 64);
    assert.match(vm.source, /CodeCarbon's cpu_power\.csv \(MIT\), row "AMD EPYC 7763"/);
    assert.match(vm.formula, /4\.38 W = 280 W TDP of the AMD EPYC 7763 \/ 64 cores/);
    assert.equal(estimateCpuWatts(vm, 2, 2), 2 * 280 / 64);
    // Bare metal with SMT: 128 logical CPUs on 64 cores, a logical CPU is half a core.
    const metal = cpuPowerModel({ model: 'AMD EPYC 7763 64-Core Processor', machineCpus: 128, usableCores: 128, usableCoresBasis: 'affinity' });
    assert.equal(metal.wattsPerCore * 128, 280);
  });

  it('unknown model: the stated default per core, and says why', () => {
    const unknown = cpuPowerModel({ model: 'Intel(R) Xeon(R) Processor', machineCpus: 2, usableCores: 2, usableCoresBasis: 'affinity' });
    assert.equal(unknown.wattsPerCore, DEFAULT_WATTS_PER_CORE);
    assert.equal(unknown.source, 'default per core');
    assert.match(unknown.formula, /8\.75 W, the median TDP per core of CodeCarbon's cpu_power\.csv \(MIT\) \(model "Intel\(R\) Xeon\(R\) Processor" is not in/);
    assert.match(unknown.summary, /^Intel\(R\) Xeon\(R\) Processor: 8\.75 W per core \(default per core\) × 2 cores$/);
  });

  it('charges the run idle power by its share of the busy CPU time, all of it when it is alone', () => {
    const m = cpuPowerModel({ model: 'AMD EPYC 7763 64-Core Processor', machineCpus: 2, usableCores: 2, usableCoresBasis: 'affinity' });
    const idle = m.idleWattsPerCore * 2;
    assert.equal(runShareOfBusy(1.5, 1.5), 1);
    assert.equal(runShareOfBusy(0, 0), 1, 'an idle machine is the run\'s');
    assert.equal(runShareOfBusy(0.5, 2), 0.25);
    assert.equal(estimateCpuWatts(m, 2, 1.5, runShareOfBusy(1.5, 1.5)), idle + (m.wattsPerCore - m.idleWattsPerCore) * 1.5);
    assert.equal(estimateCpuWatts(m, 2, 0.5, runShareOfBusy(0.5, 2)), idle * 0.25 + (m.wattsPerCore - m.idleWattsPerCore) * 0.5);
  });

  it('user override: tdpWatts over all logical CPUs', () => {
    const given = cpuPowerModel({ model: 'AMD EPYC', machineCpus: 4, usableCores: 2, usableCoresBasis: 'x', tdpWatts: 40, idleFraction: 0.25 });
    assert.deepEqual([given.wattsPerCore, given.idleWattsPerCore], [10, 2.5]);
    assert.equal(estimateCpuWatts(given, 2, 1), 2 * 2.5 + (10 - 2.5) * 1);
    assert.match(given.source, /settings/);
  });

  it('reads model and logical CPUs from cpuinfo', () => {
    assert.deepEqual(parseCpuInfo(cpuInfo('Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz', 12)), {
      model: 'Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz', logicalCpus: 12,
    });
  });
});

describe('cores this run may use', () => {
  it('cgroup v2 cpu.max limits below the affinity, the tightest ancestor wins', async () => {
    const root = join(scratch, 'cg2');
    await mkdir(join(root, 'slurm', 'job7'), { recursive: true });
    await writeFile(join(root, 'slurm', 'cpu.max'), '300000 100000\n');
    await writeFile(join(root, 'slurm', 'job7', 'cpu.max'), '150000 100000\n');
    await writeFile(join(scratch, 'cgroup-v2'), '0::/slurm/job7\n');
    const cores = await usableCores({ procSelfCgroup: join(scratch, 'cgroup-v2'), cgroupRoot: root, affinityCpus: 8 });
    assert.equal(cores.cores, 1.5);
    assert.match(cores.basis, /cgroup CPU quota 1\.5 cores .*job7\/cpu\.max: 150000 100000/);
    const model = cpuPowerModel({ model: 'AMD EPYC 7763 64-Core Processor', machineCpus: 8, usableCores: cores.cores, usableCoresBasis: cores.basis });
    assert.equal(estimateCpuWatts(model, model.usableCores, 8), 1.5 * 280 / 64, 'never more busy cores than the quota');
  });

  it('"max" is no limit; cgroup v1 cfs quota is read too', async () => {
    const root = join(scratch, 'cg-max');
    await mkdir(join(root, 'user'), { recursive: true });
    await writeFile(join(root, 'user', 'cpu.max'), 'max 100000\n');
    await writeFile(join(scratch, 'cgroup-max'), '0::/user\n');
    assert.equal((await usableCores({ procSelfCgroup: join(scratch, 'cgroup-max'), cgroupRoot: root, affinityCpus: 4 })).cores, 4);

    const v1 = join(scratch, 'cg1');
    await mkdir(join(v1, 'cpu,cpuacct', 'docker', 'abc'), { recursive: true });
    await writeFile(join(v1, 'cpu,cpuacct', 'docker', 'abc', 'cpu.cfs_quota_us'), '200000\n');
    await writeFile(join(v1, 'cpu,cpuacct', 'docker', 'abc', 'cpu.cfs_period_us'), '100000\n');
    await writeFile(join(scratch, 'cgroup-v1'), '4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n');
    assert.equal((await usableCores({ procSelfCgroup: join(scratch, 'cgroup-v1'), cgroupRoot: v1, affinityCpus: 16 })).cores, 2);
  });
});

describe('per-process attribution', () => {
  it('parses /proc/<pid>/stat with spaces and parentheses in the name', () => {
    const line = '4242 (my (odd) name) S 17 4242 4242 0 -1 4194304 100 0 0 0 250 50 30 20 20 0 3 0 1000 0 0';
    assert.deepEqual(parsePidStat(line), { pid: 4242, state: 'S', ppid: 17, cpuSeconds: (250 + 50 + 30 + 20) / 100, reapedCpuSeconds: (30 + 20) / 100 });
  });

  it('reads this process\'s own CPU time finer than 10 ms ticks, its children\'s from their lines', { skip: !existsSync('/proc/self/stat') }, async () => {
    const stats = [
      { pid: 10, state: 'S', ppid: 1, cpuSeconds: 2.5, reapedCpuSeconds: 0.5 },
      { pid: 11, state: 'R', ppid: 10, cpuSeconds: 1.25, reapedCpuSeconds: 0 },
    ];
    assert.equal(treeCpuSeconds(stats, 10).seconds, 3.75);
    assert.equal(treeCpuSeconds(stats, 10, 2.0123).seconds, 2.0123 + 0.5 + 1.25, 'own time replaced, reaped children and descendants kept');
    // A phase boundary's reading follows the one before by milliseconds: ticks would show 0 or 10 ms.
    const before = (await processTreeCpuSeconds(process.pid)).seconds;
    const from = process.cpuUsage();
    while (process.cpuUsage(from).user + process.cpuUsage(from).system < 3000) { /* busy for 3 ms of CPU */ }
    const spent = (await processTreeCpuSeconds(process.pid)).seconds - before;
    assert.ok(spent >= 0.003, `at least the 3 ms burnt: ${spent}`);
    assert.ok(Math.abs(spent * 100 - Math.round(spent * 100)) > 1e-6, `not a whole number of 10 ms ticks: ${spent}`);
  });

  it('reads the main thread\'s CPU time apart from the whole process\'s', { skip: !existsSync('/proc/self/task') }, async () => {
    const probe = await CpuActivityProbe.open();
    const before = await probe.sample();
    // Busy until the process has spent 0.3 s of CPU (however loaded the machine), the main thread waiting.
    const worker = new Worker('const from = process.cpuUsage(); while ((({ user, system }) => user + system)(process.cpuUsage(from)) < 300_000) {}', { eval: true });
    await new Promise((resolve) => worker.once('exit', resolve));
    const after = await probe.sample();
    const main = after.mainThreadCpuSeconds! - before.mainThreadCpuSeconds!;
    const whole = after.runCpuSeconds - before.runCpuSeconds;
    // The worker thread's 0.3 s of CPU is the process's, not its main thread's.
    assert.ok(whole - main >= 0.2, `process ${whole} s, main thread ${main} s`);
    assert.ok(activityReadings(after).some((r) => r.device === MAIN_THREAD_DEVICE && r.counterJoules === after.mainThreadCpuSeconds));
  });

  it('charges a real child process burning CPU, not a sibling process', { skip: !existsSync('/proc/self/stat') }, async () => {
    // The "run": a parent that only waits, with a child that burns CPU. Its sibling burns CPU too.
    const run = spawn(process.execPath, ['-e', `require('child_process').spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'inherit' }); setInterval(() => {}, 1000);`], { stdio: 'ignore' });
    const sibling = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    let burnerPid: number | undefined;
    try {
      const source = await openCpuEstimateSource({ rootPid: run.pid!, logicalCpus: 2, affinityCpus: 2, tdpWatts: 20 });
      let tree = { seconds: 0, pids: [] as number[] };
      let stats: Awaited<ReturnType<typeof readAllPidStats>> = [];
      // Until the child has burnt 0.3 s of CPU (however busy the machine is).
      while (tree.pids.length < 2 || tree.seconds < 0.3) {
        await new Promise((r) => setTimeout(r, 100));
        stats = await readAllPidStats();
        tree = treeCpuSeconds(stats, run.pid!);
        burnerPid = stats.find((s) => s.ppid === run.pid)?.pid;
      }
      const burner = stats.find((s) => s.ppid === run.pid)!;
      burnerPid = burner.pid;
      assert.ok(tree.pids.includes(burner.pid), 'the child is in the run');
      assert.ok(!tree.pids.includes(sibling.pid!), 'the sibling is not');
      const siblingSeconds = stats.find((s) => s.pid === sibling.pid)!.cpuSeconds;
      assert.ok(siblingSeconds > 0);
      const own = stats.filter((s) => tree.pids.includes(s.pid)).reduce((sum, s) => sum + s.cpuSeconds, 0);
      assert.equal(tree.seconds, own, 'exactly the tree: the sibling\'s seconds are not in it');
      const readings = await source.read();
      const runReading = readings.find((r) => r.device === 'cpu' && !r.view)!;
      const activity = Object.fromEntries(readings.filter((r) => r.view === 'activity').map((r) => [r.device, r.counterJoules]));
      assert.ok(runReading.utilisation! > 0, 'the burning child makes the run busy');
      assert.ok(runReading.watts > 0);
      assert.ok(activity.run! >= tree.seconds, 'run CPU time counts the child');
      assert.ok(activity.others! >= siblingSeconds, 'the sibling is among the others');
    } finally {
      // The grandchild first: killing the parent would orphan it, still burning.
      if (burnerPid !== undefined) process.kill(burnerPid, 'SIGKILL');
      run.kill('SIGKILL');
      sibling.kill('SIGKILL');
    }
  });
});

describe('contention', () => {
  it('marks a phase contended when a real busy process shares the machine with the run', { skip: !existsSync('/proc/self/stat') }, async () => {
    // The run: an idle process. Beside it, a process that burns a core (as `yes > /dev/null` would).
    const run = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const busy = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    try {
      const source = await openCpuEstimateSource({ rootPid: run.pid!, logicalCpus: 2, affinityCpus: 2 });
      const meter = new EnergyMeter({ initialPhase: 'dense' });
      meter.ingest(await source.read());
      const startedAt = (await readAllPidStats()).find((s) => s.pid === busy.pid)!.cpuSeconds;
      // Until the busy process has burnt 0.5 s of CPU, however loaded the machine is.
      while ((await readAllPidStats()).find((s) => s.pid === busy.pid)!.cpuSeconds - startedAt < 0.5) await new Promise((r) => setTimeout(r, 100));
      meter.ingest(await source.read());
      const summary = summariseEnergy({ totals: meter.totals(), views: meter.allTotals() });
      const dense = summary.contention.dense!;
      assert.ok(dense.otherCpuSeconds >= 0.5, JSON.stringify(dense));
      assert.equal(dense.contended, true, JSON.stringify(dense));
      assert.equal(dense.wholeDevice, false, 'the estimate charges the run only');
      assert.ok(summary.machine!.phases.dense! > summary.phases.dense!.joules, 'the machine view sees the busy process, the run\'s figure does not');
    } finally {
      run.kill('SIGKILL');
      busy.kill('SIGKILL');
    }
  });
});

describe('CPU estimate source', () => {
  it('describes its model, marks readings estimated and keeps the machine view apart', async () => {
    const infoPath = join(scratch, 'cpuinfo');
    await writeFile(infoPath, cpuInfo('AMD EPYC 7763 64-Core Processor', 2));
    const source = await openCpuEstimateSource({ cpuInfo: infoPath, logicalCpus: 2, affinityCpus: 2 });
    assert.equal(source.model.wattsPerCore, 280 / 64);
    assert.match(source.describe(), /charged to the run's processes: AMD EPYC 7763 64-Core Processor: 4\.38 W per core \(CodeCarbon's cpu_power\.csv \(MIT\), row "AMD EPYC 7763"\) × 2 cores/);
    const readings = await source.read();
    assert.deepEqual(readings.map((r) => [r.device, r.view ?? 'run', r.kind]), [
      ['cpu', 'run', 'estimated'], ['cpu', 'machine', 'estimated'], ['run', 'activity', 'measured'], ['others', 'activity', 'measured'], ['main-thread', 'activity', 'measured'],
    ]);
    for (const r of readings.slice(0, 2)) assert.ok(r.watts >= 0 && r.watts <= 280 / 64 * 2 + 1e-9);
    assert.ok(readings[1]!.watts >= 0.1 * 280 / 64 * 2 - 1e-9, 'the machine view always carries the idle power of every CPU');
  });

  it('counts its joules (each interval\'s mean power × its length), so the meter integrates by difference', async () => {
    const source = await openCpuEstimateSource({ tdpWatts: 20, logicalCpus: 2, affinityCpus: 2 });
    const first = await source.read();
    await new Promise((r) => setTimeout(r, 250));
    const second = await source.read();
    for (const view of ['run', 'machine']) {
      const [a, b] = [first, second].map((rs) => rs.find((r) => r.device === 'cpu' && (r.view ?? 'run') === view)!);
      const held = b!.watts * (b!.timeMs - a!.timeMs) / 1000;
      assert.ok(Math.abs(b!.counterJoules! - a!.counterJoules! - held) < 1e-9, `${view}: ${b!.counterJoules! - a!.counterJoules!} J against ${held} J`);
    }
    // Fed to the meter, an interval's joules are its own watts × its length, not the mean with the reading before.
    const meter = new EnergyMeter({ initialPhase: 'a' });
    meter.ingest(first);
    meter.ingest(second);
    const run = second.find((r) => r.device === 'cpu' && !r.view)!;
    const expected = run.watts * (run.timeMs - first[0]!.timeMs) / 1000;
    assert.ok(Math.abs(meter.phaseJoules('a') - expected) < 1e-9, `${meter.phaseJoules('a')} J against ${expected} J`);
  });

  it('shows power over 200 ms at least: a boundary reading a few ms after the last one neither spikes nor drops it', async () => {
    // The run burns one core throughout; /proc counts CPU time in 10 ms ticks, so a 4 ms interval reads as anything from 0 to both cores.
    const samples = [
      { timeMs: 1000, runCpuSeconds: 0, machineBusySeconds: 0, mainThreadCpuSeconds: null },
      { timeMs: 1500, runCpuSeconds: 0.5, machineBusySeconds: 0.5, mainThreadCpuSeconds: null },
      { timeMs: 1504, runCpuSeconds: 0.508, machineBusySeconds: 0.508, mainThreadCpuSeconds: null },
      { timeMs: 2004, runCpuSeconds: 1.004, machineBusySeconds: 1.004, mainThreadCpuSeconds: null },
    ];
    let next = 1;
    const model = cpuPowerModel({ model: 'test CPU', machineCpus: 2, usableCores: 2, usableCoresBasis: 'test', tdpWatts: 20 });
    const source = new CpuEstimateSource(model, { sample: async () => samples[next++]! }, samples[0]!, 'test');
    const run = async () => (await source.read()).find((r) => r.device === 'cpu' && !r.view)!;
    const oneCore = estimateCpuWatts(model, 2, 1, 1);
    const [a, b, c] = [await run(), await run(), await run()];
    assert.ok(Math.abs(a.watts - oneCore) < 1e-9 && Math.abs(b.watts - oneCore) < 1e-9 && Math.abs(c.watts - oneCore) < 1e-9, `${a.watts}, ${b.watts}, ${c.watts} W against ${oneCore} W`);
    // The joules are each interval's own: two cores for 4 ms, then 0.992 of one for 500 ms; their sum is one core for 1004 ms.
    assert.ok(Math.abs(c.counterJoules! - oneCore * 1.004) < 1e-9, `${c.counterJoules} J`);
  });

  it('falls back to os.cpus() when /proc/stat cannot be read', async () => {
    const source = await openCpuEstimateSource({ procStat: join(scratch, 'no-stat'), tdpWatts: 50 });
    assert.match(source.formula, /os\.cpus\(\)/);
    const [reading] = await source.read();
    assert.ok(reading!.watts >= 0 && reading!.watts <= 50);
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
        assert.match(estimate.describe(), /^CPU estimate \(no counter readable\), charged to the run's processes: .+ W per core \(.+\) × [\d.]+ cores$/);
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

  it('names NVIDIA GPUs through nvidia-smi when lspci finds no controller (a real process answering like the H100 machine did)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eb-fake-smi-'));
    try {
      const fake = join(dir, 'nvidia-smi');
      writeFileSync(fake, '#!/bin/sh\n[ "$1" = "--query-gpu=name,memory.total" ] || exit 9\nprintf "NVIDIA H100 80GB HBM3, 81559\\nNVIDIA A100-SXM4-40GB, 40960\\n"\n', { mode: 0o755 });
      assert.deepEqual(await nvidiaSmiGpus(fake), [
        { vendor: 'NVIDIA', model: 'H100 80GB HBM3', vramMb: 81559 },
        { vendor: 'NVIDIA', model: 'A100-SXM4-40GB', vramMb: 40960 },
      ]);
      assert.equal(await nvidiaSmiGpus(join(dir, 'absent')), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
