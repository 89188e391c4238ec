/**
 * The setup form against the config schema, in real Chromium and `startServer` (what `earlybird
 * serve` runs): every valid config loads and "Save config" writes it back equal to the config as
 * parsed (the repository's bench configs and hand-made ones that touch every optional field); a
 * bad value is named with what is allowed and kept, not dropped; the form's bounds and choices are
 * the schema's; and `bench/configs/seeds-demo.json`, loaded and started, runs the study the CLI
 * runs — the same sweep folder, three seeds' runs whose configs are the loaded config per seed,
 * each with the standard pipeline — while the Live screen follows the seeds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { configJsonSchema } from '../src/api/configJsonSchema.ts';
import { parseConfig, withSeed } from '../src/core/config.ts';
import { dataSpecProblem } from '../src/data/load.ts';
import { startServer, type RunningServer } from '../src/server/startServer.ts';
import { seedSweepName } from '../src/study/sweep.ts';
import { buildFieldGroups, unlabelledSchemaPaths } from '../renderer/src/screens/setup/fields.ts';
import { chromiumMissing, launchChromium, openPage } from './helpers/browser.ts';

const missing = chromiumMissing();
if (missing) process.stderr.write(`setup-config: browser part skipped — ${missing}\n`);

const BENCH = new URL('../bench/configs/', import.meta.url);
const benchConfigs = readdirSync(BENCH).filter((f) => f.endsWith('.json')).map((f) => ({ name: f, raw: JSON.parse(readFileSync(new URL(f, BENCH), 'utf8')) as unknown }));

/** Hand-made configs that set what the bench configs leave out: every optional field, every choice off its default. */
const HAND_MADE: { name: string; raw: unknown }[] = [
  {
    name: 'every-optional.json',
    raw: {
      name: '', seed: 7, repeats: 2, backend: 'wasm',
      data: { spec: 'idx:/somewhere/emnist', trainLimit: 1000, testLimit: 300, validationFraction: 0 },
      model: { name: 'mlp', width: 0.75, depth: 3 },
      training: { epochs: 9, batchSize: 32, learningRate: 1e-3, optimizer: 'adam', momentum: 0, weightDecay: 0, milestones: [], gamma: 0.5, workers: 2 },
      search: { ratios: [0.25, 0.6], pruneRatio: 0.6, epsilon: 0.05, queueLength: 4, l1: 0, stopOnFound: false },
      comparisons: {
        dense: false, ebReinit: true, scratchE: true, scratchB: true,
        lotteryTicket: { enabled: true, mode: 'iterative', rounds: 4, rate: 0.35, scope: 'layerwise', reset: 'rewind', rewindEpoch: 2 },
        prunePipeline: { enabled: true }, sequential: true,
      },
      energy: { intervalMs: 250, carbonIntensity: 0, pue: 1.4, tdpWatts: 65 },
      export: { quantize: true },
    },
  },
  { name: 'minimal.json', raw: { model: { name: 'tiny' } } },
  { name: 'cifar-cache.json', raw: { model: { name: 'vgg-s', width: 0.5 }, data: { spec: 'cifar10' }, search: { ratios: [0.5], pruneRatio: 0.5 } } },
];

describe('the setup form is built from the config schema', () => {
  test('every config field has a label, and the form takes bounds, choices and defaults from the schema', () => {
    const schema = configJsonSchema();
    assert.deepEqual(unlabelledSchemaPaths(schema), [], 'a config field without a label in renderer/src/screens/setup/fields.ts');
    const fields = new Map(buildFieldGroups(schema).flatMap((g) => g.fields).map((f) => [f.path, f]));
    assert.deepEqual([fields.get('training.epochs')!.min, fields.get('training.epochs')!.max, fields.get('training.epochs')!.default], [1, 10_000, 20]);
    assert.equal(fields.get('training.epochs')!.allowed, 'whole number, at least 1 and at most 10000; default 20');
    assert.equal(fields.get('search.pruneRatio')!.allowed, 'number, above 0 and below 1; default 0.5');
    assert.deepEqual(fields.get('training.optimizer')!.options!.map((o) => o.value), ['sgd', 'adam']);
    assert.deepEqual(fields.get('comparisons.lotteryTicket.scope')!.options, [{ value: 'global', label: 'global' }, { value: 'layerwise', label: 'layer-wise' }]);
    assert.equal(fields.get('seeds')!.kind, 'numberList');
    assert.equal(fields.get('seeds')!.optional, true);
    assert.equal(fields.get('repeats')!.kind, 'int');
    assert.equal(fields.get('comparisons.prunePipeline.enabled')!.kind, 'checkbox');
    assert.equal(fields.get('comparisons.prunePipeline.fineTuneEpochs')!.optional, true);
    assert.equal(fields.get('model.name')!.optional, false, 'required by the schema');
    // A hand entry the schema does not have is refused, not rendered as a field that validates nothing.
    const withoutEpochs = structuredClone(schema);
    delete withoutEpochs.properties!.training!.properties!.epochs;
    assert.throws(() => buildFieldGroups(withoutEpochs), /the config schema has no field training\.epochs/);
  });
});

describe('setup: load, save and start configs in Chromium', { skip: missing ?? false }, () => {
  let server: RunningServer;
  let browser: Browser;
  let runsDir: string;

  before(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'eb-setup-config-'));
    server = await startServer({ runsDir });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  const load = async (page: Page, name: string, raw: unknown) => {
    await page.getByTestId('load-config-input').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(raw)) });
    await page.getByTestId('setup-notice').getByText(`Loaded ${name}`).waitFor();
  };
  const save = async (page: Page): Promise<unknown> => {
    const saving = page.waitForEvent('download');
    await page.getByTestId('save-config').click();
    return JSON.parse(readFileSync((await (await saving).path())!, 'utf8'));
  };

  test('every valid config loads and saves back equal to it as parsed', { timeout: 120_000 }, async () => {
    const { page, context, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      await page.getByTestId('setup-form').waitFor();
      for (const { name, raw } of [...benchConfigs, ...HAND_MADE]) {
        await load(page, name, raw);
        // A data folder that is not on this machine is named at data.spec; the config is still loaded as parsed.
        const spec = parseConfig(raw, name).data.spec;
        if (await dataSpecProblem(spec)) {
          await page.getByTestId('error-data.spec').waitFor();
          await page.getByTestId('form-validity').getByText('1 field needs attention').waitFor();
        } else await page.getByTestId('form-validity').getByText('Ready to start').waitFor();
        assert.equal(await page.getByTestId('form-kept').isVisible(), false, `${name}: every field of a valid config has a place in the form`);
        assert.deepEqual(await save(page), parseConfig(raw, name), `${name}: saved as parsed`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a bad value is named with what is allowed, and kept with everything else', { timeout: 60_000 }, async () => {
    const { page, context } = await openPage(browser);
    try {
      await page.goto(server.url);
      await page.getByTestId('setup-form').waitFor();
      const bad = { model: { name: 'tiny' }, training: { epochs: 0, optimizer: 'rmsprop' }, comparisons: { prunePipeline: { enabled: true, fineTuneEpochs: 3 } }, seeds: [4, 5], mystery: { knob: 3 } };
      await load(page, 'bad.json', bad);
      const notice = page.getByTestId('setup-notice');
      await notice.getByText('training.epochs: must be at least 1').waitFor();
      // The value found and what is allowed, in words.
      await notice.getByText('training.optimizer: must be one of sgd, adam (found "rmsprop")').waitFor();
      await notice.getByText('training.epochs: must be at least 1 (found 0); allowed: whole number, at least 1 and at most 10000; default 20').waitFor();
      await notice.getByText('Unrecognized key: "mystery"').waitFor();
      await page.getByTestId('error-training.optimizer').waitFor();
      // The select shows the loaded value rather than silently switching to a valid one.
      assert.equal(await page.getByTestId('field-training.optimizer').inputValue(), 'rmsprop');
      assert.match(await page.getByTestId('allowed-training.epochs').innerText(), /at least 1 and at most 10000; default 20/);
      await page.getByTestId('kept-mystery').waitFor();
      const asEntered = await save(page) as Record<string, any>;
      assert.deepEqual([asEntered.training.optimizer, asEntered.training.epochs, asEntered.seeds, asEntered.mystery, asEntered.comparisons.prunePipeline],
        ['rmsprop', 0, [4, 5], { knob: 3 }, { enabled: true, fineTuneEpochs: 3 }]);
      // Fixed in the form (and the unknown key removed), it validates with nothing else changed.
      await page.getByTestId('field-training.epochs').fill('4');
      await page.getByTestId('field-training.optimizer').selectOption('sgd');
      await page.getByTestId('kept-remove-mystery').click();
      await page.getByTestId('form-validity').getByText('Ready to start').waitFor();
      const fixed = { ...bad, training: { epochs: 4, optimizer: 'sgd' } } as Record<string, unknown>;
      delete fixed.mystery;
      assert.deepEqual(await save(page), parseConfig(fixed));
    } finally {
      await context.close();
    }
  });

  test('seeds-demo.json, loaded and started, runs the CLI\'s study: 3 seeds with the standard pipeline', { timeout: 480_000 }, async () => {
    const raw = benchConfigs.find((c) => c.name === 'seeds-demo.json')!.raw;
    const parsed = parseConfig(raw);
    assert.deepEqual(parsed.seeds, [1, 2, 3]);
    assert.equal(parsed.comparisons.prunePipeline.enabled, true);
    const { page, context, problems } = await openPage(browser);
    try {
      await page.goto(server.url);
      await page.getByTestId('setup-form').waitFor();
      await page.waitForFunction(() => document.documentElement.dataset.connection === 'open');
      await load(page, 'seeds-demo.json', raw);
      await page.getByTestId('setup-notice').getByText('3 seeds: Start runs the study').waitFor();
      assert.equal(await page.getByTestId('field-seeds').inputValue(), '1, 2, 3');
      assert.equal(await page.getByTestId('field-comparisons.prunePipeline.enabled').isChecked(), true);
      assert.equal(await page.getByTestId('field-comparisons.prunePipeline.fineTuneEpochs').inputValue(), '2');
      await page.getByTestId('form-validity').getByText('Ready to start').waitFor();
      await page.getByTestId('start-experiment').click();
      await page.getByTestId('live-panel').waitFor();

      // The sweep folder `earlybird run bench/configs/seeds-demo.json` writes, with its three points.
      const sweep = seedSweepName(parsed);
      const sweepDir = join(runsDir, 'sweeps', sweep);
      const manifest = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8')) as { axes: string[]; points: { id: string; values: { seed: number } }[] };
      assert.deepEqual(manifest.axes, ['seed']);
      assert.deepEqual(manifest.points.map((p) => p.values.seed), [1, 2, 3]);
      // Each seed's run is exactly the loaded experiment with that seed.
      for (const point of manifest.points) {
        assert.deepEqual(JSON.parse(readFileSync(join(sweepDir, 'runs', point.id, 'config.json'), 'utf8')), withSeed(parsed, point.values.seed));
      }
      const first = `${sweep}~${manifest.points[0]!.id}`;
      assert.equal((await page.getByTestId('live-run-id').innerText()).trim(), first);

      // The Live screen follows the seeds as each starts; the last one ends completed.
      const last = `${sweep}~${manifest.points[2]!.id}`;
      await page.waitForFunction((id) => document.querySelector('[data-testid="live-run-id"]')?.textContent?.trim() === id, last, { timeout: 400_000 });
      await page.waitForFunction(() => document.querySelector('.live-body [data-testid="progress"]')?.getAttribute('data-status') === 'completed', undefined, { timeout: 300_000 });
      for (const point of manifest.points) {
        const summary = JSON.parse(readFileSync(join(sweepDir, 'runs', point.id, 'summary.json'), 'utf8')) as { status: string; methods: Record<string, unknown> };
        assert.equal(summary.status, 'completed', `seed ${point.values.seed}`);
        assert.ok(summary.methods.prunePipeline, `seed ${point.values.seed} ran the standard pipeline`);
      }

      // The Runs screen lists the study with its three finished seeds.
      await page.getByTestId('tab-runs').click();
      const card = page.locator(`[data-testid="sweep-card"][data-sweep="${sweep}"]`);
      await card.waitFor();
      await card.locator('summary').click();
      await page.waitForFunction((name) => document.querySelectorAll(`[data-sweep="${name}"] [data-testid="sweep-point"][data-status="completed"]`).length === 3, sweep, { timeout: 30_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
