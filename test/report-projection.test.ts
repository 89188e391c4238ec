/**
 * The report reads a run through the one projection of its log (src/core/project.ts): no file under
 * src/report/ walks events.jsonl itself, and what the report shows of an unfinished run (no
 * summary.json) is the projection's account of it.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { buildReportModel } from '../src/report/model.ts';
import { readRunFolder } from '../src/run/runFolder.ts';
import { project } from '../src/core/project.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/report/run-complete/', import.meta.url));
const REPORT_DIR = fileURLToPath(new URL('../src/report/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'eb-report-projection-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('no module of the report interprets the event log by itself', () => {
  for (const file of readdirSync(REPORT_DIR).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(REPORT_DIR, file), 'utf8');
    assert.doesNotMatch(text, /\.type\s*===\s*'|eventsOf\(|EnergyMeter\.fromEvents/, `${file} reads events itself`);
    for (const use of text.match(/folder\.events\b[^;\n]*/g) ?? []) assert.match(use, /^folder\.events, /, `${file}: ${use}`);
  }
});

test('an unfinished run is reported as its projection tells it', async () => {
  const dir = join(scratch, 'killed');
  mkdirSync(dir);
  copyFileSync(join(FIXTURE, 'config.json'), join(dir, 'config.json'));
  const lines = readFileSync(join(FIXTURE, 'events.jsonl'), 'utf8').trimEnd().split('\n');
  const cut = lines.findIndex((l) => JSON.parse(l).type === 'phase-start' && JSON.parse(l).phase === 'retrain');
  assert.ok(cut > 0);
  writeFileSync(join(dir, 'events.jsonl'), `${lines.slice(0, cut + 1).join('\n')}\n`);
  const folder = await readRunFolder(dir);
  const model = buildReportModel(folder);
  const state = project(folder.events);
  assert.equal(model.status, 'incomplete');
  assert.ok(state.earlyBird, 'the fixture finds its ticket before the retrain');
  assert.equal(model.earlyBird.epoch, state.earlyBird.epoch);
  assert.equal(model.earlyBird.found, true);
  const distances = Object.values(state.maskDistance).reduce((n, points) => n + points.length, 0);
  assert.ok(distances > 0);
  assert.equal(model.earlyBird.distances.length, distances);
  assert.deepEqual(model.phases.filter((p) => p.status !== 'not finished').map((p) => p.phase).sort(),
    state.phases.filter((p) => p.ended).map((p) => p.phase).sort());
  assert.equal(model.phases.find((p) => p.phase === 'retrain')?.status, 'not finished');
  const joules = model.energy.rows.reduce((sum, row) => sum + row.joules, 0);
  const projected = Object.values(state.energyBySource).flatMap((s) => Object.values(s)).reduce((sum, s) => sum + s.joules, 0);
  assert.ok(projected > 0);
  assert.equal(model.energy.origin, 'events');
  assert.ok(Math.abs(joules - projected) < 1e-9 * projected);
  assert.match(model.interruption ?? '', /during the retrain phase, before its first epoch ended/);
});

test('lines a foreign writer left in the log do not stop the projection or the report', async () => {
  const dir = join(scratch, 'foreign');
  mkdirSync(dir);
  const lines = readFileSync(join(FIXTURE, 'events.jsonl'), 'utf8').trimEnd().split('\n');
  const foreign = [
    { type: 'epoch', phase: 'search' }, { type: 'mask-distance', epoch: 0, ratios: [null] }, { type: 'energy.interval', timeMs: 1, deltas: [null], power: [null] },
    { type: 'energy-sources', sources: [null], skipped: [null] }, { type: 'layer-mask', ratio: 0.5 }, { type: 'phase-end', phase: 'nowhere' },
  ].map((e) => JSON.stringify({ time: 1, ...e }));
  writeFileSync(join(dir, 'events.jsonl'), `${[...lines.slice(0, 5), ...foreign, ...lines.slice(5)].join('\n')}\n`);
  const folder = await readRunFolder(dir);
  const clean = project(lines.map((l) => JSON.parse(l)));
  const state = project(folder.events);
  assert.deepEqual(state.epochs, clean.epochs);
  assert.equal(buildReportModel(folder).earlyBird.epoch, clean.earlyBird?.epoch);
});
