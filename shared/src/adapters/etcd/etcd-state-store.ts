import { readFileSync } from 'node:fs';
import type { EtcdAuth } from '../../security/backing-services.js';
import { Etcd3, type IKeyValue, type IRequestOp, type ICompare, type Lease as EtcdLease } from 'etcd3';
import { ErrorCode, LetheError } from '../../errors/errors.js';
import { markRevisionEnds, type Compare, type KeyValue, type Lease, type StateStore, type TxnOp, type TxnRequest, type TxnResult, type WatchEvent, type WatchOptions } from '../../ports/state-store.js';
import { AsyncQueue } from '../../testing/async-queue.js';
import { ExponentialBackoff } from 'cockatiel';

/** The longest a broken watch waits before it retries (etcd3's default is 30 s). */
const WATCH_RETRY_MAX_MS = 2000;

export interface EtcdStateStoreOptions {
  readonly endpoints: readonly string[];
  readonly dialTimeoutMs?: number;
  /** Deadline of each call: etcd without quorum hangs ~14 s before failing, so Lethe bounds every call. */
  readonly callTimeoutMs?: number;
  /** TLS (CA, client certificate) and an etcd user, when etcd requires them. */
  readonly auth?: EtcdAuth;
}

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

/** etcd's range_end for a prefix: the prefix with its last byte incremented. */
function rangeEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix, 'utf8');
  for (let i = b.length - 1; i >= 0; i--) {
    if ((b[i] as number) < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] = (out[i] as number) + 1;
      return out;
    }
  }
  return Buffer.from([0]);
}

function toKv(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: String(kv.lease ?? '0'),
  };
}

const RESULT = { '==': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const;
const TARGET = { value: 'Value', createRevision: 'Create', modRevision: 'Mod', version: 'Version' } as const;

function toCompare(c: Compare): ICompare {
  const base: ICompare = { key: buf(c.key), result: RESULT[c.op], target: TARGET[c.target] };
  switch (c.target) {
    case 'value':
      return { ...base, value: buf(String(c.value)) };
    case 'createRevision':
      return { ...base, create_revision: String(c.value) };
    case 'modRevision':
      return { ...base, mod_revision: String(c.value) };
    case 'version':
      return { ...base, version: String(c.value) };
  }
}

function toOp(op: TxnOp): IRequestOp {
  switch (op.type) {
    case 'put':
      return { request_put: { key: buf(op.key), value: buf(op.value), ...(op.lease === undefined ? {} : { lease: op.lease }) } };
    case 'delete':
      return { request_delete_range: { key: buf(op.key) } };
    case 'deletePrefix':
      return { request_delete_range: { key: buf(op.prefix), range_end: rangeEnd(op.prefix) } };
  }
}

/** Maps etcd3 client errors to Lethe's codes; only this adapter reads their text. */
function translate(e: unknown, what: string): LetheError {
  if (e instanceof LetheError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const name = e instanceof Error ? e.name : '';
  if (/deadline|DEADLINE_EXCEEDED/i.test(message)) return new LetheError(ErrorCode.DEADLINE_EXCEEDED, `etcd ${what}: ${message}`, { cause: e });
  if (/lease not found|requested lease not found/i.test(message)) return new LetheError(ErrorCode.LEASE_LOST, `etcd ${what}: ${message}`, { cause: e });
  if (/too many operations in txn/i.test(message)) return new LetheError(ErrorCode.RESOURCE_EXHAUSTED, `etcd ${what}: the transaction has more operations than etcd's --max-txn-ops allows (${message})`, { cause: e });
  if (/request is too large|message larger than max|RESOURCE_EXHAUSTED/i.test(message)) return new LetheError(ErrorCode.RESOURCE_EXHAUSTED, `etcd ${what}: the request is larger than etcd accepts (${message})`, { cause: e });
  if (/database space exceeded|no space/i.test(message)) return new LetheError(ErrorCode.RESOURCE_EXHAUSTED, `etcd ${what}: etcd is out of space (its quota is reached): compact and defragment it, or raise --quota-backend-bytes; nothing was written, retry later (${message})`, { cause: e });
  if (/Unavailable|ECONNREFUSED|BrokenCircuit|circuit breaker|connect|closed|No connections available/i.test(`${name} ${message}`)) {
    return new LetheError(ErrorCode.UNAVAILABLE, `etcd is unreachable (${what}: ${message}); nothing was written by this call, retry it later`, { cause: e });
  }
  return new LetheError(ErrorCode.INTERNAL, `etcd ${what}: ${message}`, { cause: e });
}

/** StateStore over etcd v3 (the `etcd3` client). */
export class EtcdStateStore implements StateStore {
  private readonly client: Etcd3;
  private readonly callTimeoutMs: number;
  private readonly leases = new Set<EtcdLease>();

  constructor(options: EtcdStateStoreOptions) {
    const auth = options.auth ?? {};
    const tls = auth.tls;
    this.client = new Etcd3({
      hosts: [...options.endpoints],
      dialTimeout: options.dialTimeoutMs ?? 3000,
      ...(tls === undefined
        ? {}
        : { credentials: { rootCertificate: readFileSync(tls.caFile), ...(tls.certFile === undefined || tls.keyFile === undefined ? {} : { certChain: readFileSync(tls.certFile), privateKey: readFileSync(tls.keyFile) }) } }),
      ...(auth.username === undefined ? {} : { auth: { username: auth.username, password: auth.password ?? '' } }),
      // etcd3 resumes a broken watch by itself, by default after up to 30 s of jittered backoff: after an outage the
      // coordinator would say SERVING while its mirror still waited, and fresh reads ran out their deadline. A watch
      // retries at least every 2 s instead (one cheap request per retry).
      faultHandling: { watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: WATCH_RETRY_MAX_MS }).next() },
    });
    this.callTimeoutMs = options.callTimeoutMs ?? 5000;
  }

  private opts(): { deadline: number } {
    return { deadline: Date.now() + this.callTimeoutMs };
  }

  async get(key: string): Promise<KeyValue | null> {
    try {
      const r = await this.client.kv.range({ key: buf(key) }, this.opts());
      const kv = r.kvs[0];
      return kv === undefined ? null : toKv(kv);
    } catch (e) {
      throw translate(e, 'get');
    }
  }

  async list(prefix: string): Promise<{ kvs: readonly KeyValue[]; revision: number }> {
    try {
      const r = await this.client.kv.range({ key: buf(prefix), range_end: rangeEnd(prefix) }, this.opts());
      return { kvs: r.kvs.map(toKv), revision: Number(r.header.revision) };
    } catch (e) {
      throw translate(e, 'list');
    }
  }

  async revision(): Promise<number> {
    try {
      const r = await this.client.kv.range({ key: buf('\u0000'), count_only: true }, this.opts());
      return Number(r.header.revision);
    } catch (e) {
      throw translate(e, 'revision');
    }
  }

  async latestModRevision(prefix: string, after: number): Promise<number | null> {
    try {
      const r = await this.client.kv.range(
        { key: buf(prefix), range_end: rangeEnd(prefix), min_mod_revision: String(after + 1), sort_target: 'Mod', sort_order: 'Descend', limit: 1, keys_only: true },
        this.opts(),
      );
      const kv = r.kvs[0];
      return kv === undefined ? null : Number(kv.mod_revision);
    } catch (e) {
      throw translate(e, 'latest revision');
    }
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    try {
      const r = await this.client.kv.txn(
        { compare: request.compare.map(toCompare), success: request.success.map(toOp), failure: (request.failure ?? []).map(toOp) },
        this.opts(),
      );
      return { succeeded: r.succeeded, revision: Number(r.header.revision) };
    } catch (e) {
      throw translate(e, 'txn');
    }
  }

  watch(prefix: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
    const queue = new AsyncQueue<WatchEvent>(options.signal);
    let builder = this.client.watch().prefix(prefix);
    if (options.fromRevision !== undefined) builder = builder.startRevision(String(options.fromRevision));
    void builder
      .create()
      .then((watcher) => {
        if (queue.isEnded) {
          void watcher.cancel();
          return;
        }
        options.signal?.addEventListener('abort', () => void watcher.cancel(), { once: true });
        // etcd sends all events of one revision in one response (we never ask for fragmented responses), so the
        // last event of each revision within a response ends that revision.
        watcher.on('data', (res) => {
          const events = res.events.map((ev): WatchEvent => {
            const revision = Number(ev.kv.mod_revision);
            return ev.type === 'Put' ? { type: 'put', kv: toKv(ev.kv), revision, revisionDone: false } : { type: 'delete', key: ev.kv.key.toString('utf8'), revision, revisionDone: false };
          });
          for (const e of markRevisionEnds(events)) queue.push(e);
        });
        // etcd3 reconnects and resumes a watch by itself; errors here are surfaced by ending the stream.
        watcher.on('error', () => queue.end());
      })
      .catch(() => queue.end());
    return queue;
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    const lease = this.client.lease(ttlSeconds);
    let revokedHere = false;
    const lost = new Promise<void>((resolve) => lease.on('lost', () => (revokedHere ? undefined : resolve())));
    try {
      const id = await lease.grant();
      this.leases.add(lease);
      return {
        id,
        ttlSeconds,
        lost,
        revoke: async () => {
          revokedHere = true;
          this.leases.delete(lease);
          await lease.revoke().catch(() => undefined);
        },
      };
    } catch (e) {
      throw translate(e, 'lease grant');
    }
  }

  /** Closes the client; leases it kept alive expire after their TTL, as for a crashed process. */
  close(): Promise<void> {
    for (const l of this.leases) l.release();
    this.leases.clear();
    this.client.close();
    return Promise.resolve();
  }
}
