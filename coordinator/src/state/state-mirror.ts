import { EventEmitter } from 'node:events';
import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { KeyValue, RoStateStore } from '../../../shared/src/ports/state-store.js';

export interface StateMirrorDeps {
  readonly store: RoStateStore;
  readonly prefix: string;
  readonly logger: Logger;
}

/**
 * A read-through mirror of every key under the prefix, kept current by one watch. Every replica (leader or
 * follower) serves reads from it, and tracks the revision it has applied so `Predict(min_revision)` can wait
 * for a caller's own deletion. The leader also applies its own committed writes at once.
 */
export class StateMirror extends EventEmitter<{ change: [key: string]; revision: [revision: number] }> {
  private readonly kvs = new Map<string, KeyValue>();
  /** Keys of prefixes read often (see trackPrefix), so listing them does not scan every key. */
  private readonly tracked = new Map<string, Set<string>>();
  private readonly parsed = new Map<string, { rev: number; value: unknown }>();
  private applied = 0;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: StateMirrorDeps) {
    super();
    this.setMaxListeners(0);
  }

  /** When (ms) a quorum read last confirmed this mirror was current: bounded-staleness reads may trust it until then. */
  confirmedAt = 0;

  get revision(): number {
    return this.applied;
  }

  /** Loads everything, then follows the watch. */
  async start(): Promise<void> {
    await this.reload();
    this.loop = this.follow();
  }

  /**
   * Replaces the mirror with a fresh read. Used at start and whenever the watch breaks: resuming from the last
   * applied revision can fail for good once etcd has compacted past it, a fresh read cannot.
   */
  private async reload(): Promise<void> {
    const { kvs, revision } = await this.deps.store.list(this.deps.prefix);
    const fresh = new Map(kvs.map((kv) => [kv.key, kv]));
    for (const key of [...this.kvs.keys()]) if (!fresh.has(key)) this.applyDelete(key, revision);
    for (const kv of kvs) this.applyPut(kv);
    this.advance(revision);
  }

  private async follow(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        for await (const e of this.deps.store.watch(this.deps.prefix, { fromRevision: this.applied + 1, signal: this.abort.signal })) {
          if (e.type === 'put') this.applyPut(e.kv);
          else this.applyDelete(e.key, e.revision);
          // A revision is announced once all its keys are applied: a reader waiting for it never sees half a txn.
          if (e.revisionDone) this.advance(e.revision);
        }
      } catch (err) {
        this.deps.logger.warn({ err }, 'state watch failed');
      }
      if (this.abort.signal.aborted) break;
      await new Promise((r) => setTimeout(r, 200));
      try {
        await this.reload();
      } catch (err) {
        this.deps.logger.warn({ err }, 'state reload failed; retrying');
      }
    }
  }

  private advance(revision: number): void {
    if (revision > this.applied) {
      this.applied = revision;
      this.emit('revision', revision);
    }
  }

  /** Applies a key the caller just wrote (or read), unless the mirror already holds something newer. */
  applyPut(kv: KeyValue): void {
    const old = this.kvs.get(kv.key);
    if (old !== undefined && old.modRevision >= kv.modRevision) return;
    this.kvs.set(kv.key, kv);
    for (const [prefix, set] of this.tracked) if (kv.key.startsWith(prefix)) set.add(kv.key);
    this.emit('change', kv.key);
  }

  applyDelete(key: string, revision: number): void {
    const old = this.kvs.get(key);
    if (old === undefined || old.modRevision > revision) return;
    this.kvs.delete(key);
    this.parsed.delete(key);
    for (const [prefix, set] of this.tracked) if (key.startsWith(prefix)) set.delete(key);
    this.emit('change', key);
  }

  /** Records the effect of this replica's own transaction, so it reads its writes before the watch echoes them. */
  applyOwnWrites(puts: readonly { key: string; value: string }[], deletes: readonly string[], revision: number): void {
    for (const { key, value } of puts) {
      const old = this.kvs.get(key);
      this.applyPut({ key, value, createRevision: old?.createRevision ?? revision, modRevision: revision, version: (old?.version ?? 0) + 1, lease: old?.lease ?? '0' });
    }
    for (const key of deletes) this.applyDelete(key, revision);
  }

  get(key: string): KeyValue | undefined {
    return this.kvs.get(key);
  }

  /** The JSON value of a key parsed by `parse` (cached per modification). */
  json<T>(key: string, parse: (v: unknown) => T): { value: T; modRevision: number } | undefined {
    const kv = this.kvs.get(key);
    if (kv === undefined) return undefined;
    const hit = this.parsed.get(key);
    if (hit !== undefined && hit.rev === kv.modRevision) return { value: hit.value as T, modRevision: kv.modRevision };
    const value = parse(JSON.parse(kv.value));
    this.parsed.set(key, { rev: kv.modRevision, value });
    return { value, modRevision: kv.modRevision };
  }

  /** Every key under `prefix`, sorted. O(keys under it) for a tracked prefix, O(all keys) otherwise. */
  keys(prefix: string): string[] {
    const set = this.tracked.get(prefix);
    return (set !== undefined ? [...set] : [...this.kvs.keys()].filter((k) => k.startsWith(prefix))).sort();
  }

  /** Indexes the keys under `prefix` from now on (and those already there). */
  trackPrefix(prefix: string): void {
    if (this.tracked.has(prefix)) return;
    this.tracked.set(prefix, new Set([...this.kvs.keys()].filter((k) => k.startsWith(prefix))));
  }

  /** Resolves once this replica has applied `revision`; DEADLINE_EXCEEDED after `timeoutMs`. */
  async waitFor(revision: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.applied >= revision) return;
    await new Promise<void>((resolve, reject) => {
      const onRevision = (r: number): void => {
        if (r >= revision) done(null);
      };
      const timer = setTimeout(() => done(new LetheError(ErrorCode.DEADLINE_EXCEEDED, `revision ${revision} not applied within ${timeoutMs} ms (at ${this.applied})`)), timeoutMs);
      const onAbort = (): void => done(new LetheError(ErrorCode.CANCELLED, 'cancelled while waiting for a revision'));
      const done = (e: LetheError | null): void => {
        clearTimeout(timer);
        this.off('revision', onRevision);
        signal?.removeEventListener('abort', onAbort);
        if (e === null) resolve();
        else reject(e);
      };
      this.on('revision', onRevision);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}
