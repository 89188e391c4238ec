/** Browser mode: `earlybird serve` and the pieces tests and Electron use. */
export { serveCommand, SERVE_USAGE } from './serveCommand.ts';
export { startServer, type RunningServer, type ServerOptions } from './startServer.ts';
export { buildRenderer, ensureRendererBuilt, rendererIsStale, RENDERER_DIST } from './buildRenderer.ts';
