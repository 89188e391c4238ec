/**
 * First module of the tfjs spec bundle: points tfjs's own jasmine specs at the wasm backend (the
 * test env tfjs-backend-wasm uses, `isDataSync: true`), and registers this project's kernels unless
 * EARLYBIRD_SPECS_KERNELS=stock asks for the stock ones (how the stock failure list is derived).
 */
// What `@tensorflow/tfjs` adds to tfjs-core, and what tfjs-core's own test setup imports.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { setTestEnvs } from '@tensorflow/tfjs-core/dist/jasmine_util.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels } from '../../src/backend/wasm/registerFastKernels.ts';

declare const EARLYBIRD_WASM_DIR: string;

setWasmPaths(EARLYBIRD_WASM_DIR);
setTestEnvs([{ name: 'test-wasm', backendName: 'wasm', isDataSync: true }]);
if (process.env.EARLYBIRD_SPECS_KERNELS !== 'stock') registerFastWasmKernels();
