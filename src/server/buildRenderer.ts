/**
 * Bundles the page with esbuild: renderer/src/main.ts (with chart.js and the stylesheet it
 * imports) → renderer/dist/app.js + app.css, and renderer/index.html copied beside them. One
 * classic script, relative paths, nothing from a CDN and nothing inline, so the same folder works
 * under the browser server's CSP and in Electron. `earlybird serve` rebuilds when dist is missing
 * or older than a source file; `node --import tsx src/server/buildRenderer.ts` builds by hand.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));
export const RENDERER_DIST = join(RENDERER_DIR, 'dist');
/** What a complete build leaves in dist. */
export const DIST_FILES = ['index.html', 'app.js', 'app.css'] as const;

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Every input of the bundle: the page's sources, the engine's pure modules it imports (src/core/ …), the HTML shell and this build script. */
function sourcesMtime(): number {
  return Math.max(
    newestMtime(join(RENDERER_DIR, 'src')),
    newestMtime(join(RENDERER_DIR, '..', 'src')),
    newestMtime(join(RENDERER_DIR, 'index.html')),
    newestMtime(fileURLToPath(import.meta.url)),
  );
}

/** True when dist lacks a file or any file in it is older than a source. */
export function rendererIsStale(): boolean {
  let oldest = Infinity;
  for (const name of DIST_FILES) {
    try {
      oldest = Math.min(oldest, statSync(join(RENDERER_DIST, name)).mtimeMs);
    } catch {
      return true;
    }
  }
  return sourcesMtime() > oldest;
}

function writeAtomic(path: string, contents: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

export async function buildRenderer(): Promise<void> {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: RENDERER_DIR,
    entryPoints: { app: join(RENDERER_DIR, 'src', 'main.ts') },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome114', 'firefox115', 'safari16'],
    outdir: RENDERER_DIST,
    minify: true,
    sourcemap: 'linked',
    legalComments: 'eof',
    write: false,
    logLevel: 'silent',
  });
  for (const warning of result.warnings) process.stderr.write(`renderer build: ${warning.text}\n`);
  // Files first, the HTML last: a page that loads mid-build gets either the old or the new set.
  for (const file of result.outputFiles) writeAtomic(file.path, file.contents);
  writeAtomic(join(RENDERER_DIST, 'index.html'), readFileSync(join(RENDERER_DIR, 'index.html')));
}

/** Builds when needed; returns whether it did. */
export async function ensureRendererBuilt(): Promise<boolean> {
  if (!rendererIsStale()) return false;
  await buildRenderer();
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildRenderer();
  process.stdout.write(`renderer built into ${RENDERER_DIST}\n`);
}
