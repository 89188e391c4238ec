/**
 * Builds the desktop app: electron/main.ts and electron/preload.ts bundled by esbuild into
 * electron/dist/{main,preload}.cjs, then the renderer (src/server/buildRenderer.ts) into
 * renderer/dist/. Run with `tsx electron/build.ts` (`--no-renderer` skips the page).
 *
 * - main.cjs bundles electron/ only: 'electron' and every package (tsx, zod) stay external, and
 *   the engine (src/, TypeScript) is loaded at run time through tsx, as the CLI and the worker
 *   load it (electron/loadEngine.ts). tfjs, koffi and @napi-rs/canvas are never bundled: their
 *   wasm files and native addons are found next to their packages in node_modules.
 * - preload.cjs must stand alone: a sandboxed preload can only require('electron') (and a few
 *   built-ins), so everything else is bundled in, and the build fails if anything else is required.
 */
import { build, type BuildOptions } from 'esbuild';
import { buildEngineBundle } from './buildEngine.ts';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ELECTRON_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(ELECTRON_DIR, '..');

/** Modules a sandboxed preload may require (Electron's sandbox polyfills). */
export const SANDBOX_REQUIRABLE = new Set(['electron', 'events', 'timers', 'url', 'node:events', 'node:timers', 'node:url']);

/** The require() calls in a bundle that a sandboxed preload could not satisfy. */
export function forbiddenRequires(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) {
    if (!SANDBOX_REQUIRABLE.has(match[1]!)) found.add(match[1]!);
  }
  if (/\brequire\(\s*[^"'`\s)]/.test(code)) found.add('(dynamic require)');
  return [...found];
}

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

export interface BuildResult {
  main: string;
  preload: string;
  renderer: 'built' | 'skipped' | 'missing';
}

export async function buildElectron(options: { outdir?: string; renderer?: boolean; engine?: boolean } = {}): Promise<BuildResult> {
  const outdir = resolve(options.outdir ?? join(ELECTRON_DIR, 'dist'));
  mkdirSync(outdir, { recursive: true });
  const main = join(outdir, 'main.cjs');
  const preload = join(outdir, 'preload.cjs');

  await build({
    ...common,
    entryPoints: [join(ELECTRON_DIR, 'main.ts')],
    outfile: main,
    external: ['electron'],
    packages: 'external',
  });
  await build({
    ...common,
    entryPoints: [join(ELECTRON_DIR, 'preload.ts')],
    outfile: preload,
    external: ['electron'],
    sourcemap: 'inline',
  });
  const bad = forbiddenRequires(readFileSync(preload, 'utf8'));
  if (bad.length) throw new Error(`preload.cjs requires ${bad.join(', ')}: a sandboxed preload can only require electron`);

  // The engine bundle the packaged app runs: <appRoot>/dist/engine, appRoot being two levels above outdir.
  if (options.engine !== false) await buildEngineBundle(join(outdir, '..', '..', 'dist', 'engine'));

  let renderer: BuildResult['renderer'] = 'skipped';
  if (options.renderer !== false) renderer = await buildRendererIfPresent();
  return { main, preload, renderer };
}

/** The renderer build belongs to src/server/buildRenderer.ts; skipped with a message until it exists. */
async function buildRendererIfPresent(): Promise<BuildResult['renderer']> {
  const modulePath = join(ROOT, 'src', 'server', 'buildRenderer.ts');
  if (!existsSync(modulePath)) {
    console.warn(`electron/build: ${relative(ROOT, modulePath)} not found; the renderer was not built (renderer/dist/).`);
    return 'missing';
  }
  const mod = (await import(pathToFileURL(modulePath).href)) as { buildRenderer?: () => unknown };
  if (typeof mod.buildRenderer !== 'function') {
    console.warn(`electron/build: ${relative(ROOT, modulePath)} has no buildRenderer(); the renderer was not built.`);
    return 'missing';
  }
  await mod.buildRenderer();
  return 'built';
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const started = Date.now();
  const result = await buildElectron({ renderer: !process.argv.includes('--no-renderer') });
  const size = (path: string) => `${(statSync(path).size / 1024).toFixed(1)} KiB`;
  console.log(`electron/build: ${relative(ROOT, result.main)} (${size(result.main)}), ${relative(ROOT, result.preload)} (${size(result.preload)}), renderer ${result.renderer}, ${Date.now() - started} ms`);
}
