/**
 * The ticket as one download: the retrained Early-Bird network (and its 8-bit form when the run made
 * one) with a README that says how to load it, what to feed it and what it scored. Written into the
 * run folder (`export/ticket.zip`), so the browser server can serve it and Electron can show it.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { zipArchive, type ZipEntry } from '../zip.ts';
import { MODEL_JSON } from './modelFiles.ts';
import { RunError, RunStore } from '../run/runStore.ts';
import { modelDir, ticketArchivePath } from '../run/paths.ts';
import { READ_CAPS, readRegularBytes } from '../run/safeRead.ts';
import { assertRealDirBelow, writeFileBelow } from '../run/safePath.ts';
import type { RunSummary } from '../core/summary.ts';

export interface TicketArchive {
  path: string;
  bytes: number;
  /** Folders inside the archive, e.g. `ebTrain`, `ebTrain-uint8`. */
  models: string[];
}

function percent(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

/** model.json's userDefinedMetadata, from the bytes already packed; anything else is no metadata. */
function modelMetadata(bytes: Uint8Array | undefined): { classNames?: unknown; input?: { shape?: unknown; description?: unknown } } | undefined {
  if (!bytes) return undefined;
  try {
    const meta = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { userDefinedMetadata?: unknown } | null)?.userDefinedMetadata;
    return typeof meta === 'object' && meta !== null ? meta : undefined;
  } catch {
    return undefined;
  }
}

function readme(runId: string, summary: RunSummary | null, models: { folder: string; accuracy: number | null }[], modelJson: Uint8Array | undefined): string {
  const meta = modelMetadata(modelJson);
  const lines = [
    `Early-Bird ticket from earlybird run ${runId}`,
    '',
    'Each folder is a TensorFlow.js layers model (model.json + weights.bin). Load it with',
    '  const model = await tf.loadLayersModel(url or tf.io.fromMemory(...))',
    'and feed it float32 images shaped [batch, height, width, channels] with pixel bytes divided by 255.',
    'The normalisation used in training is inside the model (its first layer): do not subtract a mean yourself.',
  ];
  if (meta?.input && typeof meta.input.description === 'string') lines.push(`Input: ${JSON.stringify(meta.input.shape)}; ${meta.input.description}.`);
  if (Array.isArray(meta?.classNames)) lines.push(`Output: softmax probabilities over ${meta.classNames.length} classes, in this order: ${meta.classNames.join(', ')}.`);
  lines.push('model.json\'s userDefinedMetadata holds the same facts (classNames, input, output).', '');
  if (summary) {
    lines.push(`Test accuracy measured by earlybird on ${summary.data.test.toLocaleString('en-US')} ${summary.data.name} test images:`);
    for (const m of models) if (m.accuracy !== null) lines.push(`  ${m.folder}: ${percent(m.accuracy)}`);
    lines.push('');
  }
  lines.push('predictions.json: the model\'s outputs for the first test images, to check a loader gives the same numbers.');
  return `${lines.join('\n')}\n`;
}

/**
 * The files of one model folder, each a regular file of the run folder read under its cap. The folder
 * must be a real one inside the run (models/ and models/<name> no links); a link, FIFO or device in it
 * refuses the export, named, rather than pack what it points to. Sub-folders are not packed.
 */
async function modelFiles(runDir: string, dir: string): Promise<{ name: string; data: Buffer }[]> {
  await assertRealDirBelow(runDir, dir);
  const files: { name: string; data: Buffer }[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const stat = await lstat(path);
    if (stat.isDirectory()) continue;
    if (stat.isSymbolicLink()) throw new RunError(`${path}: is a symbolic link; the ticket packs only regular files of the run folder`);
    const data = await readRegularBytes(path, READ_CAPS.modelFile);
    if (data !== null) files.push({ name, data });
  }
  return files;
}

/** Writes `export/ticket.zip` for the run in `runDir`; throws RunError when the run has no trained ticket yet, or when a file to pack is not a regular file of the run. */
export async function writeTicketArchive(runDir: string): Promise<TicketArchive> {
  const store = RunStore.open(runDir);
  const summary = await store.readSummaryAsync().catch(() => null);
  const candidates = [
    { folder: 'ebTrain', accuracy: summary?.methods.ebTrain?.testAccuracy ?? null },
    { folder: 'ebTrain-uint8', accuracy: summary?.quantization?.accuracyAfter ?? null },
  ];
  const models: typeof candidates = [];
  for (const m of candidates) if (await lstat(join(modelDir(store.dir, m.folder), MODEL_JSON)).catch(() => null)) models.push(m);
  if (models.length === 0) throw new RunError(`run ${store.id} has no retrained ticket yet (models/ebTrain): it ends with the retrain phase`);
  const entries: ZipEntry[] = [];
  let modelJson: Uint8Array | undefined;
  for (const m of models) {
    for (const file of await modelFiles(store.dir, modelDir(store.dir, m.folder))) {
      if (m === models[0] && file.name === MODEL_JSON) modelJson = file.data;
      entries.push({ name: `${store.id}/${m.folder}/${file.name}`, data: file.data });
    }
  }
  entries.unshift({ name: `${store.id}/README.txt`, data: Buffer.from(readme(store.id, summary, models, modelJson), 'utf8') });
  const archive = zipArchive(entries);
  const path = ticketArchivePath(store.dir);
  writeFileBelow(store.dir, path, archive);
  return { path, bytes: archive.byteLength, models: models.map((m) => m.folder) };
}
