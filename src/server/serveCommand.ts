/**
 * `earlybird serve [--port N] [--host 127.0.0.1] [--runs <dir>] [--no-open]`: the app in a plain
 * browser. Prints the URL with its access token, opens it, and runs until Ctrl+C / SIGTERM, which
 * cancel running experiments cleanly (each stops after its current batch and can be resumed).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from '../cli/args.ts';
import { option, optionsHelp, parseArgsSpec, parseOptions, runsDirOption } from '../cli/options.ts';
import { openBrowser } from './openBrowser.ts';
import { DEFAULT_HOST, isLoopback, startServer } from './startServer.ts';

/** The options of `earlybird serve` (type, default and help from these schemas; see cli/options.ts). */
export const SERVE_OPTIONS = {
  port: option(z.number().int().min(0).max(65535).optional(), { help: 'port to listen on', placeholder: 'N', defaultText: 'any free port' }),
  host: option(z.string().trim().min(1, 'expected an address, e.g. 127.0.0.1').default(DEFAULT_HOST), { help: 'address to listen on; the default is this machine only, see below', placeholder: 'H' }),
  runs: runsDirOption('where run folders live'),
  'no-open': option(z.boolean().default(false), { help: 'do not open a browser' }),
};

export const SERVE_USAGE = `earlybird serve [options]
  Serves the app to a browser on this machine at http://${DEFAULT_HOST}:<port>/?token=<random token>.
${optionsHelp(SERVE_OPTIONS)}
  Every request must carry the token printed in the URL. The server speaks plain HTTP, so a host
  other than loopback exposes the token and everything the API can do (start experiments, delete
  runs, read files through data folders) to the network; it is accepted only when given explicitly.`;

const REMOTE_WARNING = (host: string) => `earlybird serve: WARNING: listening on ${host}, not only on this machine.
  The server speaks plain HTTP: the access token travels unencrypted and anyone who sees it can
  start experiments, delete runs and read any folder as a data set. Prefer the default 127.0.0.1
  with an SSH tunnel (ssh -L <port>:127.0.0.1:<port> host) to reach it from elsewhere.`;

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs({ args: argv, options: parseArgsSpec(SERVE_OPTIONS) });
  if (parsed.values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const values = parseOptions(SERVE_OPTIONS, parsed.values);
  const port = values.port ?? 0;
  const host = values.host;
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
