/**
 * Live run: the phase and its progress (epoch, batch, ETA), Cancel, and the run panel's charts,
 * redrawn at most once per frame as events arrive. Follows the run started from Setup, or the
 * run already going when the page opened (`experiment:active`).
 */
import type { ApiOutputs, RendererApi } from '../../../src/api/contract.ts';
import { hasTicket, runActionButtons, runFactsOf } from '../components/runActions.ts';
import { endedBeforeFirstEpoch, resumeWouldRepeat } from '../state/runOutcome.ts';
import { messageOf } from '../api/connectApi.ts';
import { createRunPanel } from '../components/runPanel.ts';
import { createRunProgress } from '../components/runProgress.ts';
import type { RunRecords } from '../state/runRecords.ts';
import { h, perFrame, replaceChildren, setText } from '../ui/dom.ts';
import { createNotice } from '../ui/notice.ts';
import { phaseLabel } from '../../../src/core/methods.ts';
import type { RunEvent } from '../../../src/core/events.ts';
import { isSweepRunId } from '../../../src/study/sweepRunId.ts';

export interface LiveScreen {
  element: HTMLElement;
  show(runId: string): void;
  shownRunId(): string | null;
}

export interface LiveExtras {
  info: ApiOutputs['app:info'];
  /** Opens a run on the Runs screen. */
  openRun(runId: string): void;
  runAgain(config: unknown, runId: string): void;
}

export function createLiveScreen(api: RendererApi, records: RunRecords, goToSetup: () => void, extras?: LiveExtras): LiveScreen {
  let runId: string | null = null;
  const title = h('h2', { testid: 'live-title' }, 'Live run');
  const subtitle = h('p', { class: 'lede mono', testid: 'live-run-id' }, '');
  const picker = h('select', { testid: 'live-run-select', 'aria-label': 'Run shown', hidden: true });
  const cancelButton = h('button', { type: 'button', class: 'danger', testid: 'cancel-run' }, 'Cancel run');
  const resumeButton = h('button', { type: 'button', testid: 'resume-run', hidden: true }, 'Resume');
  const notice = createNotice('live-notice');
  const progress = createRunProgress();
  const panel = createRunPanel('live-panel');
  // After a reload nothing is shown: point at the latest run instead of a dead end.
  const lastRun = h('p', { class: 'muted', testid: 'live-last-run', hidden: true });
  const empty = h('div', { class: 'empty-state', testid: 'live-empty' },
    h('p', {}, 'No experiment is running.'),
    lastRun,
    h('button', { type: 'button', class: 'primary', onclick: () => goToSetup() }, 'Set one up'));
  // Once the run is over: report, ticket, folder, run again (components/runActions.ts).
  const endActions = h('div', { class: 'toolbar end-actions', testid: 'live-end-actions', hidden: true });
  // Why Resume is not offered: the failure lies in the run's data or settings, so a resume would repeat it.
  const noResume = h('p', { class: 'muted small', testid: 'live-no-resume', hidden: true });
  const endNotice = createNotice('live-end-notice');
  const body = h('div', { class: 'live-body', hidden: true },
    h('section', { class: 'card progress-card' }, progress.element, h('div', { class: 'progress-actions' }, notice.element, resumeButton, cancelButton),
      endActions, noResume, endNotice.element),
    panel.element);

  const showLastRun = async () => {
    if (!extras) return;
    try {
      const { runs } = await api.call('runs:list', {});
      const last = runs[0];
      if (!last || runId) return;
      const name = last.name ?? `${last.model ?? 'run'} on ${last.data ?? '?'}`;
      replaceChildren(lastRun, 'The latest run: ',
        h('button', { type: 'button', class: 'link-button', testid: 'open-last-run', onclick: () => extras.openRun(last.runId) }, `${name} (${last.status})`),
        h('span', { class: 'mono small' }, ` ${last.runId}`));
      lastRun.hidden = false;
    } catch {
      // The empty state stays as it is.
    }
  };
  // Screen readers hear the moments that matter (a new phase, the ticket, the end), not every batch.
  const announcer = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', testid: 'live-announcer' });
  const element = h('div', { class: 'screen live-screen' },
    h('header', { class: 'screen-head' }, h('div', {}, title, subtitle), picker),
    announcer, empty, body);

  const announce = (event: RunEvent): void => {
    let text = '';
    if (event.type === 'phase-start') text = `Phase started: ${phaseLabel(event.phase)}.`;
    else if (event.type === 'eb-found') text = `Early-Bird ticket found at epoch ${event.epoch + 1} of ${event.plannedEpochs}, p = ${event.ratio}.`;
    else if (event.type === 'run-end') text = `Run ${event.status === 'completed' ? 'completed' : event.status}.`;
    if (text) announcer.textContent = text;
  };

  const render = perFrame(() => {
    const record = runId ? records.get(runId) : undefined;
    empty.hidden = Boolean(record);
    body.hidden = !record;
    if (!record) {
      setText(title, 'Live run');
      setText(subtitle, '');
      return;
    }
    const name = record.config?.name ?? record.summary?.name;
    setText(title, name ? `Live run — ${name}` : 'Live run');
    setText(subtitle, record.runId);
    progress.update(record);
    panel.update(record);
    const running = record.view.status === 'running' || record.view.status === 'pending';
    cancelButton.hidden = !running;
    // A seed's run of a study resumes with its study: Start the same config again. A failure in the
    // run's data or settings would only repeat: Run again with them changed instead.
    const repeats = resumeWouldRepeat(record);
    resumeButton.hidden = running || record.view.status === 'completed' || record.active || isSweepRunId(record.runId) || repeats;
    noResume.hidden = running || record.active || !repeats;
    setText(noResume, repeats ? `Resume would fail the same way: the ${record.view.lastRunEnd?.failure === 'data' ? 'data set' : 'settings'} must change first. Use Run again… to change ${record.view.lastRunEnd?.failure === 'data' ? 'it' : 'them'} and start a new run.` : '');
    const endKey = running || record.active ? '' : `${record.runId}:${record.view.status}:${hasTicket(record)}:${endedBeforeFirstEpoch(record)}`;
    if (extras && endActions.dataset.key !== endKey) {
      endActions.dataset.key = endKey;
      endNotice.clear();
      const facts = runFactsOf(record, record.view.status);
      replaceChildren(endActions, ...(endKey ? runActionButtons({ api, info: extras.info, notice: endNotice, testPrefix: 'live', runAgain: extras.runAgain }, facts) : []));
      endActions.hidden = !endKey;
    }
    const ids = [...new Set([...records.activeIds(), record.runId])];
    picker.hidden = ids.length < 2;
    if (picker.dataset.ids !== ids.join(',')) {
      picker.dataset.ids = ids.join(',');
      replaceChildren(picker, ids.map((id) => h('option', { value: id }, id)));
    }
    picker.value = record.runId;
  });

  records.subscribe((id, event) => {
    if (id === runId) {
      if (event?.type === 'run-start') {
        // A new start: nothing said about the previous attempt stands.
        notice.clear();
        announcer.textContent = event.resumed ? 'Run resumed.' : 'Run started.';
      }
      if (event) announce(event);
      render();
    }
    // Follow a run started elsewhere when the one shown is over.
    else if (event?.type === 'run-start') {
      const shown = runId ? records.get(runId) : undefined;
      if (!shown || (shown.view.status !== 'running' && shown.view.status !== 'pending')) show(id);
      else render();
    }
  });

  picker.addEventListener('change', () => show(picker.value));

  cancelButton.addEventListener('click', async () => {
    if (!runId) return;
    const id = runId;
    cancelButton.disabled = true;
    notice.show('info', 'Cancelling after the current batch…');
    try {
      const { cancelled } = await api.call('experiment:cancel', { runId: id });
      const record = await records.load(id, true).catch(() => undefined);
      const early = record ? endedBeforeFirstEpoch(record) : false;
      notice.show(cancelled ? 'ok' : 'info', !cancelled ? 'The run was no longer running.'
        : early ? 'Cancelled before its first epoch finished. Resume starts it from the beginning.' : 'Cancelled. Resume continues from the last finished epoch.');
    } catch (error) {
      notice.show('error', `Could not cancel: ${messageOf(error)}`);
    } finally {
      cancelButton.disabled = false;
    }
  });

  resumeButton.addEventListener('click', async () => {
    if (!runId) return;
    resumeButton.disabled = true;
    try {
      await api.call('experiment:resume', { runId });
      records.markStarting(runId);
      notice.show('ok', 'Resuming from the last finished epoch…');
    } catch (error) {
      notice.show('error', `Could not resume: ${messageOf(error)}`);
    } finally {
      resumeButton.disabled = false;
    }
  });

  function show(id: string): void {
    if (id !== runId) {
      notice.clear();
      announcer.textContent = '';
    }
    runId = id;
    void records.load(id).catch((error) => notice.show('error', `Could not load ${id}: ${messageOf(error)}`));
    render();
  }

  render();
  void showLastRun();
  return { element, show, shownRunId: () => runId };
}
