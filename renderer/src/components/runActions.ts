/**
 * What a user does with a run that is over, wherever it is shown (Live when it ends, Runs when it is
 * opened): the PDF report (cancelled and failed runs too: the report says what is missing; not for
 * a run that ended before its first epoch, which has nothing to report), the
 * ticket as a zip (the retrained network and its 8-bit form, ready for tf.loadLayersModel), the run
 * folder (Electron: opened in the file manager; browser: its path with a Copy button), and the same
 * config again in Setup.
 */
import type { ApiOutputs, RendererApi } from '../../../src/api/contract.ts';
import { messageOf } from '../api/connectApi.ts';
import { h } from '../ui/dom.ts';
import { formatCount } from '../ui/format.ts';
import type { Notice } from '../ui/notice.ts';
import type { RunRecord } from '../state/runRecords.ts';
import { endedBeforeFirstEpoch } from '../state/runOutcome.ts';

/** The run folder holds a retrained ticket: its summary lists one, or its retrain phase ended. */
export function hasTicket(record: RunRecord): boolean {
  return Boolean(record.summary?.methods.ebTrain?.modelDir) || record.view.phases.some((p) => p.phase === 'retrain' && p.status === 'completed');
}

/** Its facts for the action buttons, from the run's record. */
export function runFactsOf(record: RunRecord, status: string = record.active ? 'running' : record.view.status): RunFacts {
  return { runId: record.runId, status, hasTicket: hasTicket(record), config: record.config, reportable: !endedBeforeFirstEpoch(record) };
}

export interface RunActionsOptions {
  api: RendererApi;
  info: ApiOutputs['app:info'];
  /** Where results and errors are said. */
  notice: Notice;
  /** Prefix of every button's test id, e.g. `detail` → `detail-export-pdf`. */
  testPrefix: string;
  /** Fills Setup with this config; absent where there is no config to reuse. */
  runAgain?(config: unknown, runId: string): void;
}

export interface RunFacts {
  runId: string;
  status: string;
  /** The run folder holds a retrained ticket (models/ebTrain). */
  hasTicket: boolean;
  config: unknown;
  /** The run has something to report (false: it ended before its first epoch); absent means it has. */
  reportable?: boolean;
}

/** A "Report ready" notice stands this long; the download it links to has started by then. */
const DOWNLOAD_NOTICE_MS = 30_000;

function download(url: string, filename: string, testId: string, label: string): HTMLAnchorElement {
  return h('a', { href: url, download: filename, testid: testId }, label);
}

export async function exportReport(options: RunActionsOptions, runId: string): Promise<void> {
  const { api, info, notice } = options;
  notice.show('info', `Writing the PDF report of ${runId}…`);
  try {
    const report = await api.call('report:export', { runId });
    const size = `${report.pages} page${report.pages === 1 ? '' : 's'}, ${formatCount(report.bytes)}B`;
    if (report.url && info.mode === 'browser') {
      const link = download(report.url, `earlybird-${runId}.pdf`, 'report-link', 'Download the PDF');
      notice.show('ok', `Report ready (${size}). `, link);
      notice.expireAfter(DOWNLOAD_NOTICE_MS);
      link.click();
    } else {
      notice.show('ok', 'Report written to ', h('code', { testid: 'report-path' }, report.path), ` (${size}).`);
    }
  } catch (error) {
    notice.show('error', `Could not export the report: ${messageOf(error)}`);
  }
}

async function exportTicket(options: RunActionsOptions, runId: string): Promise<void> {
  const { api, info, notice } = options;
  notice.show('info', `Packing the ticket of ${runId}…`);
  try {
    const ticket = await api.call('ticket:export', { runId });
    const what = `${ticket.models.join(' and ')}, ${formatCount(ticket.bytes)}B zip`;
    if (ticket.url && info.mode === 'browser') {
      const link = download(ticket.url, `earlybird-${runId}-ticket.zip`, 'ticket-link', 'Download the zip');
      notice.show('ok', `Ticket ready (${what}; takes pixels / 255, class names inside). `, link);
      notice.expireAfter(DOWNLOAD_NOTICE_MS);
      link.click();
    } else {
      notice.show('ok', 'Ticket written to ', h('code', { testid: 'ticket-path' }, ticket.path), ` (${what}).`);
    }
  } catch (error) {
    notice.show('error', `Could not pack the ticket: ${messageOf(error)}`);
  }
}

async function showFolder(options: RunActionsOptions, runId: string): Promise<void> {
  const { api, notice } = options;
  try {
    const folder = await api.call('runs:reveal', { runId });
    if (folder.revealed) {
      notice.show('ok', 'Opened ', h('code', { testid: 'folder-path' }, folder.path), ' in the file manager.');
      return;
    }
    const copy = h('button', { type: 'button', class: 'ghost small-button', testid: 'copy-folder-path' }, 'Copy');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(folder.path);
        copy.textContent = 'Copied';
      } catch {
        // No clipboard access (insecure context, denied): select the text so Ctrl-C works.
        const range = document.createRange();
        range.selectNodeContents(path);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
        copy.textContent = 'Selected: press Ctrl-C';
      }
    });
    const path = h('code', { testid: 'folder-path' }, folder.path);
    notice.show('info', 'Run folder (on the machine running earlybird): ', path, ' ', copy);
  } catch (error) {
    notice.show('error', `Could not find the run folder: ${messageOf(error)}`);
  }
}

/** The buttons for a run in `facts.status`; none while it runs. */
export function runActionButtons(options: RunActionsOptions, facts: RunFacts): HTMLElement[] {
  if (facts.status === 'running' || facts.status === 'pending') return [];
  const { testPrefix: p } = options;
  const buttons: HTMLElement[] = [];
  if (facts.reportable !== false) {
    buttons.push(h('button', { type: 'button', testid: `${p}-export-pdf`, onclick: () => void exportReport(options, facts.runId) }, 'Export PDF'));
  }
  if (facts.hasTicket) {
    buttons.push(h('button', { type: 'button', testid: `${p}-export-ticket`, title: 'The retrained Early-Bird network (and its 8-bit form) as a TF.js model zip', onclick: () => void exportTicket(options, facts.runId) }, 'Download ticket'));
  }
  buttons.push(h('button', { type: 'button', testid: `${p}-show-folder`, onclick: () => void showFolder(options, facts.runId) }, options.info.mode === 'electron' ? 'Show folder' : 'Run folder'));
  if (options.runAgain && facts.config) {
    const again = options.runAgain;
    buttons.push(h('button', { type: 'button', testid: `${p}-run-again`, title: 'Open Setup with this run\'s settings', onclick: () => again(facts.config, facts.runId) }, 'Run again…'));
  }
  return buttons;
}
