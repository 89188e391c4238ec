/**
 * The energy report, end to end: the PDF of a finished fixture run carries the EB epoch, the
 * accuracies and the energy figures exactly as the report formats them from summary.json (checked
 * with pdftotext), every page renders (pdftoppm; PNGs in test-artifacts/report/ to look at), a
 * half-written folder names its missing parts, an empty one is refused with one clear RunError,
 * and — once src/experiment/runner.ts exists — the same holds for a real (tiny) run.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, symlinkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import type { RunSummary } from '../src/core/summary.ts';
import { renderChart } from '../src/report/charts.ts';
import {
  ENERGY_HEADER,
  formatAccuracy,
  formatCo2e,
  formatEnergy,
  formatEpoch,
  formatFraction,
  formatPercent,
  formatPue,
  formatRatio,
  generateReport,
  type ReportResult,
} from '../src/report/index.ts';
import { parseReportArgs, reportCommand } from '../src/cli/reportCommand.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/report/run-complete/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/report/', import.meta.url));
const RUNNER = fileURLToPath(new URL('../src/experiment/runner.ts', import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), 'earlybird-report-test-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

const HAS_POPPLER = spawnSync('pdftotext', ['-v']).status === 0 && spawnSync('pdftoppm', ['-v']).status === 0;
const NO_POPPLER = 'pdftotext/pdftoppm missing: apt-get install -y poppler-utils';

/** The PDF's text with all runs of whitespace made one space (lines wrap anywhere). */
function pdfText(pdf: string): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

/** Renders every page at 60 dpi into test-artifacts/report/<name>/; returns the PNG paths. */
function renderPages(pdf: string, name: string): string[] {
  const dir = join(ARTIFACTS, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const run = spawnSync('pdftoppm', ['-png', '-r', '60', pdf, join(dir, 'page')], { encoding: 'utf8' });
  assert.equal(run.status, 0, `pdftoppm failed: ${run.stderr}`);
  assert.equal(run.stderr.trim(), '', `pdftoppm complained: ${run.stderr}`);
  const pngs = readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => join(dir, f));
  for (const png of pngs) {
    const head = readFileSync(png).subarray(0, 8);
    assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${png} is not a PNG`);
    assert.ok(statSync(png).size > 2000, `${png} looks empty`);
  }
  return pngs;
}

/** The strings the PDF must contain, computed from summary.json with the report's own formatters. */
function expectedFromSummary(summary: RunSummary): string[] {
  const expected: string[] = [summary.runId];
  const eb = summary.earlyBird;
  if (eb.found && eb.epoch !== null) expected.push(`found at epoch ${formatEpoch(eb.epoch)} of ${eb.plannedEpochs}`, `p = ${formatFraction(eb.p)}`);
  for (const result of Object.values(summary.methods)) if (result) expected.push(formatAccuracy(result.testAccuracy));
  const e = summary.energy;
  if (e) {
    expected.push(formatEnergy(e.ebTrainJoules), `${formatPue(e.pue)}`);
    if (e.denseJoules !== null) expected.push(formatEnergy(e.denseJoules));
    if (e.savedRatio !== null) expected.push(formatRatio(e.savedRatio));
    if (e.savedPercent !== null) expected.push(formatPercent(e.savedPercent));
    if (e.savedCo2eGrams !== null) expected.push(formatCo2e(Math.abs(e.savedCo2eGrams))); // a negative one reads "more emitted"
    for (const m of Object.values(e.methods)) if (m) expected.push(formatEnergy(m.joules));
    for (const [phase, p] of Object.entries(e.phases)) if (Object.keys(p.bySource).length === 1) expected.push(formatEnergy(p.joules), phase === 'unassigned' ? 'outside phases' : '');
    for (const s of e.sources) expected.push(s.name);
  }
  return expected.filter(Boolean);
}

function assertSane(result: ReportResult): void {
  assert.ok(existsSync(result.pdfPath), 'the PDF exists');
  assert.equal(statSync(result.pdfPath).size, result.bytes);
  assert.ok(result.bytes < 5 * 1024 * 1024, `PDF is ${result.bytes} bytes (≥ 5 MB)`);
  assert.ok(result.pages >= 2 && result.pages <= 12, `${result.pages} pages`);
  assert.equal(readFileSync(result.pdfPath).subarray(0, 5).toString(), '%PDF-');
  assert.match(readFileSync(result.csv.metrics, 'utf8'), /^phase,method,epoch,learningRate,loss,accuracy,valLoss,valAccuracy,seconds,imagesPerSecond\n/);
  assert.ok(readFileSync(result.csv.energy, 'utf8').startsWith(`${ENERGY_HEADER}\n`));
}

/** A copy of the fixture as if the run was killed during retraining: no summary.json, torn last lines. */
function killedCopy(dir: string, options: { withConfig: boolean; stopAfter: (event: { type: string; phase?: string; logs?: { epoch: number } }) => boolean }): void {
  mkdirSync(dir, { recursive: true });
  if (options.withConfig) copyFileSync(join(FIXTURE, 'config.json'), join(dir, 'config.json'));
  const lines = readFileSync(join(FIXTURE, 'events.jsonl'), 'utf8').trimEnd().split('\n');
  const cut = lines.findIndex((line) => options.stopAfter(JSON.parse(line)));
  assert.ok(cut >= 0);
  const kept = lines.slice(0, cut + 1);
  const torn = (lines[cut + 1] ?? '{"type":"energy.interval"').slice(0, 40);
  writeFileSync(join(dir, 'events.jsonl'), `${kept.join('\n')}\n${torn}`);
  return;
}

describe('report of a finished run (fixture)', () => {
  let result: ReportResult;
  const summary = JSON.parse(readFileSync(join(FIXTURE, 'summary.json'), 'utf8')) as RunSummary;

  it('writes the PDF, metrics.csv, energy.csv and summary.json next to it', async () => {
    result = await generateReport(FIXTURE, { out: join(TMP, 'complete', 'report.pdf'), dataDir: join(TMP, 'complete') });
    assertSane(result);
    assert.deepEqual(result.missing, []);
    assert.equal(result.summaryPath, join(TMP, 'complete', 'summary.json'));
    assert.equal(readFileSync(result.summaryPath!, 'utf8'), readFileSync(join(FIXTURE, 'summary.json'), 'utf8'), 'summary.json copied as it is');
    assert.equal(JSON.parse(readFileSync(result.summaryPath!, 'utf8')).schemaVersion, 1);

    const metrics = readFileSync(result.csv.metrics, 'utf8').trimEnd().split('\n');
    const original = readFileSync(join(FIXTURE, 'metrics.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(metrics.length, original.length);

    // energy.csv: one row per phase per source, joules adding up to the summary's.
    const energyRows = readFileSync(result.csv.energy, 'utf8').trimEnd().split('\n').slice(1).map((line) => line.split(','));
    const phases = Object.entries(summary.energy!.phases);
    assert.equal(energyRows.length, phases.reduce((a, [, p]) => a + Object.keys(p.bySource).length, 0));
    for (const [phase, p] of phases) {
      const rows = energyRows.filter((r) => r[0] === phase);
      assert.ok(Math.abs(rows.reduce((a, r) => a + Number(r[3]), 0) - p.joules) < 0.01, `${phase} joules`);
      for (const r of rows) {
        assert.equal(r[2], p.bySource[r[1]!]!.kind);
        assert.ok(Math.abs(Number(r[4]) - Number(r[3]) / 3600) < 1e-5, 'wh = joules / 3600');
        assert.ok(Number(r[5]) > 0, `${phase} has a duration`);
      }
    }
  });

  it('prints the EB epoch, the accuracies and the energy figures as formatted from summary.json', { skip: !HAS_POPPLER && NO_POPPLER }, () => {
    const text = pdfText(result.pdfPath);
    for (const expected of expectedFromSummary(summary)) assert.ok(text.includes(expected), `PDF text lacks "${expected}"`);
    for (const section of ['1. Summary', '2. Setup', '3. Early-Bird ticket', '4. Accuracy', '5. Energy', '6. Method notes']) {
      assert.ok(text.includes(section), `section "${section}"`);
    }
    // The one-paragraph summary says it in one breath.
    const e = summary.energy!;
    assert.ok(text.includes(`${formatRatio(e.savedRatio!)} less energy, ${formatPercent(e.savedPercent!)} saved, avoiding ${formatCo2e(e.savedCo2eGrams!)}`));
    assert.ok(text.includes(`reached ${formatAccuracy(summary.methods.ebTrain!.testAccuracy)} test accuracy against ${formatAccuracy(summary.methods.dense!.testAccuracy)} for the dense network`));
    assert.ok(text.includes(`${e.carbonIntensity} g CO₂e/kWh`), 'carbon intensity');
    assert.ok(text.includes(summary.configHash), 'config hash');
    assert.ok(text.includes('measured') && text.includes('RAPL powercap'), 'how the energy was measured');
    assert.ok(text.includes('Not used: nvml'), 'skipped sources and why');
    assert.ok(!text.includes('Missing from this run'), 'nothing is missing');
  });

  it('renders every page', { skip: !HAS_POPPLER && NO_POPPLER }, () => {
    const pngs = renderPages(result.pdfPath, 'complete');
    assert.equal(pngs.length, result.pages);
  });
});

describe('report writes that stay home', () => {
  const copyRun = (name: string) => {
    const dir = join(TMP, name);
    cpSync(FIXTURE, dir, { recursive: true });
    rmSync(join(dir, 'report'), { recursive: true, force: true });
    return dir;
  };

  it('--out writes that one PDF and nothing beside it; the data files go to the run\'s report/ folder', async () => {
    const run = copyRun('home-run');
    const home = join(TMP, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'summary.json'), '{"mine":true}');
    const result = await generateReport(run, { out: join(home, 'eb.pdf') });
    assert.deepEqual(readdirSync(home).sort(), ['eb.pdf', 'summary.json']);
    assert.equal(readFileSync(join(home, 'summary.json'), 'utf8'), '{"mine":true}', 'a file beside --out is never overwritten');
    assert.equal(result.csv.metrics, join(run, 'report', 'metrics.csv'));
    assert.ok(existsSync(join(run, 'report', 'energy.csv')) && existsSync(join(run, 'report', 'summary.json')));
    assert.deepEqual(parseReportArgs(['r', '--out', 'a.pdf', '--data-dir', 'd']), { help: false, runDir: 'r', out: 'a.pdf', dataDir: 'd' });
  });

  it('never writes through a planted report -> symlink, nor copies a summary.json that links elsewhere', async () => {
    const run = copyRun('linked-run');
    const elsewhere = join(TMP, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(run, 'report'));
    await assert.rejects(generateReport(run), { name: 'RunError', message: /report: is a symbolic link; not written through/ });
    assert.deepEqual(readdirSync(elsewhere), []);

    rmSync(join(run, 'report'));
    const secret = join(TMP, 'private.json');
    writeFileSync(secret, '{"secret":"do not copy"}');
    rmSync(join(run, 'summary.json'));
    symlinkSync(secret, join(run, 'summary.json'));
    const result = await generateReport(run, { out: join(TMP, 'linked-out', 'report.pdf'), dataDir: join(TMP, 'linked-out') });
    assert.equal(result.summaryPath, null);
    assert.ok(!existsSync(join(TMP, 'linked-out', 'summary.json')));
    for (const file of readdirSync(join(TMP, 'linked-out'))) {
      assert.ok(!readFileSync(join(TMP, 'linked-out', file)).includes('do not copy'), file);
    }
  });
});

describe('report of an unfinished run', () => {
  it('killed while retraining: reports what exists and names the missing parts', async () => {
    const dir = join(TMP, 'killed-run');
    killedCopy(dir, { withConfig: true, stopAfter: (e) => e.type === 'epoch' && e.phase === 'retrain' && e.logs?.epoch === 7 });
    const metrics = readFileSync(join(FIXTURE, 'metrics.csv'), 'utf8').split('\n');
    const upTo = metrics.findIndex((line) => line.startsWith('retrain,ebTrain,7,'));
    // A metrics.csv an earlier version wrote, torn mid-row: the epoch events are the record read.
    writeFileSync(join(dir, 'metrics.csv'), `${metrics.slice(0, upTo + 1).join('\n')}\nretrain,ebTrain,8,0.005,0.04`);

    const result = await generateReport(dir, { out: join(TMP, 'killed', 'report.pdf'), dataDir: join(TMP, 'killed') });
    assertSane(result);
    assert.equal(result.summaryPath, null);
    const has = (start: string) => assert.ok(result.missing.some((m) => m.startsWith(start)), `missing names "${start}": ${result.missing.join(' | ')}`);
    has('Summary (summary.json): not written — the run ended during the retrain phase, after epoch 8 of 12');
    has('EB Train test accuracy: not recorded — the run ended before EB Train');
    has('Dense baseline test accuracy: not recorded — the run ended before the dense phase started');
    has('Energy saved and CO₂e avoided: not computed');
    assert.equal(readFileSync(result.csv.metrics, 'utf8').trimEnd().split('\n').length, upTo + 1, 'the epoch rows up to the kill, from the events');
    assert.ok(readFileSync(result.csv.energy, 'utf8').includes('\nretrain,rapl,measured,'), 'energy so far, rebuilt from the events');

    if (!HAS_POPPLER) return;
    const text = pdfText(result.pdfPath);
    assert.ok(text.includes('Missing from this run'));
    for (const item of result.missing) assert.ok(text.includes(item), `PDF names "${item}"`);
    assert.ok(text.includes('status: incomplete'));
    assert.ok(text.includes('found at epoch 5 of 12'), 'the ticket found before the kill is reported');
    assert.ok(text.includes('last line was cut short'), 'the torn events line is mentioned');
    assert.equal(renderPages(result.pdfPath, 'killed').length, result.pages);
  });

  it('events only, killed before the energy meter started: says energy was not recorded', async () => {
    const dir = join(TMP, 'events-only');
    killedCopy(dir, { withConfig: false, stopAfter: (e) => e.type === 'run-start' });
    const result = await generateReport(dir, { out: join(TMP, 'events-only-report', 'report.pdf'), dataDir: join(TMP, 'events-only-report') });
    assertSane(result);
    const has = (start: string) => assert.ok(result.missing.some((m) => m.startsWith(start)), `missing names "${start}": ${result.missing.join(' | ')}`);
    has('config.json: missing');
    has('Energy: not recorded — the run ended before the energy meter started');
    has('Early-Bird ticket: not found yet');
    has('Training curves: not recorded');
    if (!HAS_POPPLER) return;
    const text = pdfText(result.pdfPath);
    assert.ok(text.includes('Energy: not recorded — the run ended before the energy meter started'));
    assert.equal(renderPages(result.pdfPath, 'events-only').length, result.pages);
  });

  it('refuses a folder with nothing usable, and a missing folder, with one clear RunError', async () => {
    const empty = join(TMP, 'empty');
    mkdirSync(empty, { recursive: true });
    await assert.rejects(generateReport(empty), (error: Error) => {
      assert.equal(error.name, 'RunError');
      assert.equal(error.message, `${empty} is not a run folder: no config.json or events.jsonl`);
      return true;
    });
    await assert.rejects(generateReport(join(TMP, 'nope')), { name: 'RunError', message: /no such run folder/ });
    await assert.rejects(reportCommand([empty]), { name: 'RunError', message: /is not a run folder/ });
  });
});

describe('report command and charts', () => {
  it('parses <runDir> [--out file.pdf] and refuses anything else', () => {
    assert.deepEqual(parseReportArgs(['runs/a']), { help: false, runDir: 'runs/a' });
    assert.deepEqual(parseReportArgs(['runs/a', '--out', 'x.pdf']), { help: false, runDir: 'runs/a', out: 'x.pdf' });
    assert.deepEqual(parseReportArgs(['--out=x.pdf', 'runs/a']), { help: false, runDir: 'runs/a', out: 'x.pdf' });
    assert.deepEqual(parseReportArgs(['--help']), { help: true });
    assert.throws(() => parseReportArgs([]), { name: 'UsageError', message: /which run\?/ });
    assert.throws(() => parseReportArgs(['a', '--out']), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', message: /--out/ });
    assert.throws(() => parseReportArgs(['a', '--out=']), { name: 'UsageError', message: /--out: expected a file name/ });
    assert.throws(() => parseReportArgs(['a', '--pages']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION', message: /--pages/ });
    assert.throws(() => parseReportArgs(['a', 'b']), { name: 'UsageError', message: /one run folder at a time/ });
  });

  it('refuses to put its data files into the run folder itself', async () => {
    await assert.rejects(generateReport(FIXTURE, { out: join(TMP, 'x', 'report.pdf'), dataDir: FIXTURE }), { name: 'RunError', message: /other than the run folder/ });
    assert.ok(!existsSync(join(TMP, 'x', 'report.pdf')));
  });

  it('draws charts on an opaque white background at print scale', async () => {
    const png = renderChart({ type: 'line', data: { datasets: [{ label: 'x', data: [{ x: 1, y: 1 }, { x: 2, y: 3 }] }] }, options: { scales: { x: { type: 'linear' } } } }, 200, 100, 3);
    const image = await loadImage(png);
    assert.equal(image.width, 600);
    assert.equal(image.height, 300);
    const canvas = createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const pixels = ctx.getImageData(0, 0, image.width, image.height).data;
    let transparent = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 255) transparent++;
    assert.equal(transparent, 0, 'every pixel opaque');
    assert.deepEqual([...pixels.subarray(0, 4)], [255, 255, 255, 255], 'white corner');
  });
});

describe('report of a real run', () => {
  const skip = !existsSync(RUNNER) && 'src/experiment/runner.ts does not exist yet: real-run report skipped (fixture only)';
  it('generates the report of a tiny real run made by the runner', { skip, timeout: 240_000 }, async () => {
    const { parseConfig } = await import('../src/core/config.ts');
    const runner = (await import(RUNNER)) as { runExperiment(config: unknown, options: { runsDir: string }): Promise<{ runDir: string }> };
    const config = parseConfig({
      model: { name: 'tiny' },
      data: { spec: 'mnist', trainLimit: 600, testLimit: 200 },
      training: { epochs: 3, batchSize: 64 },
      search: { queueLength: 2 },
      energy: { intervalMs: 200 },
    });
    const { runDir } = await runner.runExperiment(config, { runsDir: join(TMP, 'runs') });
    const result = await generateReport(runDir, { out: join(TMP, 'real', 'report.pdf'), dataDir: join(TMP, 'real') });
    assertSane(result);
    const summaryPath = join(runDir, 'summary.json');
    assert.ok(existsSync(summaryPath), 'the runner wrote summary.json');
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary;
    assert.equal(summary.schemaVersion, 1);
    if (!HAS_POPPLER) return;
    const text = pdfText(result.pdfPath);
    for (const expected of expectedFromSummary(summary)) assert.ok(text.includes(expected), `PDF text lacks "${expected}"`);
    for (const item of result.missing) assert.ok(text.includes(item), `PDF names "${item}"`);
    assert.equal(renderPages(result.pdfPath, 'real').length, result.pages);
  });
});
