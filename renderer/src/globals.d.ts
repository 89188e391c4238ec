import type { RendererApi } from '../../src/api/contract.ts';

declare global {
  interface Window {
    /** Provided by Electron's preload, or by the browser adapter (api/browserApi.ts). */
    api?: RendererApi;
  }
}
