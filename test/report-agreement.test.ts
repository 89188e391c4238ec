/**
 * The report says one thing once: a phase has one duration in every table (the method table, the
 * phase table and the energy table, on the clock the captions name), the method notes name the
 * dense baseline's actual source (measured, estimated or projected, as summary.json says), and no
 * page ends with a third of it blank. Checked on the report fixture and on copies whose summary
 * says the dense baseline was estimated or projected, through the model, pdftotext and the
 * layout's own page fills; pages go to test-artifacts/report-agreement/ to look at.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chargedPhases } from '../src/core/methods.ts';
import { formatDuration, generateReport, loadReportModel } from '../src/report/index.ts';
import { methodSeconds } from '../src/report/model.ts';
import { denseBaselineNote, renderPdf } from '../src/report/pdf.ts';

const HAS_POPPLER = spawnSync('pdftotext', ['-v']).status === 0 && spawnSync('pdftoppm', ['-v']).status === 0;
const FIXTURE = 'test/fixtures/report/run-complete';
const ARTIFACTS = join('test-artifacts', 'report-agreement');
const TMP = mkdtempSync(join(tmpdir(), 'eb-agreement-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** A copy of the fixture with its summary edited as a run on other hardware would have written it. */
function fixtureWith(name: string, edit: (summary: Record<string, any>) => void): string {
  const dir = join(TMP, name);
  cpSync(FIXTURE, dir, { recursive: true });
  rmSync(join(dir, 'report'), { recursive: true, force: true });
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  edit(summary);
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  return dir;
}

const pdfText = (pdf: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');

describe('one duration per phase', () => {
  it('the phase table, the energy table and the method table give a phase the same seconds, on the meter\'s clock', async () => {
    const model = await loadReportModel(FIXTURE);
    assert.equal(model.durations.clock, 'meter', 'the fixture logged energy phase marks');
    for (const phase of model.phases) {
      const energy = model.energy.rows.filter((r) => r.phase === phase.phase);
      for (const row of energy) assert.equal(row.seconds, phase.seconds, `${phase.phase}: energy table ${row.seconds} s, phase table ${phase.seconds} s`);
      assert.equal(phase.seconds, model.durations.seconds[phase.phase], phase.phase);
    }
    for (const method of model.methods) {
      const seconds = methodSeconds(model.durations, method.method);
      if (seconds === null) continue;
      const phases = chargedPhases(method.method);
      assert.ok(Math.abs(seconds - phases.reduce((a, p) => a + model.durations.seconds[p]!, 0)) < 1e-9, method.method);
    }
  });

  it('prints each phase\'s one duration in every table and names the clock', { skip: !HAS_POPPLER && 'poppler-utils missing' }, async () => {
    const out = join(ARTIFACTS, 'fixture');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    // As a real run writes it: the runner times the epochs only (74.2 s), the meter the whole phase.
    const dir = fixtureWith('runner-timing', (summary) => {
      summary.methods.dense.seconds = 74.2;
      summary.methods.ebTrain.seconds = 59.6;
    });
    const result = await generateReport(dir, { out: join(out, 'report.pdf'), dataDir: join(TMP, 'fixture-data') });
    execFileSync('pdftoppm', ['-r', '60', '-png', result.pdfPath, join(out, 'page')]);
    const text = pdfText(result.pdfPath);
    const model = await loadReportModel(dir);
    assert.notEqual(formatDuration(74.2), formatDuration(model.durations.seconds.dense!), 'the two clocks differ here');
    const dense = formatDuration(model.durations.seconds.dense!);
    // Method table, phase table, energy table.
    assert.ok(text.split(dense).length - 1 >= 3, `"${dense}" printed ${text.split(dense).length - 1} times`);
    assert.ok(!text.includes(formatDuration(74.2)), 'the runner\'s epoch timing is not printed beside the meter\'s');
    assert.ok(!text.includes(formatDuration(59.6)), 'nor EB Train\'s');
    const eb = formatDuration(methodSeconds(model.durations, 'ebTrain')!);
    assert.ok(text.includes(eb), `EB Train ${eb}`);
    assert.equal(text.split('as the energy meter marked them').length - 1, 3, 'each table names the clock');
  });
});

describe('method notes follow the run', () => {
  it('a measured dense baseline is called measured', async () => {
    const note = denseBaselineNote(await loadReportModel(FIXTURE));
    assert.match(note, /^In this run the dense baseline \(.+\) was measured: .*rapl/);
  });

  it('an estimated dense baseline is called estimated, in the PDF too', async () => {
    const dir = fixtureWith('estimated', (s) => {
      s.energy.denseKind = 'estimated';
      s.energy.estimateModel = 'Intel Xeon (CodeCarbon TDP 120 W / 16 cores), 7.5 W per core';
      s.energy.methods.dense.kind = 'estimated';
      s.energy.methods.dense.source = 'cpu-estimate';
      s.energy.phases.dense.source = 'cpu-estimate';
    });
    const note = denseBaselineNote(await loadReportModel(dir));
    assert.match(note, /was estimated, not measured: .*the power model Intel Xeon/);
    assert.doesNotMatch(note, /was measured/);
    if (HAS_POPPLER) {
      const result = await generateReport(dir, { out: join(TMP, 'estimated.pdf'), dataDir: join(TMP, 'estimated-data') });
      const text = pdfText(result.pdfPath);
      assert.ok(text.includes('dense baseline'), 'note printed');
      assert.match(text, /was estimated, not measured/);
      assert.ok(!/the dense baseline is measured when/.test(text), 'no general claim of a measurement');
    }
  });

  it('a projected dense baseline is called projected', async () => {
    const dir = fixtureWith('projected', (s) => {
      s.energy.denseKind = 'projected';
      s.energy.denseBasis = 'projected: mean of 5 warm search epochs × 8 planned';
    });
    assert.match(denseBaselineNote(await loadReportModel(dir)), /was projected, not trained: .*mean of 5 warm search epochs/);
  });
});

describe('no blank half pages', () => {
  it('every page the layout ends itself is at least 65 % full', async () => {
    for (const dir of [FIXTURE, fixtureWith('no-lottery', (s) => { delete s.methods.lotteryTicket; })]) {
      const { pageFills, pages } = await renderPdf(await loadReportModel(dir));
      assert.ok(pages >= 3, `${pages} pages`);
      for (const { page, fill } of pageFills) assert.ok(fill >= 0.65, `${dir}: page ${page} ends ${Math.round(fill * 100)} % full`);
    }
  });
});
