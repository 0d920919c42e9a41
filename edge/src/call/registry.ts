/**
 * The calls in progress: sessions by interaction id, legs by SIP dialog, call counts per trunk (inbound
 * sessions plus outbound legs through the trunk: transfers and consultations to outside numbers).
 */
import type { Dialog } from '../sip/index.ts';

export interface LegOwner {
  /** The session an in-dialog request of this leg goes to. */
  readonly interactionId: string;
}

export class CallRegistry<S extends { readonly interactionId: string; readonly trunkId: string }, L> {
  private readonly sessions = new Map<string, S>();
  private readonly legs = new Map<string, { session: S; leg: L }>();
  private readonly trunks = new Map<string, number>();
  private readonly outbound = new Map<string, number>();

  add(s: S): void {
    this.sessions.set(s.interactionId, s);
    if (s.trunkId) this.trunks.set(s.trunkId, (this.trunks.get(s.trunkId) ?? 0) + 1);
  }

  remove(s: S): void {
    if (this.sessions.get(s.interactionId) !== s) return;
    this.sessions.delete(s.interactionId);
    if (s.trunkId) {
      const n = (this.trunks.get(s.trunkId) ?? 1) - 1;
      if (n <= 0) this.trunks.delete(s.trunkId);
      else this.trunks.set(s.trunkId, n);
    }
  }

  session(interactionId: string): S | undefined {
    return this.sessions.get(interactionId);
  }

  /** Routes the dialog's in-dialog requests to `leg` of `session` until the dialog ends. */
  bind(dialog: Dialog, session: S, leg: L): void {
    const key = dialog.key;
    this.legs.set(key, { session, leg });
    dialog.onTerminated(() => {
      if (this.legs.get(key)?.leg === leg) this.legs.delete(key);
    });
  }

  unbind(dialog: Dialog): void {
    this.legs.delete(dialog.key);
  }

  byDialog(dialog: Dialog): { session: S; leg: L } | undefined {
    return this.legs.get(dialog.key);
  }

  /** The leg of a dialog named by Call-ID and tags (a Replaces header). */
  byDialogId(callId: string, tagA: string, tagB: string): { session: S; leg: L } | undefined {
    return (
      this.legs.get(`${callId}\u0000${tagA}\u0000${tagB}`) ??
      this.legs.get(`${callId}\u0000${tagB}\u0000${tagA}`)
    );
  }

  callsOnTrunk(trunkId: string): number {
    return (this.trunks.get(trunkId) ?? 0) + (this.outbound.get(trunkId) ?? 0);
  }

  /**
   * Takes a channel of the trunk for an outbound leg; undefined when its `max` (0: no limit) is reached.
   * The returned release gives it back (idempotent): call it when the leg fails or its dialog ends.
   */
  takeTrunk(trunkId: string, max: number): (() => void) | undefined {
    if (max > 0 && this.callsOnTrunk(trunkId) >= max) return undefined;
    this.outbound.set(trunkId, (this.outbound.get(trunkId) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const n = (this.outbound.get(trunkId) ?? 1) - 1;
      if (n <= 0) this.outbound.delete(trunkId);
      else this.outbound.set(trunkId, n);
    };
  }

  get size(): number {
    return this.sessions.size;
  }

  all(): IterableIterator<S> {
    return this.sessions.values();
  }
}
