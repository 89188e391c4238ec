/**
 * Real Debian Chromium driven by playwright-core for the end-to-end tests: headless, no sandbox
 * (containers), nothing phoning home, a fresh profile per launch (Playwright creates a temporary
 * user-data-dir and removes it on close). Pages collect console errors and CSP violations so a
 * test can assert there were none.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.EARLYBIRD_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} not found: install it (apt-get install -y chromium) or set EARLYBIRD_CHROMIUM`;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
}

export async function openPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return { page, context, problems };
}

/** The widths the app is looked at: a laptop window and a narrow one. */
export const VIEWPORTS = [{ width: 1280, height: 800 }, { width: 800, height: 900 }];

/**
 * Opens `url` in Chromium at each of VIEWPORTS, clicks the tab `tab` (its data-testid), runs
 * `check`, and asserts the page logged no console error, page error or CSP violation.
 */
export async function onTabAtEachWidth(
  url: string, tab: string, check: (page: Page, viewport: { width: number; height: number }) => Promise<void>,
): Promise<void> {
  const browser = await launchChromium();
  try {
    for (const viewport of VIEWPORTS) {
      const { page, context, problems } = await openPage(browser, viewport);
      await page.goto(url);
      await page.getByTestId(tab).click();
      await check(page, viewport);
      assert.deepEqual(problems, []);
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

/**
 * Saves a PNG of the page. `fullPage`: the window is made as tall as the document first, so
 * sticky bars sit where a user of a tall window would see them instead of mid-image.
 */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  if (!fullPage) {
    await page.screenshot({ path });
    return path;
  }
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, viewport.height), 6000) });
  await page.waitForTimeout(200);
  await page.screenshot({ path });
  await page.setViewportSize(viewport);
  return path;
}

export async function scrollToTop(page: Page): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
}
