/**
 * The IPC channel names, as data the sandboxed preload can bundle without pulling in zod (the
 * contract's schemas live in src/api/contract.ts). The list is checked against the contract twice:
 * at compile time (every `ApiChannel` must be listed, nothing else may be) and in
 * test/electron.test.ts (it equals `Object.keys(inputSchemas)`).
 */
import type { ApiChannel } from '../src/api/contract.ts';

export const API_CHANNELS = [
  'app:info',
  'experiment:defaults',
  'experiment:validate',
  'experiment:start',
  'experiment:cancel',
  'experiment:resume',
  'experiment:active',
  'runs:list',
  'runs:get',
  'runs:delete',
  'report:export',
  'studies:list',
  'study:export',
  'study:get',
  'ticket:export',
  'runs:reveal',
  'dialog:pickFolder',
  'settings:get',
  'settings:set',
] as const satisfies readonly ApiChannel[];

/** Compile-time exhaustiveness: a channel added to the contract but not listed here fails tsc. */
type Unlisted = Exclude<ApiChannel, (typeof API_CHANNELS)[number]>;
export const CHANNELS_COVER_CONTRACT: [Unlisted] extends [never] ? true : Unlisted = true;

/** Every call travels on `api:<channel>` (ipcMain.handle / ipcRenderer.invoke). */
export const IPC_PREFIX = 'api:';
/** Run events are pushed to the page on this channel (webContents.send / ipcRenderer.on). */
export const EVENT_CHANNEL = 'api:event';

const allowed: ReadonlySet<string> = new Set(API_CHANNELS);

export function isAllowedChannel(name: unknown): name is ApiChannel {
  return typeof name === 'string' && allowed.has(name);
}

export function ipcChannelName(channel: ApiChannel): `api:${ApiChannel}` {
  return `${IPC_PREFIX}${channel}` as `api:${ApiChannel}`;
}
