import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import type { Compare, StateStore, TxnOp } from '../../../shared/src/ports/state-store.js';
import type { LeaderElection } from '../leader/leader-election.js';
import type { StateMirror } from './state-mirror.js';

export interface FencedWriterDeps {
  readonly store: StateStore;
  readonly mirror: StateMirror;
  readonly election: LeaderElection;
}

export type Put = { readonly key: string; readonly value: string };

/** The compare that `key` is as it was read: still absent if it was (`read` undefined), else unchanged since. */
export function unchangedSince(key: string, read: { readonly modRevision: number } | undefined): Compare {
  return read === undefined ? { key, target: 'createRevision', op: '==', value: 0 } : { key, target: 'modRevision', op: '==', value: read.modRevision };
}

/**
 * The only way the coordinator writes state: a transaction that also requires this replica to hold the leader
 * key, applied to the local mirror at once when it commits.
 */
export class FencedWriter {
  constructor(private readonly deps: FencedWriterDeps) {}

  /** Commits when this replica leads and `compare` holds; returns the revision, or null when a compare failed. */
  async write(compare: readonly Compare[], puts: readonly Put[], deletes: readonly string[] = []): Promise<number | null> {
    if (!this.deps.election.isLeader) throw new LetheError(ErrorCode.NOT_LEADER, 'this coordinator is not the leader');
    const fence = this.deps.election.fence();
    const success: TxnOp[] = [...puts.map((p) => ({ type: 'put' as const, ...p })), ...deletes.map((key) => ({ type: 'delete' as const, key }))];
    const r = await this.deps.store.txn({ compare: [...fence, ...compare], success });
    if (!r.succeeded) {
      if (!this.deps.election.isLeader) throw new LetheError(ErrorCode.NOT_LEADER, 'lost leadership during a write');
      // Distinguish a lost fence from a lost compare: re-check the fence alone.
      const still = await this.deps.store.txn({ compare: fence, success: [] });
      if (!still.succeeded) throw new LetheError(ErrorCode.NOT_LEADER, 'the leader key changed: this coordinator was deposed');
      return null;
    }
    this.deps.mirror.applyOwnWrites(puts, deletes, r.revision);
    return r.revision;
  }
}
