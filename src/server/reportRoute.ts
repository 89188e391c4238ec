/**
 * `GET /report/<runId>.pdf?token=…`: streams the PDF that `report:export` wrote for the run. The
 * file is looked up where the export said it wrote it, else in the report module's default places
 * inside the run folder — and only ever inside that folder. `GET /ticket/<runId>.zip?token=…`: the
 * zip that `ticket:export` wrote (export/ticket.zip in the run folder).
 */
import { realpathSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { isAbsolute, relative } from 'node:path';
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

function inside(dir: string, path: string): boolean {
  try {
    const rel = relative(realpathSync(dir), realpathSync(path));
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  } catch {
    return false;
  }
}

export function findReport(runDir: string, exported: string | undefined): string | null {
  for (const path of reportCandidates(runDir, exported)) {
    if (inside(runDir, path) && statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
  }
  return null;
}

export function serveReport(runId: string, runDir: string, exported: string | undefined, res: ServerResponse, head: boolean): void {
  if (!isRunId(runId)) {
    sendText(res, 404, `not a run id: ${JSON.stringify(runId)}`);
    return;
  }
  const path = findReport(runDir, exported);
  if (!path) {
    sendText(res, 404, `no report for run ${runId}: export it first (report:export)`);
    return;
  }
  sendFile(path, 'application/pdf', `earlybird-${runId}.pdf`, res, head);
}

export function serveTicket(runId: string, runDir: string, res: ServerResponse, head: boolean): void {
  if (!isRunId(runId)) {
    sendText(res, 404, `not a run id: ${JSON.stringify(runId)}`);
    return;
  }
  const path = ticketArchivePath(runDir);
  if (!inside(runDir, path) || !statSync(path, { throwIfNoEntry: false })?.isFile()) {
    sendText(res, 404, `no ticket archive for run ${runId}: export it first (ticket:export)`);
    return;
  }
  sendFile(path, 'application/zip', `earlybird-${runId}-ticket.zip`, res, head);
}
