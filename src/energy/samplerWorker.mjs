// Entry of the power-sampling thread (src/energy/backgroundSampler.ts): TypeScript via tsx, like
// bin/earlybird.mjs, so the thread works the same under the CLI, the app's worker process and tests.
import { register } from 'tsx/esm/api';

register();
await import('./samplerThread.ts');
