/** The runs table's order and filter, on list lines as `runs:list` gives them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunListItem } from '../src/run/runStore.ts';
import { matchesFilter, sortRows, type RunRow } from '../renderer/src/components/runsTable.ts';

const item = (runId: string, fields: Partial<RunListItem>): RunListItem => ({
  runId, dir: `/runs/${runId}`, name: null, createdAt: null, model: 'tiny', data: 'mnist', status: 'completed', ebEpoch: null, plannedEpochs: 2,
  seed: 1, seconds: null, testAccuracy: { ebTrain: null, dense: null }, joules: { ebTrain: null, dense: null },
  savedPercent: null, savedKind: null, savedReason: 'no saving: run cancelled', estimateModel: null, failure: null, epochsFinished: null, lockedBy: null, problem: null, ...fields,
});
const row = (i: RunListItem): RunRow => ({ id: i.runId, item: i, status: i.status });

const rows = [
  row(item('a', { savedPercent: 12.5, model: 'lenet5-bn', name: 'demo' })),
  row(item('b', { savedPercent: -3 })),
  row(item('c', {})),
  row(item('d', { savedPercent: 40, data: 'idx:/data/digits', status: 'failed' })),
];
const saving = { sort: (r: RunRow) => r.item?.savedPercent ?? null };

test('sorting by the saving: either way, runs without one last', () => {
  assert.deepEqual(sortRows(rows, saving, 'descending').map((r) => r.id), ['d', 'a', 'b', 'c']);
  assert.deepEqual(sortRows(rows, saving, 'ascending').map((r) => r.id), ['b', 'a', 'd', 'c']);
  // Text sorts naturally (run 10 after run 9), ties fall back to the newest id first.
  const names = [row(item('x1', { name: 'run 10' })), row(item('x2', { name: 'run 9' })), row(item('x3', { name: 'run 9' }))];
  assert.deepEqual(sortRows(names, { sort: (r) => r.item?.name ?? null }, 'ascending').map((r) => r.id), ['x3', 'x2', 'x1']);
});

test('the filter matches every word in the name, id, model, data or status', () => {
  const shown = (filter: string) => rows.filter((r) => matchesFilter(r, filter)).map((r) => r.id);
  assert.deepEqual(shown(''), ['a', 'b', 'c', 'd']);
  assert.deepEqual(shown('lenet5'), ['a']);
  assert.deepEqual(shown('TINY'), ['b', 'c', 'd']);
  assert.deepEqual(shown('idx failed'), ['d']);
  assert.deepEqual(shown('tiny completed'), ['b', 'c']);
  assert.deepEqual(shown('demo'), ['a']);
});
