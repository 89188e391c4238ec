/**
 * Two methods trained in turns, an epoch each. EB Train and the dense baseline are compared by their
 * energy; trained one after the other, minutes apart, a machine whose speed changes in between (heat,
 * clock, a virtual machine's host) hands one of them the difference. In turns, both see the same
 * machine to within an epoch.
 *
 * One baton: whoever holds it runs (its phases, warm-ups, surgery, evaluations — everything but the
 * other's epochs); it hands the baton over at the start of each of its epochs after its first, and
 * when it finishes. A turn's first act is to set the energy meter back to its own phase, so each
 * method is charged exactly the time it held the baton.
 */
import type { TrainCallback } from '../train/callbacks.ts';
import { methodRunner, type MethodContext } from './methods/index.ts';

export class Turns {
  private held = false;
  private readonly waiting: Array<() => void> = [];

  /** Waits for the baton (at once when nobody holds it). */
  async enter(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await this.wait();
  }

  /** Gives the baton to whoever waits, or puts it down. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  /** Hands the baton to whoever waits and waits for it back; false (at once) when nobody waits. */
  async pass(): Promise<boolean> {
    const next = this.waiting.shift();
    if (!next) return false;
    const back = this.wait();
    next();
    await back;
    return true;
  }

  private wait(): Promise<void> {
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }
}

/**
 * The training callback that takes turns: at the start of every epoch after the method's first (in
 * any of its phases), the baton goes to the other method; on its return, `resume` runs first (the
 * energy meter back to this phase). `trained` is shared by all of one method's phases.
 */
export function takingTurns(turns: Turns, trained: { any: boolean }, resume: () => Promise<void>): TrainCallback {
  return {
    async onEpochBegin() {
      if (trained.any && (await turns.pass())) await resume();
      trained.any = true;
    },
  };
}

/**
 * Runs the methods `keys` in turns (the first starts); true when one was cancelled. One method's
 * failure cancels the other, which stops within a batch, and is then thrown.
 */
export async function trainInTurns(ctx: MethodContext, keys: readonly string[]): Promise<boolean> {
  const turns = new Turns();
  const failed = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, failed.signal]) : failed.signal;
  const contexts = keys.map((): MethodContext => {
    const trained = { any: false };
    return {
      ...ctx, signal,
      callbacks: (phase) => [takingTurns(turns, trained, () => ctx.energy.setPhase(phase)), ...(ctx.callbacks?.(phase) ?? [])],
    };
  });
  const settled = await Promise.allSettled(keys.map(async (key, i) => {
    await turns.enter();
    try {
      // The other failed before this one's first turn: nothing of it starts.
      if (failed.signal.aborted) return true;
      return await methodRunner(key)(contexts[i]!);
    } catch (error) {
      failed.abort();
      throw error;
    } finally {
      turns.leave();
    }
  }));
  // The slim network EB Train's surgery cut, for the methods that train it next.
  ctx.surgery = contexts.find((c) => c.surgery)?.surgery ?? ctx.surgery;
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return settled.some((s) => s.status === 'fulfilled' && s.value);
}
