/**
 * Loads the engine (TypeScript under src/) into the Electron main process at run time through
 * tsx's ESM register API: the same way bin/earlybird.mjs runs the CLI and bin/earlybird-worker.mjs
 * runs the worker, so one copy of the engine source serves the CLI, the server, the app and the
 * packaged app, and main.cjs stays a thin bundle of electron/ only. No Electron import here, so a
 * test can run this bundled loader under plain Node.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type EngineModule = typeof import('../src/api/engine.ts');

let registered: Promise<void> | null = null;

/**
 * tsx's ESM API must be loaded as ESM: its CommonJS build (what a static import becomes in
 * main.cjs) registers the loader hooks from a wrong path. A non-literal specifier keeps esbuild
 * from rewriting this import() into require().
 */
const TSX_ESM_API: string = 'tsx/esm/api';

async function registerTsx(): Promise<void> {
  const { register } = (await import(TSX_ESM_API)) as typeof import('tsx/esm/api');
  register();
}

/** `appRoot`: the folder holding package.json, src/ and bin/ (the repository, or resources/app). */
export async function loadEngineModule(appRoot: string): Promise<EngineModule> {
  // The packaged app runs the esbuild bundle (electron/buildEngine.ts), with no tsx at all.
  if (process.env.EARLYBIRD_ENGINE === 'bundle') {
    return (await import(pathToFileURL(join(appRoot, 'dist', 'engine', 'engine.mjs')).href)) as EngineModule;
  }
  registered ??= registerTsx();
  await registered;
  const url = pathToFileURL(join(appRoot, 'src', 'api', 'engine.ts')).href;
  return (await import(url)) as EngineModule;
}
