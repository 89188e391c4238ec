/**
 * Early-Bird ticket detection (You et al., ICLR 2020) while training runs, on plain arrays.
 *
 * Per pruning ratio, each observed epoch's global channel mask goes into a FIFO of `queueLength`
 * masks. The ticket for a ratio has emerged when the FIFO is full and the newest mask is within
 * `epsilon` (normalised Hamming distance, ≤ counts) of every older mask in it — the official
 * `EarlyBird.early_bird_emerge`. Differences from the official class, all deliberate:
 *  - one detector tracks several ratios (the official script builds one EarlyBird per ratio);
 *  - epsilon is an option (the official code hard-codes 0.1);
 *  - distances are also reported before the FIFO is full (the official list holds placeholder 1s
 *    until then), but a ticket is never declared before it is full;
 *  - "found" is sticky: the first epoch that satisfies the test and its mask are kept as the EB
 *    ticket (the official script likewise saves only the first EB checkpoint, via its flag_30…);
 *    `stable` still says whether this epoch's test passed;
 *  - masks come from `channelMask`, which adds a tie guard and a keep-one-channel-per-layer guard.
 * The epoch label is the caller's: the official script checks before training each epoch (so
 * its first mask is the untrained network's); here `epoch` is whatever the caller observed.
 */
import { channelMask, type ChannelMask, type LayerGammas, type LayerMask } from './channelMask.ts';
import { maskDistance } from './maskDistance.ts';
import { sameRatio } from '../core/ratio.ts';

export interface EarlyBirdOptions {
  /** Pruning ratios to track, each in [0, 1). */
  ratios: readonly number[];
  /** FIFO length: how many consecutive masks must agree (official `epoch_keep`). */
  queueLength: number;
  /** Largest allowed distance between the newest mask and each older queued mask. */
  epsilon: number;
}

export const DEFAULT_EARLY_BIRD_OPTIONS: Readonly<EarlyBirdOptions> = Object.freeze({
  ratios: Object.freeze([0.3, 0.5, 0.7]),
  queueLength: 5,
  epsilon: 0.1,
});

/** What one observation says about one ratio. */
export interface RatioObservation {
  epoch: number;
  ratio: number;
  /** Distance from the newest mask to each older queued mask, oldest first. */
  distances: number[];
  /** Largest of `distances`; null when no older mask is queued yet. */
  maxDistance: number | null;
  /** This epoch passed the test: queue full and every distance ≤ epsilon. */
  stable: boolean;
  /** The ticket has emerged at this epoch or earlier (never reverts). */
  found: boolean;
  /** First epoch at which the ticket emerged, once found. */
  foundEpoch?: number;
}

export interface EpochRecord {
  epoch: number;
  ratios: RatioObservation[];
}

export interface EarlyBirdTicket {
  ratio: number;
  epoch: number;
  mask: ChannelMask;
}

interface QueuedMask {
  epoch: number;
  mask: ChannelMask;
}

interface RatioTrack {
  ratio: number;
  queue: QueuedMask[];
  ticket?: EarlyBirdTicket;
}

/** Layer names and channel counts; every observation must have the same. */
type Layout = { layer: string; total: number }[];

export class EarlyBirdDetector {
  readonly options: Readonly<EarlyBirdOptions>;
  private readonly tracks: RatioTrack[];
  private readonly records: EpochRecord[] = [];
  private layout: Layout | undefined;
  private latestEpoch: number | undefined;

  constructor(options: Partial<EarlyBirdOptions> = {}) {
    this.options = validateOptions({ ...DEFAULT_EARLY_BIRD_OPTIONS, ...options });
    this.tracks = this.options.ratios.map((ratio) => ({ ratio, queue: [] }));
  }

  /** Epoch of the latest observation; a resumed run continues after it. */
  get lastEpoch(): number | undefined {
    return this.latestEpoch;
  }

  /**
   * Feeds one epoch's BatchNorm γ. Epochs must be integers and strictly increasing (gaps are
   * allowed: the FIFO counts observations, not epochs). On error nothing is changed.
   */
  observe(epoch: number, layers: readonly LayerGammas[]): RatioObservation[] {
    if (!Number.isInteger(epoch)) throw new TypeError(`EarlyBirdDetector.observe: epoch must be an integer, got ${epoch}`);
    if (this.latestEpoch !== undefined && epoch <= this.latestEpoch) {
      throw new RangeError(
        `EarlyBirdDetector.observe: epoch ${epoch} is not after the last observed epoch ${this.latestEpoch}`,
      );
    }
    // Compute and check everything before mutating, so a bad call leaves the state intact.
    const masks = this.tracks.map((track) => channelMask(layers, track.ratio));
    const layout = layoutOf(masks[0]!.layers);
    if (this.layout) assertSameLayout(this.layout, layout);

    this.layout ??= layout;
    this.latestEpoch = epoch;
    const observations = this.tracks.map((track, i) => this.push(track, epoch, masks[i]!));
    this.records.push({ epoch, ratios: observations });
    return observations.map(copyObservation);
  }

  /** Every observation so far, oldest first (for charts). */
  history(): readonly Readonly<EpochRecord>[] {
    return this.records;
  }

  /** Pairwise distances among the currently queued masks of `ratio`, oldest first. */
  distanceMatrix(ratio: number): { epochs: number[]; distances: number[][] } {
    const queue = this.track(ratio).queue;
    const distances = queue.map(() => new Array<number>(queue.length).fill(0));
    for (let i = 0; i < queue.length; i++) {
      for (let j = i + 1; j < queue.length; j++) {
        const d = maskDistance(queue[i]!.mask, queue[j]!.mask);
        distances[i]![j] = d;
        distances[j]![i] = d;
      }
    }
    return { epochs: queue.map((q) => q.epoch), distances };
  }

  /** The newest mask observed for `ratio` (the last one queued), if any. */
  latestMask(ratio: number): ChannelMask | undefined {
    const queue = this.track(ratio).queue;
    return queue[queue.length - 1]?.mask;
  }

  foundFor(ratio: number): boolean {
    return this.track(ratio).ticket !== undefined;
  }

  /** The EB ticket of `ratio`: first epoch it emerged and the mask of that epoch. */
  ticket(ratio: number): EarlyBirdTicket | undefined {
    return this.track(ratio).ticket;
  }

  allFound(): boolean {
    return this.tracks.every((track) => track.ticket !== undefined);
  }

  toJSON(): EarlyBirdState {
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      options: { ratios: [...this.options.ratios], queueLength: this.options.queueLength, epsilon: this.options.epsilon },
      layout: this.layout ? this.layout.map((l) => ({ ...l })) : null,
      lastEpoch: this.latestEpoch ?? null,
      tracks: this.tracks.map((track) => ({
        ratio: track.ratio,
        queue: track.queue.map((q) => ({ epoch: q.epoch, mask: serializeMask(q.mask) })),
        ticket: track.ticket ? { epoch: track.ticket.epoch, mask: serializeMask(track.ticket.mask) } : null,
      })),
      history: this.records.map((r) => ({ epoch: r.epoch, ratios: r.ratios.map(copyObservation) })),
    };
  }

  /** Rebuilds a detector from `toJSON()` output (also after JSON.stringify/parse). */
  static fromJSON(state: unknown): EarlyBirdDetector {
    const parsed = parseState(state);
    const detector = new EarlyBirdDetector(parsed.options);
    detector.layout = parsed.layout;
    detector.latestEpoch = parsed.lastEpoch;
    detector.tracks.forEach((track, i) => {
      track.queue = parsed.queues[i]!;
      const ticket = parsed.tickets[i];
      if (ticket) track.ticket = ticket;
    });
    detector.records.push(...parsed.history);
    return detector;
  }

  private push(track: RatioTrack, epoch: number, mask: ChannelMask): RatioObservation {
    const { queueLength, epsilon } = this.options;
    track.queue.push({ epoch, mask });
    if (track.queue.length > queueLength) track.queue.shift();

    const newest = track.queue[track.queue.length - 1]!;
    const distances = track.queue.slice(0, -1).map((older) => maskDistance(newest.mask, older.mask));
    const maxDistance = distances.length > 0 ? Math.max(...distances) : null;
    const stable = track.queue.length === queueLength && distances.every((d) => d <= epsilon);
    if (stable && !track.ticket) track.ticket = { ratio: track.ratio, epoch, mask };

    const observation: RatioObservation = {
      epoch,
      ratio: track.ratio,
      distances,
      maxDistance,
      stable,
      found: track.ticket !== undefined,
    };
    if (track.ticket) observation.foundEpoch = track.ticket.epoch;
    return observation;
  }

  private track(ratio: number): RatioTrack {
    const track = this.tracks.find((t) => sameRatio(t.ratio, ratio));
    if (!track) {
      throw new RangeError(`EarlyBirdDetector: ratio ${ratio} is not tracked (tracked: ${this.options.ratios.join(', ')})`);
    }
    return track;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

function validateOptions(options: EarlyBirdOptions): Readonly<EarlyBirdOptions> {
  const { ratios, queueLength, epsilon } = options;
  if (!Array.isArray(ratios) || ratios.length === 0) {
    throw new RangeError('EarlyBirdDetector: ratios must be a non-empty array');
  }
  for (const r of ratios) {
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0 || r >= 1) {
      throw new RangeError(`EarlyBirdDetector: each ratio must be a number in [0, 1), got ${String(r)}`);
    }
  }
  if (new Set(ratios).size !== ratios.length) {
    throw new RangeError(`EarlyBirdDetector: ratios must be distinct, got ${ratios.join(', ')}`);
  }
  // With one mask there is nothing to compare, so "stable" would be vacuously true at once.
  if (!Number.isInteger(queueLength) || queueLength < 2) {
    throw new RangeError(`EarlyBirdDetector: queueLength must be an integer ≥ 2, got ${queueLength}`);
  }
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0 || epsilon > 1) {
    throw new RangeError(`EarlyBirdDetector: epsilon must be a number in [0, 1], got ${String(epsilon)}`);
  }
  return Object.freeze({ ratios: Object.freeze([...ratios]), queueLength, epsilon });
}

function layoutOf(layers: readonly LayerMask[]): Layout {
  return layers.map(({ layer, total }) => ({ layer, total }));
}

function assertSameLayout(expected: Layout, actual: Layout): void {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e?.layer !== a?.layer || e?.total !== a?.total) {
      const describe = (l: { layer: string; total: number } | undefined) =>
        l ? `"${l.layer}" (${l.total} channels)` : 'nothing';
      throw new RangeError(
        `EarlyBirdDetector.observe: layer ${i} is ${describe(a)} but earlier epochs had ${describe(e)}; ` +
          'the network must not change while detecting',
      );
    }
  }
}

function copyObservation(o: RatioObservation): RatioObservation {
  const copy: RatioObservation = { ...o, distances: [...o.distances] };
  if (o.foundEpoch === undefined) delete copy.foundEpoch;
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Serialisation: masks travel as '0'/'1' strings (readable, a few KB for a few thousand channels).

const STATE_FORMAT = 'earlybird-detector';
const STATE_VERSION = 1;

interface SerializedMask {
  threshold: number;
  bits: string;
  warnings: string[];
}

export interface EarlyBirdState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  options: { ratios: number[]; queueLength: number; epsilon: number };
  layout: { layer: string; total: number }[] | null;
  lastEpoch: number | null;
  tracks: {
    ratio: number;
    queue: { epoch: number; mask: SerializedMask }[];
    ticket: { epoch: number; mask: SerializedMask } | null;
  }[];
  history: EpochRecord[];
}

function serializeMask(mask: ChannelMask): SerializedMask {
  let bits = '';
  for (let i = 0; i < mask.bits.length; i++) bits += mask.bits[i] ? '1' : '0';
  return { threshold: mask.threshold, bits, warnings: [...mask.warnings] };
}

function deserializeMask(s: SerializedMask, ratio: number, layout: Layout, where: string): ChannelMask {
  check(isRecord(s), `${where}: mask must be an object`);
  check(typeof s.threshold === 'number' && Number.isFinite(s.threshold), `${where}: threshold must be a finite number`);
  check(typeof s.bits === 'string' && /^[01]*$/.test(s.bits), `${where}: bits must be a string of 0/1`);
  check(Array.isArray(s.warnings) && s.warnings.every((w) => typeof w === 'string'), `${where}: warnings must be strings`);
  const total = layout.reduce((sum, l) => sum + l.total, 0);
  check(s.bits.length === total, `${where}: ${s.bits.length} bits but the layout has ${total} channels`);

  const bits = new Uint8Array(total);
  for (let i = 0; i < total; i++) bits[i] = s.bits.charCodeAt(i) === 49 /* '1' */ ? 1 : 0;
  let offset = 0;
  const layers = layout.map(({ layer, total: n }) => {
    const keep = bits.subarray(offset, offset + n);
    offset += n;
    let kept = 0;
    for (let c = 0; c < n; c++) kept += keep[c]!;
    return { layer, keep, kept, total: n };
  });
  return { ratio, threshold: s.threshold, layers, bits, warnings: [...s.warnings] };
}

interface ParsedState {
  options: Readonly<EarlyBirdOptions>;
  layout: Layout | undefined;
  lastEpoch: number | undefined;
  queues: QueuedMask[][];
  tickets: (EarlyBirdTicket | undefined)[];
  history: EpochRecord[];
}

/** Checks a `toJSON()` object thoroughly: a resumed run must not start from a corrupt queue. */
function parseState(raw: unknown): ParsedState {
  const where = 'EarlyBirdDetector.fromJSON';
  check(isRecord(raw), `${where}: state must be an object`);
  const state = raw as unknown as EarlyBirdState;
  check(state.format === STATE_FORMAT, `${where}: format must be "${STATE_FORMAT}", got ${JSON.stringify(state.format)}`);
  check(state.version === STATE_VERSION, `${where}: unsupported version ${JSON.stringify(state.version)}`);
  check(isRecord(state.options), `${where}: options missing`);
  const options = validateOptions(state.options);
  const { ratios, queueLength } = options;

  let layout: Layout | undefined;
  if (state.layout !== null) {
    check(Array.isArray(state.layout) && state.layout.length > 0, `${where}: layout must be a non-empty array or null`);
    layout = state.layout.map((l, i) => {
      check(isRecord(l) && typeof l.layer === 'string' && Number.isInteger(l.total) && l.total > 0, `${where}: layout[${i}] is malformed`);
      return { layer: l.layer, total: l.total };
    });
  }
  const lastEpoch = state.lastEpoch === null ? undefined : state.lastEpoch;
  check(lastEpoch === undefined || Number.isInteger(lastEpoch), `${where}: lastEpoch must be an integer or null`);
  check((layout === undefined) === (lastEpoch === undefined), `${where}: layout and lastEpoch must both be set or both null`);

  check(Array.isArray(state.tracks) && state.tracks.length === ratios.length, `${where}: need one track per ratio`);
  const queues: QueuedMask[][] = [];
  const tickets: (EarlyBirdTicket | undefined)[] = [];
  state.tracks.forEach((t, i) => {
    const ratio = ratios[i]!;
    const at = `${where}: track ${i}`;
    check(isRecord(t) && t.ratio === ratio, `${at}: ratio must be ${ratio} (same order as options.ratios)`);
    check(Array.isArray(t.queue) && t.queue.length <= queueLength, `${at}: queue must be an array of at most ${queueLength}`);
    check(t.queue.length === 0 || layout !== undefined, `${at}: queued masks need a layout`);
    let previous = -Infinity;
    queues.push(
      t.queue.map((q, k) => {
        check(isRecord(q) && Number.isInteger(q.epoch) && q.epoch > previous, `${at}: queue[${k}] epoch must be an increasing integer`);
        check(q.epoch <= lastEpoch!, `${at}: queue[${k}] epoch ${q.epoch} is after lastEpoch ${lastEpoch}`);
        previous = q.epoch;
        return { epoch: q.epoch, mask: deserializeMask(q.mask, ratio, layout!, `${at} queue[${k}]`) };
      }),
    );
    if (t.ticket === null) {
      tickets.push(undefined);
    } else {
      check(isRecord(t.ticket) && Number.isInteger(t.ticket.epoch) && layout !== undefined, `${at}: ticket is malformed`);
      tickets.push({ ratio, epoch: t.ticket.epoch, mask: deserializeMask(t.ticket.mask, ratio, layout!, `${at} ticket`) });
    }
  });

  check(Array.isArray(state.history), `${where}: history must be an array`);
  const history = state.history.map((r, i) => {
    check(isRecord(r) && Number.isInteger(r.epoch) && Array.isArray(r.ratios) && r.ratios.length === ratios.length, `${where}: history[${i}] is malformed`);
    return { epoch: r.epoch, ratios: r.ratios.map(copyObservation) };
  });

  return { options, layout, lastEpoch, queues, tickets, history };
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new TypeError(message);
}
