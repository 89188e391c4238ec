/**
 * The checks a valid config must also pass on this machine, kept apart from the schema (which says
 * what is allowed anywhere): the data set's folder and files present (by name, nothing read),
 * data-parallel workers within the cores this process may use, and one
 * training step within the memory the backend can hold (the lower-bound estimate of
 * train/memory.ts). Run where a config is validated — the API's validate and start, the CLI — and
 * again at run start, where the backend is known.
 */
import * as tf from '@tensorflow/tfjs';
import { dataSpecProblem, parseDataSpec } from '../data/load.ts';
import { buildModel, modelStats, type ModelName } from '../models/index.ts';
import { workersRefusal } from '../train/parallel/cores.ts';
import { estimateTrainingMemory, memoryLimit, memoryRefusal, type MemoryEstimate } from '../train/memory.ts';
import { ConfigError, type ExperimentConfig } from '../core/config.ts';

export interface MachineIssue {
  /** Dotted path of the field to change. */
  path: string;
  message: string;
}

/** The input shape a data spec gives before any file is read, or null when only its files tell. */
export function knownInputShape(spec: string): [number, number, number] | null {
  let parsed;
  try {
    parsed = parseDataSpec(spec);
  } catch {
    return null; // the loader names a bad spec at run start
  }
  if (parsed.kind === 'cifar10') return [32, 32, 3];
  if (parsed.kind === 'embedded' || parsed.dataset !== 'idx') return [28, 28, 1];
  return null;
}

/** Fewest classes of any dataset with that shape: the classifier's size, as a lower bound. */
const FEWEST_CLASSES = 10;

const estimates = new Map<string, Promise<MemoryEstimate | null>>();

/**
 * One training step's memory for the config, built on the cpu backend (no training backend is
 * started to validate a form), remembered per architecture and batch.
 */
function estimateFor(config: ExperimentConfig, shape: [number, number, number]): Promise<MemoryEstimate | null> {
  const { model, training } = config;
  const key = JSON.stringify([model.name, model.width, model.depth, shape, training.batchSize, training.optimizer]);
  let estimate = estimates.get(key);
  if (!estimate) {
    estimate = (async () => {
      const previous = tf.engine().backendName;
      // IS_TEST keeps TF.js's cpu backend from printing its tfjs-node advert (see selectBackend).
      const wasTest = tf.env().getBool('IS_TEST');
      tf.env().set('IS_TEST', true);
      try {
        await tf.setBackend('cpu');
        const built = buildModel({
          name: model.name as ModelName, inputShape: shape, numClasses: FEWEST_CLASSES, seed: 1,
          ...(model.width !== undefined ? { width: model.width } : {}), ...(model.depth !== undefined ? { depth: model.depth } : {}),
        });
        const stats = modelStats(built);
        built.dispose();
        return estimateTrainingMemory(stats, shape[0] * shape[1] * shape[2], training.batchSize, training.optimizer);
      } catch {
        return null; // a spec the model registry refuses is named at run start
      } finally {
        if (previous && previous !== 'cpu') await tf.setBackend(previous);
        tf.env().set('IS_TEST', wasTest);
      }
    })();
    estimates.set(key, estimate);
  }
  return estimate;
}

/** What keeps the config from running on this machine; empty when nothing does. */
export async function machineIssues(config: ExperimentConfig): Promise<MachineIssue[]> {
  const issues: MachineIssue[] = [];
  const data = await dataSpecProblem(config.data.spec);
  if (data) issues.push({ path: 'data.spec', message: data });
  const workers = workersRefusal(config.training.workers);
  if (workers) issues.push({ path: 'training.workers', message: workers });
  const shape = knownInputShape(config.data.spec);
  const estimate = shape ? await estimateFor(config, shape) : null;
  if (estimate) {
    // The backend is chosen at run start; here only an explicit wasm narrows the limit below the machine's.
    const limit = memoryLimit(config.backend === 'wasm' ? 'wasm' : 'any');
    const label = `${config.model.name}${config.model.width !== undefined ? ` width ${config.model.width}` : ''}`;
    const refusal = memoryRefusal(label, estimate, config.training.batchSize, limit);
    if (refusal) issues.push({ path: estimate.weightBytes > limit.bytes ? 'model' : 'training.batchSize', message: refusal });
  }
  return issues;
}

/** Throws ConfigError naming each field this machine cannot run as configured. */
export async function checkMachineBounds(config: ExperimentConfig): Promise<void> {
  const issues = await machineIssues(config);
  if (issues.length > 0) throw new ConfigError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), issues);
}
