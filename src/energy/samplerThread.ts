/**
 * The power sampler's own thread. Training runs long synchronous steps on the main thread (a wasm
 * kernel, a big matmul); sampling there would stall with it, and a read that never had its turn
 * looked like a dead sensor. Here the sources are opened, read and timed on a thread nothing else
 * uses, so a read that times out is a real failure. Readings go to the main thread as messages, each
 * stamped with its own time: the meter integrates them by time, however late they are delivered.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { detectPowerSources, type PowerSourceSettings } from './detect.ts';
import { PowerSampler, type SamplerOptions } from './sampler.ts';
import type { SamplerThreadMessage, SamplerThreadCommand } from './backgroundSampler.ts';
import { messageOf } from './types.ts';

const port = parentPort!;
const post = (message: SamplerThreadMessage) => port.postMessage(message);
const { settings, options } = workerData as { settings: PowerSourceSettings; options: SamplerOptions };

try {
  const { sources, skipped } = await detectPowerSources(settings);
  const powerSources = () => sampler.activeSources.filter((s) => s.view !== 'activity').map((s) => s.name);
  const sampler = new PowerSampler(sources, options);
  post({
    type: 'sources',
    sources: sources.map((s) => ({
      name: s.name, kind: s.kind, description: s.describe(),
      ...(s.formula ? { formula: s.formula } : {}), ...(s.label ? { label: s.label } : {}), ...(s.view ? { view: s.view } : {}),
    })),
    skipped,
  });
  sampler.onReadings((readings) => post({ type: 'readings', readings }));
  sampler.onSourceFailure((failure) => post({ type: 'failure', failure, remaining: powerSources() }));
  port.on('message', (command: SamplerThreadCommand) => {
    if (command.type === 'sample') void sampler.sampleNow().then(() => post({ type: 'sampled', id: command.id }));
    else if (command.type === 'stop') {
      void sampler.stop().then(() => {
        post({ type: 'stopped', overheadPercent: sampler.overheadPercent });
        port.close();
      });
    }
  });
  sampler.start();
} catch (error) {
  post({ type: 'fatal', reason: messageOf(error) });
  port.close();
}
