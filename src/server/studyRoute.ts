/**
 * `GET /study/<sweep>.pdf?token=…`: streams the study PDF that `study:export` wrote for a sweep,
 * from <runs>/sweeps/<sweep>/study/study.pdf and from nowhere else.
 */
import { statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { sweepsRoot } from '../study/listSweeps.ts';
import { sendFile, sendText } from './httpUtil.ts';

export const STUDY_PATH = /^\/study\/([A-Za-z0-9][A-Za-z0-9._-]{0,80})\.pdf$/;

export function serveStudy(sweep: string, runsDir: string, res: ServerResponse, head: boolean): void {
  if (sweep === '.' || sweep === '..') {
    sendText(res, 400, 'bad sweep name');
    return;
  }
  const path = join(sweepsRoot(runsDir), sweep, 'study', 'study.pdf');
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat?.isFile()) {
    sendText(res, 404, `no study for sweep ${sweep}: export it first (study:export)`);
    return;
  }
  sendFile(path, 'application/pdf', `earlybird-study-${sweep}.pdf`, res, head);
}
