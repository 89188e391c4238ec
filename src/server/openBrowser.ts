/** Opens a URL in the system browser; failures (no desktop, no opener) are only reported. */
import { spawn } from 'node:child_process';

export function openBrowser(url: string, onError: (message: string) => void): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]]
    : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
    : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', (error) => onError(`could not open a browser (${error.message}); open the URL above yourself`));
    child.unref();
  } catch (error) {
    onError(`could not open a browser (${(error as Error).message}); open the URL above yourself`);
  }
}
