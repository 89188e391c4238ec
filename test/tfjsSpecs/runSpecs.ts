/**
 * tfjs's own jasmine specs (compiled in `@tensorflow/tfjs-core/dist`) run against the wasm backend,
 * once with this project's kernels and once with the stock ones, so a kernel we replace is held to
 * the tfjs team's tests, not only to ours.
 *
 * The specs and the project must share one tfjs-core (one kernel registry, one engine): esbuild
 * bundles both with `mainFields: module,main` (tfjs-core's `module` entry is the same ESM tree the
 * specs import) and `ignoreAnnotations` (tfjs-core's `sideEffects` list would drop the spec files).
 *
 *   node --import tsx test/tfjsSpecs/runSpecs.ts [stock|ours]   prints the counts; `stock` also
 *   rewrites stock-failures.json, the list of specs the stock wasm kernels fail.
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const coreDist = dirname(require.resolve('@tensorflow/tfjs-core/dist/index.js'));
const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/index.js'));

/**
 * Every spec file tfjs-core 4.22 ships (265 files, about 4,200 specs): the whole suite runs in
 * about 25 s here, so nothing is picked by hand and a kernel can regress nowhere unseen.
 */
export function allSpecFiles(): string[] {
  return (readdirSync(coreDist, { recursive: true }) as string[])
    .filter((f) => f.endsWith('_test.js'))
    .map((f) => f.split(sep).join('/'))
    .sort();
}

export const STOCK_FAILURES_FILE = join(here, 'stock-failures.json');

export interface SpecOutcome {
  passed: string[];
  failed: { name: string; message: string }[];
}

export type KernelSet = 'ours' | 'stock';

/** Builds the bundle (specs + setup) into a temporary folder; returns its path and a cleanup. */
export async function buildSpecBundle(files: string[] = allSpecFiles()): Promise<{ bundle: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'earlybird-tfjs-specs-'));
  const entry = join(dir, 'entry.ts');
  const imports = [join(here, 'setup.ts'), ...files.map((f) => join(coreDist, f))];
  await writeFile(entry, imports.map((f) => `import ${JSON.stringify(f)};`).join('\n'));
  const bundle = join(dir, 'specs.cjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    mainFields: ['module', 'main'],
    ignoreAnnotations: true,
    outfile: bundle,
    logLevel: 'error',
    define: { EARLYBIRD_WASM_DIR: JSON.stringify(`${wasmDist}/`) },
  });
  return { bundle, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs a built bundle in a child process with the given kernels. */
export async function runSpecBundle(bundle: string, kernels: KernelSet): Promise<SpecOutcome> {
  const out = `${bundle}.${kernels}.json`;
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [join(here, 'jasmineRunner.cjs'), bundle, out], {
      env: { ...process.env, EARLYBIRD_SPECS_KERNELS: kernels, EARLYBIRD_WASM_STOCK: '' },
      maxBuffer: 64 * 1024 * 1024,
    }, (error, _stdout, stderr) => (error ? reject(new Error(`tfjs specs (${kernels}) crashed: ${stderr.slice(-2000)}`)) : resolve()));
  });
  return JSON.parse(await readFile(out, 'utf8')) as SpecOutcome;
}

export interface StockFailures {
  /** How the list was made, so nobody mistakes it for a hand-written allowance. */
  derivedBy: string;
  specFiles: number;
  passed: number;
  failed: string[];
}

async function main(kernels: KernelSet) {
  const started = Date.now();
  const { bundle, cleanup } = await buildSpecBundle();
  try {
    const outcome = await runSpecBundle(bundle, kernels);
    console.log(`${kernels} kernels: ${outcome.passed.length} passed, ${outcome.failed.length} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    for (const f of outcome.failed) console.log(`  FAIL ${f.name}: ${f.message.slice(0, 160)}`);
    if (kernels === 'stock') {
      const record: StockFailures = {
        derivedBy: 'node --import tsx test/tfjsSpecs/runSpecs.ts stock (tfjs-core 4.22 specs, stock tfjs-backend-wasm 4.22 kernels)',
        specFiles: allSpecFiles().length,
        passed: outcome.passed.length,
        failed: outcome.failed.map((f) => f.name).sort(),
      };
      await writeFile(STOCK_FAILURES_FILE, `${JSON.stringify(record, null, 2)}\n`);
      console.log(`wrote ${STOCK_FAILURES_FILE}`);
    }
  } finally {
    await cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kernels = (process.argv[2] ?? 'ours') as KernelSet;
  if (kernels !== 'ours' && kernels !== 'stock') throw new Error(`runSpecs: expected "ours" or "stock", got "${kernels}"`);
  await main(kernels);
}
