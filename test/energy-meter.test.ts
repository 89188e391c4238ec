/**
 * The meter against hand-computed integrals: trapezoid for watts, difference for counters, phase
 * boundaries inside an interval, and the rebuild from events.jsonl lines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnergyMeter } from '../src/energy/meter.ts';
import type { EnergyEvent } from '../src/energy/meterEvents.ts';
import type { PowerReading } from '../src/energy/types.ts';

const watts = (timeMs: number, w: number, device = 'gpu0', source = 'nvml'): PowerReading =>
  ({ source, device, timeMs, watts: w, kind: 'measured' });
const counter = (timeMs: number, joules: number, device = 'package-0'): PowerReading =>
  ({ source: 'rapl', device, timeMs, watts: 999, kind: 'measured', counterJoules: joules });

const close = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} expected ${expected}, got ${actual}`);

describe('EnergyMeter integration', () => {
  it('integrates watts by trapezoid: 10 W→20 W over 1 s, then 20 W for 2 s = 15 J + 40 J', () => {
    const meter = new EnergyMeter({ initialPhase: 'search' });
    meter.ingest([watts(0, 10)]);
    meter.ingest([watts(1000, 20)]);
    meter.ingest([watts(3000, 20)]);
    close(meter.totals().search!.nvml!.joules, 55);
    assert.equal(meter.totals().search!.nvml!.kind, 'measured');
  });

  it('integrates counters by difference and ignores their watts', () => {
    const meter = new EnergyMeter({ initialPhase: 'search' });
    meter.ingest([counter(0, 0)]);
    meter.ingest([counter(1000, 5)]);
    meter.ingest([counter(1500, 12)]);
    close(meter.phaseJoules('search'), 12);
  });

  it('keeps devices and sources apart and sums them per source', () => {
    const meter = new EnergyMeter({ initialPhase: 'retrain' });
    meter.ingest([watts(0, 100, 'gpu0'), watts(0, 50, 'gpu1'), counter(0, 100)]);
    meter.ingest([watts(2000, 100, 'gpu0'), watts(2000, 50, 'gpu1'), counter(2000, 130)]);
    const totals = meter.totals().retrain!;
    close(totals.nvml!.joules, 300);
    close(totals.nvml!.devices.gpu0!, 200);
    close(totals.nvml!.devices.gpu1!, 100);
    close(totals.rapl!.joules, 30);
    close(meter.totalJoules(), 330);
  });

  it('starts integrating at the first reading of each device (nothing before it)', () => {
    const meter = new EnergyMeter();
    const event = meter.ingest([watts(5000, 300)]);
    assert.deepEqual(event?.deltas, []);
    assert.equal(meter.totalJoules(), 0);
  });

  it('marks estimated sources as estimated', () => {
    const meter = new EnergyMeter({ initialPhase: 'search' });
    const estimate = (t: number): PowerReading => ({ source: 'cpu-estimate', device: 'cpu', timeMs: t, watts: 40, kind: 'estimated' });
    meter.ingest([estimate(0)]);
    meter.ingest([estimate(500)]);
    assert.equal(meter.totals().search!['cpu-estimate']!.kind, 'estimated');
    close(meter.phaseJoules('search'), 20);
  });
});

describe('EnergyMeter phases', () => {
  it('splits a trapezoid at the boundary along the linear power profile', () => {
    // 10 W at 0 ms → 30 W at 1000 ms; the boundary at 500 ms sits at 20 W.
    const meter = new EnergyMeter({ initialPhase: 'search' });
    meter.ingest([watts(0, 10)]);
    meter.setPhase('surgery', 500);
    meter.ingest([watts(1000, 30)]);
    close(meter.phaseJoules('search'), 7.5); // (10 + 20) / 2 × 0.5 s
    close(meter.phaseJoules('surgery'), 12.5); // (20 + 30) / 2 × 0.5 s
    assert.equal(meter.phase, 'surgery');
  });

  it('splits a counter interval in proportion to time, across several boundaries', () => {
    const meter = new EnergyMeter({ initialPhase: 'search' });
    meter.ingest([counter(0, 0)]);
    meter.setPhase('surgery', 400);
    meter.setPhase('retrain', 600);
    meter.ingest([counter(1000, 10)]);
    close(meter.phaseJoules('search'), 4);
    close(meter.phaseJoules('surgery'), 2);
    close(meter.phaseJoules('retrain'), 4);
  });

  it('gives a whole later interval to the new phase', () => {
    const meter = new EnergyMeter({ initialPhase: 'search' });
    meter.ingest([watts(0, 10)]);
    meter.ingest([watts(1000, 10)]);
    meter.setPhase('retrain', 1000);
    meter.ingest([watts(2000, 10)]);
    close(meter.phaseJoules('search'), 10);
    close(meter.phaseJoules('retrain'), 10);
  });
});

describe('EnergyMeter events', () => {
  it('emits one event per interval and per phase change, and rebuilds from them (ignoring other lines)', () => {
    const events: EnergyEvent[] = [];
    const meter = new EnergyMeter({ initialPhase: 'search', onEvent: (e) => events.push(e) });
    meter.ingest([watts(0, 10), counter(0, 0)]);
    meter.ingest([watts(1000, 30), counter(1000, 8)]);
    meter.setPhase('surgery', 1200);
    meter.ingest([watts(2000, 30), counter(2000, 16)]);
    assert.deepEqual(events.map((e) => e.type), ['energy.phase', 'energy.interval', 'energy.interval', 'energy.phase', 'energy.interval']);

    // What events.jsonl would hold, with other events and a torn last line around them.
    const lines = [
      JSON.stringify({ type: 'epoch', epoch: 1 }),
      ...events.map((e) => JSON.stringify(e)),
      '{"type":"energy.interval","timeMs":30',
    ];
    const parsed = lines.flatMap((line) => {
      try { return [JSON.parse(line) as unknown]; } catch { return []; }
    });
    const resumed = EnergyMeter.fromEvents(parsed);
    assert.deepEqual(resumed.totals(), meter.totals());
    assert.equal(resumed.phase, 'surgery');
    // 0–1000 ms: trapezoid (10+30)/2 × 1 s = 20 J, counter 8 J; 1000–2000 ms at 30 W and 8 J split at 1200 ms.
    close(resumed.phaseJoules('search'), 20 + 8 + 30 * 0.2 + 8 * 0.2);
    close(resumed.phaseJoules('surgery'), 30 * 0.8 + 8 * 0.8);
  });

  it('after a resume, integration restarts at the next reading and phases go on', () => {
    const events: EnergyEvent[] = [];
    const first = new EnergyMeter({ initialPhase: 'search', onEvent: (e) => events.push(e) });
    first.ingest([watts(0, 10)]);
    first.ingest([watts(1000, 10)]);
    const written: EnergyEvent[] = [];
    const resumed = EnergyMeter.fromEvents(events, { onEvent: (e) => written.push(e) });
    assert.equal(written.length, 0, 'replay must not re-emit old events');
    resumed.ingest([watts(60_000, 10)]); // the process was down for a minute: not counted
    resumed.ingest([watts(61_000, 10)]);
    resumed.setPhase('retrain', 61_000);
    resumed.ingest([watts(62_000, 10)]);
    close(resumed.phaseJoules('search'), 20); // 10 J before the crash + 10 J after, nothing for the gap
    close(resumed.phaseJoules('retrain'), 10);
    assert.deepEqual(written.map((e) => e.type), ['energy.interval', 'energy.interval', 'energy.phase', 'energy.interval']);
  });
});

describe('EnergyMeter views', () => {
  it('keeps the machine view and CPU activity out of the run\'s totals, also after a rebuild, and integrates late readings by their own time', () => {
    const events: EnergyEvent[] = [];
    const meter = new EnergyMeter({ initialPhase: 'search', onEvent: (e) => events.push(e) });
    const tick = (t: number, run: number, machine: number, runCpu: number, othersCpu: number): PowerReading[] => [
      { source: 'cpu-estimate', device: 'cpu', timeMs: t, watts: run, kind: 'estimated' },
      { source: 'cpu-estimate', device: 'cpu', timeMs: t, watts: machine, kind: 'estimated', view: 'machine' },
      { source: 'cpu-activity', device: 'run', timeMs: t, watts: 0, kind: 'measured', view: 'activity', counterJoules: runCpu },
      { source: 'cpu-activity', device: 'others', timeMs: t, watts: 0, kind: 'measured', view: 'activity', counterJoules: othersCpu },
    ];
    meter.ingest(tick(0, 10, 30, 0, 0));
    meter.ingest(tick(1000, 10, 30, 0.9, 0.1));
    // The phase changes at 2000 ms; the reading taken at 3000 ms is delivered only afterwards, as the
    // sampling thread's messages are while training blocks the main thread.
    meter.setPhase('dense', 2000);
    meter.ingest(tick(3000, 10, 30, 2.9, 1.1));
    close(meter.totals().search!['cpu-estimate']!.joules, 20);
    close(meter.totals().dense!['cpu-estimate']!.joules, 10);
    assert.equal(meter.totals().search!['cpu-activity'], undefined);
    const views = meter.allTotals();
    close(views.machine.search!['cpu-estimate']!.joules, 60);
    close(views.activity.search!['cpu-activity']!.devices.run!, 1.9);
    close(views.activity.dense!['cpu-activity']!.devices.others!, 0.5);
    assert.deepEqual(meter.currentPower().map((p) => p.source), ['cpu-estimate']);

    const rebuilt = EnergyMeter.fromEvents(events);
    assert.deepEqual(rebuilt.allTotals(), views);
  });
});
