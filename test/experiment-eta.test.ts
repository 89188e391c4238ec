/**
 * The whole-experiment ETA the Live screen shows: the running phase's ETA plus every phase still to
 * come, its planned epochs at the epoch times measured so far. Folded from the report fixture's
 * own events, cut off mid-run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { plannedPhases } from '../renderer/src/components/runProgress.ts';
import { experimentEtaSeconds } from '../renderer/src/state/experimentEta.ts';
import type { RunRecord } from '../renderer/src/state/runRecords.ts';
import { buildRunView } from '../src/core/project.ts';
import type { RunEvent } from '../src/core/events.ts';

const FIXTURE = 'test/fixtures/report/run-complete';
const events = readFileSync(`${FIXTURE}/events.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
const config = JSON.parse(readFileSync(`${FIXTURE}/config.json`, 'utf8'));

function recordUntil(index: number): RunRecord {
  return { runId: 'r', view: buildRunView('r', events.slice(0, index)), config, summary: null, active: true, loaded: true };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('right after the retrain starts: its epochs and every later phase at the measured epoch times', () => {
  const at = events.findIndex((e) => e.type === 'phase-start' && e.phase === 'retrain') + 1;
  const record = recordUntil(at);
  const search = mean(record.view.epochs.search!.map((l) => l.seconds));
  const eb = record.view.earlyBird!.epoch;
  // retrain: 12 − (eb + 1) epochs, slim but unmeasured yet (search's time); EB re-init 12 and Scratch-E 12 (slim);
  // dense 12; lottery ticket one-shot reusing the dense run: 12.
  const epochs = (12 - (eb + 1)) + 12 + 12 + 12 + 12;
  const eta = experimentEtaSeconds(record, plannedPhases(record))!;
  assert.ok(Math.abs(eta - epochs * search) < 1e-6, `${eta} vs ${epochs} × ${search}`);
});

test('mid-dense: the dense ETA from its progress, then the slim phases at the retrain\'s epoch time', () => {
  const denseStart = events.findIndex((e) => e.type === 'phase-start' && e.phase === 'dense');
  const progressAt = events.findIndex((e, i) => i > denseStart && e.type === 'progress');
  const record = recordUntil(progressAt > 0 ? progressAt + 1 : denseStart + 1);
  const view = record.view;
  const search = mean(view.epochs.search!.map((l) => l.seconds));
  const retrain = mean(view.epochs.retrain!.map((l) => l.seconds));
  const phaseEta = view.progress?.etaSeconds ?? (12 - (view.epochs.dense?.length ?? 0)) * search;
  const expected = phaseEta + 12 * search /* lottery ticket */ + 12 * retrain /* Scratch-E */;
  const eta = experimentEtaSeconds(record, plannedPhases(record))!;
  assert.ok(Math.abs(eta - expected) < 1e-6, `${eta} vs ${expected}`);
  assert.equal(experimentEtaSeconds({ ...record, view: buildRunView('r', events) }, plannedPhases(record)), null, 'none once the run is over');
});

test('in turns: the dense phase waiting for its turn counts its remaining epochs, not all or none', () => {
  const at = events.findIndex((e) => e.type === 'phase-start' && e.phase === 'retrain') + 1;
  const sequential = recordUntil(at);
  const search = mean(sequential.view.epochs.search!.map((l) => l.seconds));
  // The same moment of a run in turns: the dense baseline started with EB Train and has 3 epochs.
  const view = buildRunView('r', events.slice(0, at));
  view.phases.push({ phase: 'dense', plannedEpochs: 12, startEpoch: 0, endEpoch: 12, status: 'running', seconds: null, epochsTrained: null, stopReason: null, result: null, ended: false });
  view.epochs.dense = view.epochs.search!.slice(0, 3);
  const inTurns: RunRecord = { ...sequential, view };
  const eta = experimentEtaSeconds(inTurns, plannedPhases(inTurns))!;
  const before = experimentEtaSeconds(sequential, plannedPhases(sequential))!;
  assert.ok(Math.abs(eta - (before - 12 * search + 9 * search)) < 1e-6, `${eta} vs ${before} − 3 dense epochs`);
});
