import { randomBytes } from 'node:crypto';
import { ErrorCode, LetheError } from '../errors/errors.js';
import { markRevisionEnds, type Compare, type KeyValue, type Lease, type StateStore, type TxnOp, type TxnRequest, type TxnResult, type WatchEvent, type WatchOptions } from '../ports/state-store.js';

const keyOf = (e: WatchEvent): string => (e.type === 'put' ? e.kv.key : e.key);
import { AsyncQueue } from './async-queue.js';

/** History kept for watches that replay from a past revision. */
const HISTORY_LIMIT = 100_000;

interface LeaseRecord {
  readonly id: string;
  readonly ttlSeconds: number;
  readonly owner: InMemoryStateStore;
  timer: NodeJS.Timeout | undefined;
  readonly onLost: () => void;
}

/**
 * The shared memory behind one or more in-memory clients: what an etcd cluster is to its clients. Leases expire
 * TTL seconds after their client closes (keepalives stop), as in etcd.
 */
export class InMemoryStateBackend {
  private readonly data = new Map<string, KeyValue>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<{ prefix: string; queue: AsyncQueue<WatchEvent> }>();
  private readonly leases = new Map<string, LeaseRecord>();
  rev = 1;

  client(): InMemoryStateStore {
    return new InMemoryStateStore(this);
  }

  get(key: string): KeyValue | null {
    return this.data.get(key) ?? null;
  }

  list(prefix: string): KeyValue[] {
    return [...this.data.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private holds(c: Compare): boolean {
    const kv = this.data.get(c.key);
    const actual: string | number =
      c.target === 'value' ? (kv?.value ?? '') : c.target === 'createRevision' ? (kv?.createRevision ?? 0) : c.target === 'modRevision' ? (kv?.modRevision ?? 0) : (kv?.version ?? 0);
    if (c.target === 'value' && kv === undefined) return false; // as etcd: a value compare on an absent key fails
    const v = typeof actual === 'number' ? Number(c.value) : String(c.value);
    switch (c.op) {
      case '==':
        return actual === v;
      case '!=':
        return actual !== v;
      case '<':
        return actual < v;
      case '>':
        return actual > v;
    }
  }

  latestModRevision(prefix: string, after: number): number | null {
    let best: number | null = null;
    for (const kv of this.data.values()) if (kv.key.startsWith(prefix) && kv.modRevision > after && (best === null || kv.modRevision > best)) best = kv.modRevision;
    return best;
  }

  txn(req: TxnRequest): TxnResult {
    const succeeded = req.compare.every((c) => this.holds(c));
    const ops = succeeded ? req.success : (req.failure ?? []);
    for (const op of ops) if (op.type === 'put' && op.lease !== undefined && op.lease !== '0' && !this.leases.has(op.lease)) {
      throw new LetheError(ErrorCode.LEASE_LOST, `lease ${op.lease} not found`);
    }
    const events: WatchEvent[] = [];
    if (ops.some((op) => op.type === 'put' || this.affects(op))) {
      this.rev++;
      for (const op of ops) events.push(...this.apply(op));
    }
    this.emit(events);
    return { succeeded, revision: this.rev };
  }

  private affects(op: TxnOp): boolean {
    if (op.type === 'delete') return this.data.has(op.key);
    if (op.type === 'deletePrefix') return [...this.data.keys()].some((k) => k.startsWith(op.prefix));
    return true;
  }

  private apply(op: TxnOp): WatchEvent[] {
    if (op.type === 'put') {
      const old = this.data.get(op.key);
      const kv: KeyValue = {
        key: op.key,
        value: op.value,
        createRevision: old?.createRevision ?? this.rev,
        modRevision: this.rev,
        version: (old?.version ?? 0) + 1,
        lease: op.lease ?? '0',
      };
      this.data.set(op.key, kv);
      return [{ type: 'put', kv, revision: this.rev, revisionDone: false }];
    }
    const keys = op.type === 'delete' ? [op.key] : [...this.data.keys()].filter((k) => k.startsWith(op.prefix));
    return keys.filter((k) => this.data.delete(k)).map((key) => ({ type: 'delete' as const, key, revision: this.rev, revisionDone: false }));
  }

  /** Records one revision's events and hands each watcher those under its prefix, the last one marked done. */
  private emit(events: readonly WatchEvent[]): void {
    if (events.length === 0) return;
    this.history.push(...events);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const w of this.watchers) for (const e of markRevisionEnds(events.filter((x) => keyOf(x).startsWith(w.prefix)))) w.queue.push(e);
  }

  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent> {
    const queue = new AsyncQueue<WatchEvent>(options.signal);
    if (options.fromRevision !== undefined) {
      const oldest = this.history[0]?.revision ?? this.rev;
      if (options.fromRevision < oldest && this.history.length >= HISTORY_LIMIT) {
        throw new LetheError(ErrorCode.FAILED_PRECONDITION, `revision ${options.fromRevision} has been compacted`);
      }
      const from = options.fromRevision;
      for (const e of markRevisionEnds(this.history.filter((x) => x.revision >= from && keyOf(x).startsWith(prefix)))) queue.push(e);
    }
    const w = { prefix, queue };
    this.watchers.add(w);
    options.signal?.addEventListener('abort', () => this.watchers.delete(w), { once: true });
    return queue;
  }

  grantLease(owner: InMemoryStateStore, ttlSeconds: number, onLost: () => void): string {
    const id = BigInt('0x' + randomBytes(7).toString('hex')).toString();
    this.leases.set(id, { id, ttlSeconds, owner, timer: undefined, onLost });
    return id;
  }

  /** Ends a lease now: its keys are deleted, as when etcd expires or revokes it. */
  expireLease(id: string, notify: boolean): void {
    const lease = this.leases.get(id);
    if (lease === undefined) return;
    clearTimeout(lease.timer);
    this.leases.delete(id);
    const keys = [...this.data.values()].filter((kv) => kv.lease === id).map((kv) => kv.key);
    if (keys.length > 0) this.txn({ compare: [], success: keys.map((key) => ({ type: 'delete', key })) });
    if (notify) lease.onLost();
  }

  /** A closed client stops its keepalives: its leases expire after their TTL. */
  orphanLeases(owner: InMemoryStateStore): void {
    for (const lease of this.leases.values()) {
      if (lease.owner === owner && lease.timer === undefined) {
        lease.timer = setTimeout(() => this.expireLease(lease.id, false), lease.ttlSeconds * 1000);
        lease.timer.unref();
      }
    }
  }

  hasLease(id: string): boolean {
    return this.leases.has(id);
  }
}

/** One client of an InMemoryStateBackend; passes the same contract suite as the etcd adapter. */
export class InMemoryStateStore implements StateStore {
  private closed = false;
  constructor(readonly backend: InMemoryStateBackend = new InMemoryStateBackend()) {}

  private check(): void {
    if (this.closed) throw new LetheError(ErrorCode.UNAVAILABLE, 'state store client is closed');
  }

  get(key: string): Promise<KeyValue | null> {
    this.check();
    return Promise.resolve(this.backend.get(key));
  }

  list(prefix: string): Promise<{ kvs: readonly KeyValue[]; revision: number }> {
    this.check();
    return Promise.resolve({ kvs: this.backend.list(prefix), revision: this.backend.rev });
  }

  revision(): Promise<number> {
    this.check();
    return Promise.resolve(this.backend.rev);
  }

  latestModRevision(prefix: string, after: number): Promise<number | null> {
    this.check();
    return Promise.resolve(this.backend.latestModRevision(prefix, after));
  }

  watch(prefix: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
    this.check();
    return this.backend.watch(prefix, options);
  }

  // async, so a thrown LetheError (closed client, unknown lease) becomes a rejection.
  // eslint-disable-next-line @typescript-eslint/require-await -- the twin is synchronous inside
  async txn(request: TxnRequest): Promise<TxnResult> {
    this.check();
    return this.backend.txn(request);
  }

  grantLease(ttlSeconds: number): Promise<Lease> {
    this.check();
    let resolveLost: () => void = () => undefined;
    const lost = new Promise<void>((r) => (resolveLost = r));
    const id = this.backend.grantLease(this, ttlSeconds, () => resolveLost());
    return Promise.resolve({
      id,
      ttlSeconds,
      lost,
      revoke: () => {
        this.backend.expireLease(id, false);
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.backend.orphanLeases(this);
    }
    return Promise.resolve();
  }
}
