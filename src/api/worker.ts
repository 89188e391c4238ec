/**
 * An experiment in its own process: training never runs on the app's main thread or the server's
 * event loop. Takes one run message over the IPC channel, streams every run event back, and
 * cancels cleanly (after the current batch) on a cancel message or when the parent goes away.
 */
import { parseConfig } from '../core/config.ts';
import { resumeExperiment } from '../experiment/runner.ts';
import { RunStore } from '../run/runStore.ts';
import type { FromWorker, ToWorker } from './workerProtocol.ts';

const controller = new AbortController();
const send = (message: FromWorker) => {
  if (process.connected) process.send!(message);
};

process.on('disconnect', () => controller.abort());
process.on('message', async (message: ToWorker) => {
  if (message.type === 'cancel') {
    controller.abort();
    return;
  }
  try {
    const store = RunStore.open(message.runDir);
    const config = parseConfig(store.readConfigJson(), store.configPath);
    const outcome = await resumeExperiment(store.dir, config, { signal: controller.signal, onEvent: (event) => send({ type: 'event', event }) });
    send({ type: 'done', status: outcome.status });
  } catch (error) {
    send({ type: 'error', message: (error as Error).message });
  } finally {
    process.disconnect?.();
  }
});
