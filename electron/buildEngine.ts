/**
 * Bundles the engine (src/, TypeScript) with esbuild into dist/engine/{engine,worker,cli}.mjs, so the
 * packaged app runs compiled JavaScript instead of transpiling its sources through tsx at every start
 * (in the main process and in every worker). Every package stays external: tfjs finds its .wasm
 * files, Dawn its dawn.node, koffi and @napi-rs/canvas their native addons next to their packages.
 *
 * The bundle sits two folders below the app root, like src/<dir>/, and finds the root (bin/, assets/,
 * node_modules/) through src/appRoot.ts. `EARLYBIRD_ENGINE=bundle` makes bin/earlybird.mjs, the
 * worker entry and electron/loadEngine.ts use it; the packaged app sets it.
 *
 *   tsx electron/buildEngine.ts       (also part of `npm run build:electron`)
 */
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ENGINE_BUNDLE_DIR = join(ROOT, 'dist', 'engine');

export async function buildEngineBundle(outdir: string = ENGINE_BUNDLE_DIR): Promise<string[]> {
  const result = await build({
    entryPoints: {
      engine: join(ROOT, 'src', 'api', 'engine.ts'),
      worker: join(ROOT, 'src', 'api', 'worker.ts'),
      cli: join(ROOT, 'src', 'cli.ts'),
      // Worker-thread entries, found beside the code that starts them (new URL('./x.mjs',
      // import.meta.url)): in the sources these names are .mjs shims that register tsx first.
      samplerWorker: join(ROOT, 'src', 'energy', 'samplerThread.ts'),
      replicaWorker: join(ROOT, 'src', 'train', 'parallel', 'replicaWorker.ts'),
    },
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    // Chunks beside the entries: every file two folders below the root, as the sources' relative URLs expect.
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
  return Object.keys(result.metafile!.outputs).filter((f) => f.endsWith('.mjs'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const files = await buildEngineBundle();
  console.log(`electron/buildEngine: ${files.length} files in ${ENGINE_BUNDLE_DIR}`);
}
