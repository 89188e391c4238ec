/**
 * The ticket as one download: the retrained Early-Bird network (and its 8-bit form when the run made
 * one) with a README that says how to load it, what to feed it and what it scored. Written into the
 * run folder (`export/ticket.zip`), so the browser server can serve it and Electron can show it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { zipArchive, type ZipEntry } from '../zip.ts';
import { writeFileAtomic } from '../run/files.ts';
import { MODEL_JSON } from './modelFiles.ts';
import { RunError, RunStore } from '../run/runStore.ts';
import { exportDir, modelDir, ticketArchivePath } from '../run/paths.ts';

export interface TicketArchive {
  path: string;
  bytes: number;
  /** Folders inside the archive, e.g. `ebTrain`, `ebTrain-uint8`. */
  models: string[];
}

function percent(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

function readme(store: RunStore, models: { folder: string; accuracy: number | null }[]): string {
  const summary = store.readSummary();
  const meta = JSON.parse(readFileSync(join(modelDir(store.dir, models[0]!.folder), MODEL_JSON), 'utf8')).userDefinedMetadata as
    | { classNames?: string[]; input?: { shape: (number | null)[]; description: string } }
    | undefined;
  const lines = [
    `Early-Bird ticket from earlybird run ${store.id}`,
    '',
    'Each folder is a TensorFlow.js layers model (model.json + weights.bin). Load it with',
    '  const model = await tf.loadLayersModel(url or tf.io.fromMemory(...))',
    'and feed it float32 images shaped [batch, height, width, channels] with pixel bytes divided by 255.',
    'The normalisation used in training is inside the model (its first layer): do not subtract a mean yourself.',
  ];
  if (meta?.input) lines.push(`Input: ${JSON.stringify(meta.input.shape)}; ${meta.input.description}.`);
  if (meta?.classNames) lines.push(`Output: softmax probabilities over ${meta.classNames.length} classes, in this order: ${meta.classNames.join(', ')}.`);
  lines.push('model.json\'s userDefinedMetadata holds the same facts (classNames, input, output).', '');
  if (summary) {
    lines.push(`Test accuracy measured by earlybird on ${summary.data.test.toLocaleString('en-US')} ${summary.data.name} test images:`);
    for (const m of models) if (m.accuracy !== null) lines.push(`  ${m.folder}: ${percent(m.accuracy)}`);
    lines.push('');
  }
  lines.push('predictions.json: the model\'s outputs for the first test images, to check a loader gives the same numbers.');
  return `${lines.join('\n')}\n`;
}

/** Writes `export/ticket.zip` for the run in `runDir`; throws RunError when the run has no trained ticket yet. */
export function writeTicketArchive(runDir: string): TicketArchive {
  const store = RunStore.open(runDir);
  const summary = store.readSummary();
  const candidates = [
    { folder: 'ebTrain', accuracy: summary?.methods.ebTrain?.testAccuracy ?? null },
    { folder: 'ebTrain-uint8', accuracy: summary?.quantization?.accuracyAfter ?? null },
  ];
  const models = candidates.filter((m) => existsSync(join(modelDir(store.dir, m.folder), MODEL_JSON)));
  if (models.length === 0) throw new RunError(`run ${store.id} has no retrained ticket yet (models/ebTrain): it ends with the retrain phase`);
  const entries: ZipEntry[] = [];
  for (const m of models) {
    const dir = modelDir(store.dir, m.folder);
    for (const file of readdirSync(dir).sort()) {
      if (statSync(join(dir, file)).isFile()) entries.push({ name: `${store.id}/${m.folder}/${file}`, data: readFileSync(join(dir, file)) });
    }
  }
  entries.unshift({ name: `${store.id}/README.txt`, data: Buffer.from(readme(store, models), 'utf8') });
  const archive = zipArchive(entries);
  const path = ticketArchivePath(store.dir);
  mkdirSync(exportDir(store.dir), { recursive: true });
  writeFileAtomic(path, archive);
  return { path, bytes: archive.byteLength, models: models.map((m) => m.folder) };
}
