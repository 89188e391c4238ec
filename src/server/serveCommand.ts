/**
 * `earlybird serve [--port N] [--host 127.0.0.1] [--runs <dir>] [--no-open]`: the app in a plain
 * browser. Prints the URL with its access token, opens it, and runs until Ctrl+C / SIGTERM, which
 * cancel running experiments cleanly (each stops after its current batch and can be resumed).
 */
import { parseArgs } from 'node:util';
import { intFlag, UsageError } from '../cli/args.ts';
import { openBrowser } from './openBrowser.ts';
import { DEFAULT_HOST, isLoopback, startServer } from './startServer.ts';

export const SERVE_USAGE = `earlybird serve [--port N] [--host 127.0.0.1] [--runs <dir>] [--no-open]
  Serves the app to a browser on this machine at http://127.0.0.1:<port>/?token=<random token>.
  --port N     port to listen on (default: any free port)
  --host H     address to listen on (default 127.0.0.1, this machine only; see below)
  --runs DIR   where run folders live (default $EARLYBIRD_RUNS or ./runs)
  --no-open    do not open a browser
  Every request must carry the token printed in the URL. The server speaks plain HTTP, so a host
  other than loopback exposes the token and everything the API can do (start experiments, delete
  runs, read files through data folders) to the network; it is accepted only when given explicitly.`;

const REMOTE_WARNING = (host: string) => `earlybird serve: WARNING: listening on ${host}, not only on this machine.
  The server speaks plain HTTP: the access token travels unencrypted and anyone who sees it can
  start experiments, delete runs and read any folder as a data set. Prefer the default 127.0.0.1
  with an SSH tunnel (ssh -L <port>:127.0.0.1:<port> host) to reach it from elsewhere.`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      runs: { type: 'string' },
      'no-open': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const port = intFlag('port', values.port, 0, 0);
  if (port > 65535) throw new UsageError(`--port: expected 0..65535, got ${port}`);
  const host = values.host ?? DEFAULT_HOST;
  if (host.trim() === '') throw new UsageError('--host: expected an address, e.g. 127.0.0.1');
  const remote = !isLoopback(host);
  if (remote) process.stderr.write(`${REMOTE_WARNING(host)}\n`);

  let server;
  try {
    server = await startServer({ port, host, allowRemote: remote, runsDir: values.runs });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new UsageError(`--port ${port}: already in use; pick another or leave --port out`);
    if (e.code === 'EADDRNOTAVAIL') throw new UsageError(`--host ${host}: not an address of this machine`);
    throw error;
  }
  process.stdout.write(`earlybird serve: runs in ${server.engine.settings().runsDir}\n`);
  process.stdout.write(`earlybird serve: open ${server.url}\n`);
  process.stdout.write('earlybird serve: Ctrl+C stops the server (running experiments are cancelled and can be resumed)\n');
  if (!values['no-open']) openBrowser(server.url, (message) => process.stderr.write(`earlybird serve: ${message}\n`));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`earlybird serve: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      const running = server.engine.supervisor.active().length;
      process.stderr.write(`earlybird serve: stopping${running ? `, cancelling ${running} running experiment${running > 1 ? 's' : ''} (after the current batch)` : ''}…\n`);
      server.close().then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve(0);
      }, (error: unknown) => {
        process.stderr.write(`earlybird serve: ${(error as Error).message}\n`);
        resolve(1);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
