/**
 * The saving in words wherever it is shown — CLI, app (its comparison module) and PDF (through
 * pdftotext) — for a negative saving: "EB Train used 24.2 J (52 %) more than dense (1.52×)", never
 * a double negative; with its 95 % interval; with an unreliable like-for-like check named on the
 * headline itself; and "no clear saving" when the interval straddles 1.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { formatSummary } from '../src/cli/formatSummary.ts';
import { formatEnergy } from '../src/energy/units.ts';
import { percentInterval, savingHeadline } from '../src/energy/savingWords.ts';
import { generateReport } from '../src/report/index.ts';
import type { RunSummary } from '../src/core/summary.ts';
import { emptyRunView } from '../src/core/project.ts';
import { compareEnergy } from '../renderer/src/state/energyComparison.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/report/run-complete/', import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), 'earlybird-energy-words-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** The fixture run with EB Train at 70.74 J against dense 46.54 J: 24.2 J (52.0 %) more, dense / EB = 1 / 1.52. */
function negativeSummary(): RunSummary {
  const summary = JSON.parse(readFileSync(join(FIXTURE, 'summary.json'), 'utf8')) as RunSummary;
  const eb = 70.74;
  const dense = 46.54;
  summary.energy = {
    ...summary.energy!,
    ebTrainJoules: eb, denseJoules: dense, savedJoules: dense - eb, savedRatio: dense / eb, savedPercent: ((dense - eb) / dense) * 100,
    savedCo2eGrams: -0.003,
    savedInterval: {
      ratio: { low: 0.6, high: 0.72 }, percent: { low: -66.7, high: -38.9 }, joules: { low: -30, high: -18 }, clear: true, df: 5, t: 2.571,
      basis: 'n = 1 run; interval from epoch-to-epoch variation (epochs: dense 12; search 5, surgery 0, retrain 7)',
    },
    likeForLike: {
      network: 'dense', ratio: 1.27, range: [0.9, 1.1], reliable: false, reasonKind: 'warm-up',
      reason: "warm-up: the search's first epoch cost 2.10× the median of its others",
      phases: [{ phase: 'search', epochs: 5, joulesPerImage: 0.0127 }, { phase: 'dense', epochs: 12, joulesPerImage: 0.01 }],
      ownCost: "the search adds EB Train's own work: the slimming term and mask tracking",
    },
  };
  return summary;
}

describe('a negative saving in words', () => {
  it('CLI: how much more EB Train used, with the interval and the warning on the headline', () => {
    const text = formatSummary(negativeSummary());
    assert.ok(text.includes(`EB Train used ${formatEnergy(24.2)} (52.0 %) more than dense (1.52×; 1.39–1.67)`), text);
    assert.match(text, /more than dense \(1\.52×; 1\.39–1\.67\) — unreliable: the dense network cost 1\.27× as much per image in search as in dense .*likely warm-up/);
    assert.match(text, /interval: 95 %, n = 1 run; interval from epoch-to-epoch variation/);
    assert.match(text, /like for like \(the dense network, joules per training image\): search 12\.70 mJ over 5 epochs, dense 10\.00 mJ over 12 — ratio 1\.27, outside 0\.9–1\.1/);
    assert.match(text, /0\.003 g more emitted/);
    assert.ok(!/-\d[\d.]* ?J less|less energy/.test(text), 'no double negative');
  });

  it('app: the same sentence in the app\'s method names, and the warning beside it', () => {
    const c = compareEnergy(emptyRunView('x'), negativeSummary(), 12);
    assert.equal(c.headline, 'EB Train used 24.2 J (52.0 %) more than Dense baseline (1.52×; 1.39–1.67)');
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /^unreliable: the dense network cost 1\.27× as much per image in Search \(dense \+ slimming\) as in Dense baseline/);
    assert.equal(c.neutral, false);
  });

  it('PDF: the same sentence, read back with pdftotext', { skip: spawnSync('pdftotext', ['-v']).status !== 0 ? 'pdftotext missing' : false }, async () => {
    const run = join(TMP, 'run');
    cpSync(FIXTURE, run, { recursive: true });
    writeFileSync(join(run, 'summary.json'), JSON.stringify(negativeSummary()));
    const out = join(TMP, 'report.pdf');
    await generateReport(run, { out, dataDir: TMP });
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', out, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    assert.ok(text.includes('EB Train used 24.2 J (52.0%) more than dense (1.52×; 1.39–1.67)'), text.slice(0, 3000));
    assert.match(text, /unreliable: the dense network cost 1\.27× as much per image in search as in dense/);
    assert.match(text, /The saving's 95% interval: n = 1 run; interval from epoch-?to-epoch variation/); // pdftotext may drop a hyphen at a line break
    assert.ok(!text.includes('less energy') && !/avoided −/.test(text), 'no double negative');
    assert.match(text, /CO₂e emitted beyond dense 3 mg CO₂e/);
  });
});

describe('a saving within epoch-to-epoch noise', () => {
  it('is worded "no clear saving"', () => {
    const interval = { ratio: { low: 0.95, high: 1.12 }, percent: { low: -5.3, high: 10.7 }, joules: { low: -3, high: 6 }, clear: false, df: 4, t: 2.776, basis: 'b' };
    const text = savingHeadline({ savedJoules: 2, savedRatio: 1.03, savedPercent: 2.9, interval }, { energy: (j) => `${j} J`, percent: (p) => `${p} %` }, { subject: 'EB Train', reference: 'dense' });
    assert.equal(text, 'no clear saving: EB Train used 1.03× (0.95–1.12) less energy, within epoch-to-epoch noise, than dense: 2 J (-3 J–6 J), 2.9 % (-5.3 %–10.7 %) saved');
  });
});

describe('the percent interval', () => {
  const pct = (p: number) => `${p.toFixed(1)} %`;
  it('is low–high, and a bound below −100 % is said as that, not as a five-digit loss', () => {
    assert.equal(percentInterval(12, 31.5, pct), '12.0 %–31.5 %');
    assert.equal(percentInterval(-80.2, 52.1, pct), '-80.2 %–52.1 %');
    assert.equal(percentInterval(-223.8, 52.1, pct), 'below -100.0 % to 52.1 %');
    assert.equal(percentInterval(-101881.7, 99.9, pct), 'below -100.0 % to 99.9 %');
  });
});
