/**
 * Every run the page knows about: its view (src/core/project.ts, the run's projection), config and summary. Live events
 * and a run's stored history (`runs:get`) are merged without double counting: an event is folded
 * in once, whichever way it arrived first (events are compared by their JSON).
 */
import type { ApiEvent, RendererApi } from '../../../src/api/contract.ts';
import type { ExperimentConfig } from '../../../src/core/config.ts';
import type { RunEvent } from '../../../src/core/events.ts';
import type { RunSummary } from '../../../src/core/summary.ts';
import { applyEvent, emptyRunView, type RunView } from '../../../src/core/project.ts';

export interface RunRecord {
  runId: string;
  view: RunView;
  config: ExperimentConfig | null;
  summary: RunSummary | null;
  /** Running in a worker right now. */
  active: boolean;
  /** Its stored history has been read at least once. */
  loaded: boolean;
}

interface Internal extends RunRecord {
  keys: Set<string>;
  /** Events that arrived live, kept until the stored history has been read. */
  live: RunEvent[];
  loading: Promise<RunRecord> | null;
}

/**
 * The summary that describes the run as it stands: none while it runs again (a resumed run's
 * summary.json is the one its cancellation left behind).
 */
export function settledSummary(record: RunRecord): RunSummary | null {
  return record.active || record.view.status === 'running' || record.view.status === 'pending' ? null : record.summary;
}

export type RecordsListener = (runId: string, event: RunEvent | null) => void;

export class RunRecords {
  private readonly records = new Map<string, Internal>();
  private readonly listeners = new Set<RecordsListener>();

  constructor(private readonly api: RendererApi) {}

  subscribe(listener: RecordsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(runId: string): RunRecord | undefined {
    return this.records.get(runId);
  }

  /** Runs running now, as far as this page knows. */
  activeIds(): string[] {
    return [...this.records.values()].filter((r) => r.active).map((r) => r.runId);
  }

  private ensure(runId: string): Internal {
    let record = this.records.get(runId);
    if (!record) {
      record = { runId, view: emptyRunView(runId), config: null, summary: null, active: false, loaded: false, keys: new Set(), live: [], loading: null };
      this.records.set(runId, record);
    }
    return record;
  }

  private notify(runId: string, event: RunEvent | null): void {
    for (const listener of this.listeners) listener(runId, event);
  }

  private fold(record: Internal, event: RunEvent): boolean {
    if (event.type !== 'progress') {
      const key = JSON.stringify(event);
      if (record.keys.has(key)) return false;
      record.keys.add(key);
    }
    applyEvent(record.view, event);
    return true;
  }

  /** A pushed event. */
  handleLive({ runId, event }: ApiEvent): void {
    const record = this.ensure(runId);
    if (event.type === 'run-start') record.active = true;
    // A summary.json read before this event belongs to an earlier attempt (a resumed run's is the
    // one its cancellation left behind): showing it as the final figures until the new one is read
    // back would put the cancelled run's "—" on a completed run.
    if (event.type === 'run-start' || event.type === 'run-end') record.summary = null;
    if (event.type !== 'progress') record.live.push(event);
    const changed = this.fold(record, event);
    if (event.type === 'run-end') {
      record.active = false;
      // The summary is written when the run ends; read it (and the complete history) back.
      void this.load(runId, true).catch(() => undefined);
    } else if (!record.loaded && !record.loading) {
      void this.load(runId).catch(() => undefined);
    }
    if (changed) this.notify(runId, event);
  }

  /** Seeds a run from `experiment:active` (events since its worker started). */
  seedActive(runId: string, events: RunEvent[]): void {
    const record = this.ensure(runId);
    record.active = true;
    for (const event of events) {
      record.live.push(event);
      this.fold(record, event);
    }
    this.notify(runId, null);
  }

  /** Reads a run's stored history, config and summary (`runs:get`). */
  load(runId: string, force = false): Promise<RunRecord> {
    const record = this.ensure(runId);
    if (record.loading) return force ? record.loading.then(() => this.load(runId, true)) : record.loading;
    if (record.loaded && !force) return Promise.resolve(record);
    record.loading = (async () => {
      try {
        const stored = await this.api.call('runs:get', { runId });
        const view = emptyRunView(runId);
        const keys = new Set<string>();
        for (const event of stored.events) {
          const key = JSON.stringify(event);
          if (keys.has(key)) continue;
          keys.add(key);
          applyEvent(view, event);
        }
        // Live events the file did not have yet (or a page that saw them before the write).
        for (const event of record.live) {
          const key = JSON.stringify(event);
          if (keys.has(key)) continue;
          keys.add(key);
          applyEvent(view, event);
        }
        // A worker lingers for a moment after its run-end, and a resumed run's history ends in the
        // previous run-end until its worker starts: what this page saw since then decides.
        const boundary = [...record.live].reverse().find((e) => e.type === 'run-start' || e.type === 'run-end');
        const active = stored.active && boundary?.type !== 'run-end';
        if (active && view.status !== 'running') view.status = 'pending';
        record.view = view;
        record.keys = keys;
        record.live = active ? record.live : [];
        record.config = (stored.config as ExperimentConfig | null) ?? null;
        record.summary = stored.summary;
        record.active = active;
        record.loaded = true;
        return record;
      } finally {
        record.loading = null;
        this.notify(runId, null);
      }
    })();
    return record.loading;
  }

  /** A run was just started or resumed here: show it as starting until its worker reports. */
  markStarting(runId: string): void {
    const record = this.ensure(runId);
    record.active = true;
    record.live = [];
    if (record.view.status !== 'running') record.view.status = 'pending';
    record.view.error = null;
    this.notify(runId, null);
  }

  forget(runId: string): void {
    this.records.delete(runId);
    this.notify(runId, null);
  }
}
