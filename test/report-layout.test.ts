/**
 * The PDF reads like the app and like a paper: training solid and validation dashed in both, the
 * method table without internal keys (the lottery ticket's notes as a sentence, with exact counts),
 * ratio lines that stay apart from ε and from each other, and an energy-per-method axis that ends at
 * the largest bar. Checked on the report fixture with the notes a real lottery-ticket run writes,
 * through pdftotext and the charts' own scales; pages go to test-artifacts/report-layout/ to look at.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { accuracyDatasets, EPSILON_COLOR, methodEnergyChart, RATIO_COLORS } from '../src/report/charts.ts';
import { generateReport, loadReportModel } from '../src/report/index.ts';

const HAS_POPPLER = spawnSync('pdftotext', ['-v']).status === 0 && spawnSync('pdftoppm', ['-v']).status === 0;
const FIXTURE = 'test/fixtures/report/run-complete';
const ARTIFACTS = join('test-artifacts', 'report-layout');

/** What runLotteryTicket writes into summary.json's notes on a real run. */
const REAL_LTH_NOTES = {
  sparsity: 0.6983, targetSparsity: 0.7, outputLayerTargetSparsity: 0.35, kernelSparsity: 'conv1 0.500, conv2 0.700, fc1 0.700, logits 0.350',
  prunedWeights: 29815, denseParams: 42697, denseTestAccuracy: 0.9785, denseTrainedHere: false, mode: 'one-shot', scope: 'layerwise',
  rate: 0.7, rounds: 1, reset: 'init (θ0)', flopsNote: 'unstructured sparsity: FLOPs are the dense network\'s', paramsNote: 'params = all dense parameters minus pruned',
};

describe('report layout', () => {
  let runDir: string;
  let text = '';

  before(async () => {
    runDir = join(mkdtempSync(join(tmpdir(), 'eb-layout-')), '20251120-140312-lenet5-bn-mnist');
    cpSync(FIXTURE, runDir, { recursive: true });
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    summary.methods.lotteryTicket.notes = REAL_LTH_NOTES;
    writeFileSync(join(runDir, 'summary.json'), JSON.stringify(summary));
    mkdirSync(ARTIFACTS, { recursive: true });
    const result = await generateReport(runDir, { out: join(ARTIFACTS, 'report.pdf') });
    if (HAS_POPPLER) {
      text = execFileSync('pdftotext', ['-enc', 'UTF-8', result.pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      execFileSync('pdftoppm', ['-r', '60', '-png', result.pdfPath, join(ARTIFACTS, 'page')]);
    }
  });

  it('draws training solid and validation dashed, as the app does, and says so', { skip: !HAS_POPPLER && 'poppler-utils missing' }, async () => {
    const datasets = accuracyDatasets((await loadReportModel(runDir)).metrics);
    const train = datasets.filter((d) => String(d.label).endsWith('· train'));
    const validation = datasets.filter((d) => String(d.label).endsWith('· validation'));
    assert.ok(train.length > 0 && validation.length === train.length);
    for (const d of train) assert.equal((d as { borderDash?: number[] }).borderDash, undefined, `${d.label} solid`);
    for (const d of validation) assert.deepEqual((d as { borderDash?: number[] }).borderDash, [4, 3], `${d.label} dashed`);
    assert.match(text, /Figure 3\. Accuracy per epoch and phase: solid lines training, dashed lines validation/);
  });

  it('keeps internal keys out of the method table and gives the lottery ticket\'s counts exactly', { skip: !HAS_POPPLER && 'poppler-utils missing' }, () => {
    for (const key of Object.keys(REAL_LTH_NOTES).filter((k) => /[A-Z]/.test(k))) assert.ok(!text.includes(key), `"${key}" printed`);
    assert.ok(!text.includes('29,800') && text.includes('29,815 weights'), 'exact pruned count');
    assert.ok(text.includes('42,697'), 'exact dense parameter count');
    assert.match(text, /Lottery ticket \(LTH\) one-shot, 69\.8% of weights pruned/);
    assert.match(text, /Per layer: conv1 50\.0%, conv2 70\.0%, fc1 70\.0%, logits 35\.0%/);
  });

  it('keeps ratio lines apart from ε, and ends the energy axis at the largest bar', async () => {
    for (const color of RATIO_COLORS) {
      const [r1, g1, b1] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
      const [r2, g2, b2] = [1, 3, 5].map((i) => parseInt(EPSILON_COLOR.slice(i, i + 2), 16));
      assert.ok(Math.hypot(r1! - r2!, g1! - g2!, b1! - b2!) > 120, `${color} too close to ε's ${EPSILON_COLOR}`);
    }
    const model = await loadReportModel(runDir);
    const largest = Math.max(...model.methods.filter((m) => m.energy).map((m) => m.energy!.joules));
    let axisMax = 0;
    methodEnergyChart(model.methods, 495, 160, (chart) => {
      axisMax = chart.scales.x!.max;
    });
    assert.ok(axisMax >= largest && axisMax <= largest * 1.25, `axis ends at ${axisMax} for a largest bar of ${largest}`);
  });
});
