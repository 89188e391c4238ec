/**
 * `GET /report/<runId>.pdf?token=…`: streams the PDF that `report:export` wrote for the run. The
 * file is looked up where the export said it wrote it, else in the report module's default places
 * inside the run folder — and only ever inside that folder, through real folders, as a regular file. `GET /ticket/<runId>.zip?token=…`: the
 * zip that `ticket:export` wrote (export/ticket.zip in the run folder).
 */
import { lstat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { realDirProblem } from '../run/safePath.ts';
import { sendFile, sendText } from './httpUtil.ts';
import { ANY_RUN_ID_PATTERN } from '../study/sweepRunId.ts';
import { legacyReportPdfPath, reportPdfPath, ticketArchivePath } from '../run/paths.ts';

/**
 * `/report/<runId>.pdf`; the id (a run's, or a sweep point's `<sweep>~<point>`) is then checked
 * with ANY_RUN_ID_PATTERN (`.` and `..` are no run ids).
 */
export const REPORT_PATH = /^\/report\/([A-Za-z0-9._~-]{1,202})\.pdf$/;
export const TICKET_PATH = /^\/ticket\/([A-Za-z0-9._~-]{1,202})\.zip$/;
const isRunId = (id: string) => ANY_RUN_ID_PATTERN.test(id);

/** Where a run's PDF may be, in order: the exported path, `report/report.pdf`, `report.pdf`. */
export function reportCandidates(runDir: string, exported: string | undefined): string[] {
  return [exported, reportPdfPath(runDir), legacyReportPdfPath(runDir)].filter((p): p is string => Boolean(p));
}

/**
 * The first candidate that is a regular file reached through real folders only, from the runs folder
 * down (a run, or a sweep point's folder, and report/ are no links); null when none is.
 */
export async function findReport(runsDir: string, runDir: string, exported: string | undefined): Promise<string | null> {
  if ((await realDirProblem(runsDir, runDir)) !== null) return null;
  for (const path of reportCandidates(runDir, exported)) {
    if ((await realDirProblem(runDir, dirname(path))) !== null) continue;
    if ((await lstat(path).catch(() => null))?.isFile()) return path;
  }
  return null;
}

export async function serveReport(runId: string, runsDir: string, runDir: string, exported: string | undefined, res: ServerResponse, head: boolean): Promise<void> {
  if (!isRunId(runId)) {
    sendText(res, 404, `not a run id: ${JSON.stringify(runId)}`);
    return;
  }
  const missing = `no report for run ${runId}: export it first (report:export)`;
  const path = await findReport(runsDir, runDir, exported);
  if (!path) {
    sendText(res, 404, missing);
    return;
  }
  await sendFile(path, 'application/pdf', `earlybird-${runId}.pdf`, res, head, missing);
}

export async function serveTicket(runId: string, runsDir: string, runDir: string, res: ServerResponse, head: boolean): Promise<void> {
  if (!isRunId(runId)) {
    sendText(res, 404, `not a run id: ${JSON.stringify(runId)}`);
    return;
  }
  const missing = `no ticket archive for run ${runId}: export it first (ticket:export)`;
  const path = ticketArchivePath(runDir);
  const problem = await realDirProblem(runsDir, dirname(path));
  if (problem) {
    sendText(res, 404, 'refused' in problem ? `${missing} (${problem.refused})` : missing);
    return;
  }
  await sendFile(path, 'application/zip', `earlybird-${runId}-ticket.zip`, res, head, missing);
}
