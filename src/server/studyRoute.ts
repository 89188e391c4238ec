/**
 * `GET /study/<sweep>.pdf?token=…`: streams the study PDF that `study:export` wrote for a sweep,
 * from <runs>/sweeps/<sweep>/study/study.pdf and from nowhere else: every folder on the way is a real
 * one (no link out of the runs folder) and the PDF a regular file, not a link.
 */
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { studyDir, studyPdfPath, sweepsDir } from '../run/paths.ts';
import { realDirProblem } from '../run/safePath.ts';
import { sendFile, sendText } from './httpUtil.ts';

export const STUDY_PATH = /^\/study\/([A-Za-z0-9][A-Za-z0-9._-]{0,80})\.pdf$/;

export async function serveStudy(sweep: string, runsDir: string, res: ServerResponse, head: boolean): Promise<void> {
  if (sweep === '.' || sweep === '..') {
    sendText(res, 400, 'bad sweep name');
    return;
  }
  const missing = `no study for sweep ${sweep}: export it first (study:export)`;
  const sweepDir = join(sweepsDir(runsDir), sweep);
  const problem = await realDirProblem(runsDir, studyDir(sweepDir));
  if (problem) {
    sendText(res, 404, 'refused' in problem ? `${missing} (${problem.refused})` : missing);
    return;
  }
  await sendFile(studyPdfPath(sweepDir), 'application/pdf', `earlybird-study-${sweep}.pdf`, res, head, missing);
}
