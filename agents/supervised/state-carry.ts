/**
 * StateCarry — the core state one segment of a stream ended in, handed to the next segment
 * (truncated BPTT, docs/tasks.md §12). The state is a constant to the next segment's gradient, which
 * therefore stops at the segment's start. An update that was not applied drops it (the state may hold
 * the non-finite values that stopped the update): the next segment starts fresh.
 */
import type { CoreState } from '../../memory/core.ts';
import { disposeState, stateLeaves } from '../../memory/state.ts';
import { tf } from '../../memory/tf.ts';

export class StateCarry {
  private state: CoreState | undefined;
  private pending: CoreState | undefined;

  /** The carried state for a batch of B streams; undefined at the start or when B changed. */
  take(batchSize: number): CoreState | undefined {
    const leaf = this.state ? stateLeaves(this.state)[0] : undefined;
    return leaf && leaf.shape[0] === batchSize ? this.state : undefined;
  }

  /** Keeps `state` (inside a tidy scope) as the next segment's start, once settled. */
  hold(state: CoreState): void {
    for (const t of stateLeaves(state)) tf.keep(t);
    this.pending = state;
  }

  /** After the segment's update: `applied`, the held state replaces the carried one; else both go. */
  settle(applied: boolean): void {
    const next = applied ? this.pending : undefined;
    // A core may pass a leaf through unchanged (memory it did not write): keep what the new state holds.
    const kept = new Set(next ? stateLeaves(next) : []);
    for (const old of [this.state, applied ? undefined : this.pending]) {
      if (old) tf.dispose(stateLeaves(old).filter((t) => !kept.has(t)));
    }
    this.state = next;
    this.pending = undefined;
  }

  dispose(): void {
    disposeState(this.state);
    disposeState(this.pending);
    this.state = this.pending = undefined;
  }
}
