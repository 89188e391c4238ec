// Worker entry: registers tsx (the engine is TypeScript, run without a build step), then loads
// the replica. A plain .mjs because a worker does not inherit a loader registered through the API.
import { register } from 'tsx/esm/api';

register();
await import('./replicaWorker.ts');
