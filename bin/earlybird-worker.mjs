#!/usr/bin/env node
// The experiment worker process (forked by the app and by `earlybird serve`): TypeScript via tsx,
// or with EARLYBIRD_ENGINE=bundle the esbuild bundle in dist/engine/ (the packaged app).
if (process.env.EARLYBIRD_ENGINE === 'bundle') {
  await import('../dist/engine/worker.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/api/worker.ts');
}
