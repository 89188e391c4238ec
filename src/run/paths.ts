/**
 * Every file of a run folder, one function each (open_lth's foundations/paths.py is the model): no
 * other module joins a run-folder file name by hand.
 */
import { join } from 'node:path';

export { isRunId, RUN_ID_PATTERN } from '../core/runId.ts';

export const configPath = (runDir: string) => join(runDir, 'config.json');
export const eventsPath = (runDir: string) => join(runDir, 'events.jsonl');
export const metricsPath = (runDir: string) => join(runDir, 'metrics.csv');
export const summaryPath = (runDir: string) => join(runDir, 'summary.json');
/**
 * Written by RunStore when it creates the folder (kind, run id, creation time, config hash): marks a
 * folder this engine made, a run even when it failed before its first event.
 */
export const runMarkerPath = (runDir: string) => join(runDir, 'earlybird-run.json');
/** Held while a process writes the run: pid, host and start time (see lock.ts). */
export const lockPath = (runDir: string) => join(runDir, 'run.lock');
export const checkpointsDir = (runDir: string) => join(runDir, 'checkpoints');
export const phaseCheckpointDir = (runDir: string, phase: string) => join(runDir, 'checkpoints', phase);
export const masksDir = (runDir: string) => join(runDir, 'masks');
/** masks/<name>: one set of channel masks (JSON). */
export const maskPath = (runDir: string, name: string) => join(runDir, 'masks', name);
export const modelsDir = (runDir: string) => join(runDir, 'models');
/** A model folder as recorded in the run's results (relative to the run folder): models/<name>. */
export const modelFolder = (name: string) => `models/${name}`;
/** models/<name>: one exported model (model.json + weights.bin). */
export const modelDir = (runDir: string, name: string) => join(runDir, 'models', name);
/** The report's default home: report.pdf and its CSV/JSON companions. */
export const reportDir = (runDir: string) => join(runDir, 'report');
export const reportPdfPath = (runDir: string) => join(runDir, 'report', 'report.pdf');
/** The report's data companions in its data folder (report/ by default, or the user's --data-dir). */
export const reportCompanionPaths = (dataDir: string) => ({
  metrics: join(dataDir, 'metrics.csv'), energy: join(dataDir, 'energy.csv'), summary: join(dataDir, 'summary.json'),
});
/** Where reports were written before report/ existed; still served. */
export const legacyReportPdfPath = (runDir: string) => join(runDir, 'report.pdf');
export const exportDir = (runDir: string) => join(runDir, 'export');
/** export/ticket.zip: the ticket archive (models, masks, config) to take elsewhere. */
export const ticketArchivePath = (runDir: string) => join(runDir, 'export', 'ticket.zip');

/** <runs>/sweeps: every sweep folder of a runs folder. */
export const sweepsDir = (runsDir: string) => join(runsDir, 'sweeps');
/** sweep.json: the sweep as expanded (axes, and per point its index, run id and values). */
export const sweepManifestPath = (sweepDir: string) => join(sweepDir, 'sweep.json');
/** runs/: one run folder per point, named by the point's id. */
export const sweepRunsDir = (sweepDir: string) => join(sweepDir, 'runs');
/** study/: the study report of a sweep (study.pdf and its CSV/JSON companions). */
export const studyDir = (sweepDir: string) => join(sweepDir, 'study');
export const studyPdfPath = (sweepDir: string) => join(sweepDir, 'study', 'study.pdf');
