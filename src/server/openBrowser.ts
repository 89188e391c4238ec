/**
 * Opens the app's URL in the system browser without putting its token on a command line (any user
 * can read other processes' arguments in /proc). The opener gets the path of a launcher page, made
 * readable by this user only, that forwards to the URL; the page is removed a little later.
 * Failures (no desktop, no opener) are only reported.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** How long the launcher page stays: long enough for a slow browser start, short enough not to linger. */
const LAUNCHER_LIFETIME_MS = 120_000;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Writes the launcher page (0600 in a 0700 folder); returns its path and how to remove it. */
export function writeLauncher(url: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'earlybird-open-'));
  const path = join(dir, 'open-earlybird.html');
  const href = escapeHtml(url);
  writeFileSync(path, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>earlybird</title><p><a href="${href}">Open earlybird</a></p>\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openBrowser(url: string, onError: (message: string) => void): void {
  let launcher: ReturnType<typeof writeLauncher>;
  try {
    launcher = writeLauncher(url);
  } catch (error) {
    onError(`could not open a browser (${(error as Error).message}); open the URL above yourself`);
    return;
  }
  const target = process.platform === 'win32' ? launcher.path : pathToFileURL(launcher.path).href;
  const [command, args] = process.platform === 'darwin' ? ['open', [target]]
    : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', target]]
    : ['xdg-open', [target]];
  const timer = setTimeout(launcher.remove, LAUNCHER_LIFETIME_MS);
  timer.unref();
  process.once('exit', launcher.remove);
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', (error) => onError(`could not open a browser (${error.message}); open the URL above yourself`));
    child.unref();
  } catch (error) {
    onError(`could not open a browser (${(error as Error).message}); open the URL above yourself`);
  }
}
