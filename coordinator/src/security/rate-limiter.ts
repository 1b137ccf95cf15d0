import { ErrorCode, LetheError, invalidArgument } from '../../../shared/src/errors/errors.js';

/** Limits of one caller on DeleteSamples: requests and deleted ids, each a token bucket, and ids per request. */
export interface DeletionLimits {
  readonly requestsPerSecond: number;
  readonly requestBurst: number;
  readonly idsPerSecond: number;
  readonly idBurst: number;
  readonly maxIdsPerRequest: number;
}

/** The defaults of `coordinator.deletionLimits` (shared/src/config/schema.ts). */
export const DEFAULT_DELETION_LIMITS: DeletionLimits = { requestsPerSecond: 100, requestBurst: 500, idsPerSecond: 50_000, idBurst: 200_000, maxIdsPerRequest: 100_000 };

/** Limits no caller reaches: for benchmarks that measure latency, and fuzzing that measures refusals of other kinds. */
export const UNLIMITED_DELETIONS: DeletionLimits = { requestsPerSecond: 1e6, requestBurst: 1e6, idsPerSecond: 1e8, idBurst: 1e8, maxIdsPerRequest: 100_000 };

/** Callers tracked at most: an idle caller's buckets are full, so forgetting the oldest loses nothing. */
const MAX_CALLERS = 10_000;

class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }
  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
  }
  /** Milliseconds until `n` tokens are there (0: now). */
  waitFor(n: number, now: number): number {
    this.refill(now);
    return this.tokens >= n ? 0 : Math.ceil(((n - this.tokens) / this.rate) * 1000);
  }
  take(n: number): void {
    this.tokens -= n;
  }
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/**
 * Per-caller limits on deletions, so one caller (a runaway client, a stolen deleter token) cannot monopolise the
 * leader or etcd. Over a limit: RESOURCE_EXHAUSTED with the time to wait (sent as google.rpc.RetryInfo), nothing
 * taken from either bucket. Limits hold per coordinator replica; only the leader accepts deletions.
 */
export class DeletionRateLimiter {
  private readonly callers = new Map<string, { requests: Bucket; ids: Bucket }>();

  constructor(
    readonly limits: DeletionLimits,
    private readonly now: () => number = Date.now,
  ) {
    if (limits.maxIdsPerRequest > limits.idBurst) throw new Error('maxIdsPerRequest must not exceed idBurst: such a request could never pass');
  }

  /** Admits a request of `ids` ids from `caller`, or throws. */
  admit(caller: string, ids: number): void {
    if (ids > this.limits.maxIdsPerRequest) {
      throw invalidArgument(`sample_ids has ${ids} ids; this coordinator accepts at most ${this.limits.maxIdsPerRequest} per request`, { field: 'sample_ids' });
    }
    const now = this.now();
    let b = this.callers.get(caller);
    if (b === undefined) {
      if (this.callers.size >= MAX_CALLERS) this.evict(now);
      b = { requests: new Bucket(this.limits.requestsPerSecond, this.limits.requestBurst, now), ids: new Bucket(this.limits.idsPerSecond, this.limits.idBurst, now) };
      this.callers.set(caller, b);
    }
    const wait = Math.max(b.requests.waitFor(1, now), b.ids.waitFor(ids, now));
    if (wait > 0) {
      throw new LetheError(ErrorCode.RESOURCE_EXHAUSTED, `${caller} is over its deletion rate (${this.limits.requestsPerSecond} requests/s, ${this.limits.idsPerSecond} ids/s); retry in ${wait} ms`, {
        details: { retryAfterMs: wait },
      });
    }
    b.requests.take(1);
    b.ids.take(ids);
  }

  /** Frees a tenth of the table at once, so a flood of new callers costs O(1) amortised per request. */
  private evict(now: number): void {
    const target = Math.floor(MAX_CALLERS * 0.9);
    for (const [k, v] of this.callers) if (v.requests.full(now) && v.ids.full(now)) this.callers.delete(k);
    // Everyone busy: drop the oldest entries (Map order is insertion order); they start again with full buckets.
    for (const k of this.callers.keys()) {
      if (this.callers.size <= target) break;
      this.callers.delete(k);
    }
  }
}
