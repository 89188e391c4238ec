#!/usr/bin/env node
// Runs the CLI: the TypeScript sources through tsx (no build step), or with EARLYBIRD_ENGINE=bundle
// the esbuild bundle in dist/engine/ (what the packaged app runs; electron/buildEngine.ts).
let main;
if (process.env.EARLYBIRD_ENGINE === 'bundle') {
  ({ main } = await import('../dist/engine/cli.mjs'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
