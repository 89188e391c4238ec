#!/usr/bin/env node
// The experiment worker process (forked by the app and by `earlybird serve`): TypeScript via tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/api/worker.ts');
