/**
 * The sandboxed preload: exposes `window.api` (the contract's RendererApi) and nothing else of
 * ipcRenderer. Bundled by electron/build.ts into one CommonJS file (electron/dist/preload.cjs)
 * because a sandboxed preload can only `require('electron')` and a few Node built-ins.
 * Failed calls reject with plain `{ name, message, issues, status }` data (see rendererApi.ts:
 * contextBridge would strip an Error down to its message).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createRendererApi } from './rendererApi.ts';

contextBridge.exposeInMainWorld(
  'api',
  createRendererApi({
    invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
    on: (channel, listener) => ipcRenderer.on(channel, listener),
    removeListener: (channel, listener) => ipcRenderer.removeListener(channel, listener),
  }, { bridgeSafeErrors: true }),
);
