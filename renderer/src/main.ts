/**
 * The page: header with the screen tabs and the theme, then Setup, Live run and Runs. Talks only
 * to `window.api` (Electron's preload, or the browser adapter built from the URL's token).
 */
import './styles.css';
import type { ApiOutputs, RendererApi } from '../../src/api/contract.ts';
import { CONNECTION_EVENT, RESYNC_EVENT, type ConnectionState } from './api/browserApi.ts';
import { connectApi, messageOf } from './api/connectApi.ts';
import { RunRecords } from './state/runRecords.ts';
import { createLiveScreen } from './screens/liveScreen.ts';
import { createRunsScreen } from './screens/runsScreen.ts';
import { createSetupScreen } from './screens/setupScreen.ts';
import { h, replaceChildren } from './ui/dom.ts';
import { createTabs } from './ui/tabs.ts';
import { applyTheme, type ThemeChoice } from './ui/theme.ts';

function fatal(root: HTMLElement, title: string, detail: string): void {
  replaceChildren(root, h('div', { class: 'fatal', role: 'alert', testid: 'fatal' }, h('h1', {}, title), h('p', {}, detail)));
}

function themePicker(api: RendererApi, initial: ThemeChoice): HTMLElement {
  const select = h('select', { testid: 'theme-select', 'aria-label': 'Theme' },
    h('option', { value: 'system' }, 'System theme'), h('option', { value: 'light' }, 'Light'), h('option', { value: 'dark' }, 'Dark'));
  select.value = initial;
  select.addEventListener('change', async () => {
    const theme = select.value as ThemeChoice;
    applyTheme(theme);
    try {
      await api.call('settings:set', { settings: { theme } });
    } catch {
      // The theme still applies to this page.
    }
  });
  return select;
}

/**
 * A line under the header while the server does not answer, so no screen's empty state ("No runs
 * yet") reads as the answer: what is wrong and what to do. It goes when the stream is back.
 */
function serverDownBanner(): HTMLElement {
  const banner = h('div', { class: 'server-down', role: 'alert', testid: 'server-down', hidden: true });
  const show = (state: ConnectionState) => {
    banner.hidden = state !== 'reconnecting' && state !== 'closed';
    document.documentElement.dataset.serverDown = String(!banner.hidden);
    if (state === 'reconnecting') {
      banner.textContent = 'The earlybird server is not answering: what this page shows may be out of date. It reconnects by itself once the server runs again on this address; if it was stopped, start it with `earlybird serve` and open the URL it prints.';
    } else if (state === 'closed') {
      banner.textContent = 'The earlybird server refused this page: it was restarted with a new access token. Open the URL `earlybird serve` printed in its terminal.';
    }
  };
  window.addEventListener(CONNECTION_EVENT, (event) => show((event as CustomEvent<ConnectionState>).detail));
  return banner;
}

/**
 * The sticky header's and Setup's Start bar's heights as the page's scroll padding, so focusing or
 * revealing an element never leaves it under either bar (WCAG 2.4.11), whatever they wrap to.
 */
function trackStickyBars(header: HTMLElement): () => void {
  const root = document.documentElement;
  const measure = () => {
    const bar = document.querySelector<HTMLElement>('.panel:not([hidden]) .action-bar');
    root.style.setProperty('--sticky-top', `${header.getBoundingClientRect().height}px`);
    root.style.setProperty('--sticky-bottom', `${bar ? bar.getBoundingClientRect().height : 0}px`);
  };
  const observer = new ResizeObserver(measure);
  observer.observe(header);
  for (const bar of document.querySelectorAll('.action-bar')) observer.observe(bar);
  measure();
  return measure;
}

function connectionIndicator(): HTMLElement {
  const dot = h('span', { class: 'connection', testid: 'connection', role: 'status', title: 'Live event stream' });
  const show = (state: ConnectionState) => {
    dot.dataset.state = state;
    dot.textContent = state === 'open' ? 'live' : state === 'closed' ? 'disconnected' : state;
    dot.title = state === 'closed' ? 'The server stopped or restarted: open the URL `earlybird serve` printed' : 'Live event stream';
  };
  show((document.documentElement.dataset.connection as ConnectionState | undefined) ?? 'connecting');
  window.addEventListener(CONNECTION_EVENT, (event) => show((event as CustomEvent<ConnectionState>).detail));
  return dot;
}

async function boot(root: HTMLElement): Promise<void> {
  let api: RendererApi;
  // A browser page (earlybird serve) rather than the Electron app: its server can be stopped or restarted.
  const served = !window.api;
  try {
    api = connectApi();
  } catch (error) {
    fatal(root, 'No access token', messageOf(error));
    return;
  }
  const records = new RunRecords(api);
  const unsubscribe = api.onEvent((event) => records.handleLive(event));

  let info: ApiOutputs['app:info'];
  let defaults: ApiOutputs['experiment:defaults'];
  let settings: ApiOutputs['settings:get'];
  try {
    [info, defaults, settings] = await Promise.all([api.call('app:info', {}), api.call('experiment:defaults', {}), api.call('settings:get', {})]);
  } catch (error) {
    unsubscribe();
    fatal(root, served ? 'Cannot reach the earlybird server' : 'Cannot reach the earlybird engine', served
      ? `${messageOf(error)}. If \`earlybird serve\` was stopped or restarted, start it again and open the URL it prints in its terminal (each start prints a new one).`
      : messageOf(error));
    return;
  }
  applyTheme(settings.theme);
  document.documentElement.dataset.mode = info.mode;

  const setupPanel = h('main', { class: 'panel' });
  const livePanel = h('main', { class: 'panel', hidden: true });
  const runsPanel = h('main', { class: 'panel', hidden: true });

  const runAgain = (config: unknown, runId: string) => {
    setup.load(config, runId);
    tabs.show('setup', true);
    // Setup opens at its top (presets, the first fields), not wherever the last screen was scrolled to.
    window.scrollTo({ top: 0 });
  };
  const openRun = (runId: string) => {
    tabs.show('runs', true);
    void runs.open(runId);
  };
  const live = createLiveScreen(api, records, () => tabs.show('setup', true), { info, openRun, runAgain });
  const runs = createRunsScreen(api, records, info, (runId) => {
    live.show(runId);
    tabs.show('live');
  }, runAgain);
  const setup = createSetupScreen(api, defaults, info, (runId) => {
    records.markStarting(runId);
    live.show(runId);
    tabs.show('live');
  });
  setupPanel.append(setup.element);
  livePanel.append(live.element);
  runsPanel.append(runs.element);

  // Set once the header exists; tabs shown before then have nothing to measure yet.
  let measureStickyBars: (() => void) | undefined;
  const tabs = createTabs([
    { id: 'setup', label: 'Setup', panel: setupPanel },
    { id: 'live', label: 'Live run', panel: livePanel },
    { id: 'runs', label: 'Runs', panel: runsPanel, onShow: () => void runs.refresh() },
  ], (id) => {
    document.documentElement.dataset.screen = id;
    measureStickyBars?.();
  });

  const header = h('header', { class: 'app-header' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('span', {}, 'earlybird'), h('span', { class: 'version muted small' }, `v${info.version}`)),
    tabs.element,
    h('div', { class: 'header-tools' }, info.mode === 'browser' ? connectionIndicator() : null, themePicker(api, settings.theme)));
  replaceChildren(root,
    header,
    info.mode === 'browser' ? serverDownBanner() : null,
    setupPanel, livePanel, runsPanel);
  measureStickyBars = trackStickyBars(header);

  // A page opened mid-run picks the run up where it is.
  const attachActive = async () => {
    const { runs: active } = await api.call('experiment:active', {});
    for (const run of active) records.seedActive(run.runId, run.events);
    await Promise.all(active.map((run) => records.load(run.runId, true).catch(() => undefined)));
    return active;
  };
  window.addEventListener(RESYNC_EVENT, () => {
    void attachActive().then(() => {
      const shown = live.shownRunId();
      if (shown) void records.load(shown, true).catch(() => undefined);
    });
  });
  let startTab = 'setup';
  try {
    const active = await attachActive();
    if (active.length) {
      live.show(active[active.length - 1]!.runId);
      startTab = 'live';
    }
  } catch {
    // Nothing running, as far as we can tell.
  }
  const wanted = new URLSearchParams(location.hash.slice(1)).get('screen');
  tabs.show(wanted && ['setup', 'live', 'runs'].includes(wanted) ? wanted : startTab);
  document.documentElement.dataset.ready = 'true';
}

const root = document.getElementById('app')!;
boot(root).catch((error) => fatal(root, 'Something went wrong', messageOf(error)));
