/**
 * Every file of a run folder, one function each (open_lth's foundations/paths.py is the model): no
 * other module joins a run-folder file name by hand.
 */
import { join } from 'node:path';

/** A run id: a folder name directly inside the runs folder (letters, digits, . _ -; never . or ..). */
export const RUN_ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,120}$/;
export const isRunId = (text: string): boolean => RUN_ID_PATTERN.test(text);

export const configPath = (runDir: string) => join(runDir, 'config.json');
export const eventsPath = (runDir: string) => join(runDir, 'events.jsonl');
export const metricsPath = (runDir: string) => join(runDir, 'metrics.csv');
export const summaryPath = (runDir: string) => join(runDir, 'summary.json');
/** Held while a process writes the run: pid, host and start time (see lock.ts). */
export const lockPath = (runDir: string) => join(runDir, 'run.lock');
export const checkpointsDir = (runDir: string) => join(runDir, 'checkpoints');
export const phaseCheckpointDir = (runDir: string, phase: string) => join(runDir, 'checkpoints', phase);
export const masksDir = (runDir: string) => join(runDir, 'masks');
export const modelsDir = (runDir: string) => join(runDir, 'models');
/** The report's default home: report.pdf and its CSV/JSON companions. */
export const reportDir = (runDir: string) => join(runDir, 'report');
