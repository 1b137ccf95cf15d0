/**
 * A worker's cache of the frozen prefix. Below the block a stage trains every adapter is zero, so a row's input to
 * each adapter block (and, on wasm, the block's frozen product h·W + b) is a function of the backbone and that row
 * alone: every stage task of a shard used to recompute it for all its rows (a conv stem and the blocks: most of a
 * retraining task's time). Rows are kept by id under a key naming that function (backbone artifact, dataset, model
 * config), least recently used first out, within a byte budget.
 *
 * Serving a row from here is exact only where a row's values do not depend on the other rows computed with it:
 * true of the wasm and cpu backends (tested), not promised by GPU or native TensorFlow products, whose tiling may
 * change with the batch; `frozenPrefixCacheable` says which.
 */
import type { BackendName } from './backend.js';

/** Frozen-prefix values of some rows, per adapter block (0 = the first adapter block), each rows × hidden. */
export interface FrozenRows {
  /** The block's input; an empty array for a block not asked for. */
  readonly inputs: readonly Float32Array[];
  /** The block's frozen product h·W + b, where the backend's pass gives it (wasm); else absent. */
  readonly products?: readonly Float32Array[];
}

/** Rows of a job, some known: `known[r]` is 1 where row r's values are filled in (the others are zero). */
export interface KnownFrozenRows extends FrozenRows {
  readonly known: Uint8Array;
}

/** Backends on which a row's frozen prefix is the same whatever rows it was computed with (tested). */
export function frozenPrefixCacheable(backend: BackendName): boolean {
  return backend === 'wasm' || backend === 'cpu';
}

/** A worker's cache of `mib` MiB where it is exact (else none), as TaskExecutor's option. */
export function frozenCacheOf(backend: BackendName, mib: number): { frozenCache?: FrozenPrefixCache } {
  return mib > 0 && frozenPrefixCacheable(backend) ? { frozenCache: new FrozenPrefixCache(mib * 2 ** 20) } : {};
}

/** What one key's rows look like: adapter blocks, hidden width, whether products are kept. */
interface Shape {
  readonly blocks: number;
  readonly hidden: number;
  readonly products: boolean;
}

export interface FrozenPrefixCacheStats {
  readonly rows: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly evicted: number;
  /** Rows dropped because their sample was deleted (`forget`). */
  readonly forgotten: number;
}

/** Largest budget accepted (64 GiB): a bound, so a typo cannot ask for unbounded memory. */
export const MAX_FROZEN_CACHE_BYTES = 64 * 2 ** 30;

export class FrozenPrefixCache {
  private readonly shapes = new Map<string, Shape>();
  /** Key number (short, for the row map) by key. */
  private readonly keyIds = new Map<string, number>();
  /** `${key number}:${id}` → the row's values (inputs of every block, then products); insertion order = recency. */
  private readonly rows = new Map<string, Float32Array>();
  private bytesHeld = 0;
  private hitCount = 0;
  private missCount = 0;
  private evictedCount = 0;
  private forgottenCount = 0;
  private cleared = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes < 0 || maxBytes > MAX_FROZEN_CACHE_BYTES) {
      throw new RangeError(`frozen-prefix cache budget must be an integer from 0 to ${MAX_FROZEN_CACHE_BYTES} bytes, got ${maxBytes}`);
    }
  }

  get stats(): FrozenPrefixCacheStats {
    return { rows: this.rows.size, bytes: this.bytesHeld, hits: this.hitCount, misses: this.missCount, evicted: this.evictedCount, forgotten: this.forgottenCount };
  }

  private rowKey(key: string, id: string, create: boolean): string | undefined {
    let n = this.keyIds.get(key);
    if (n === undefined) {
      if (!create) return undefined;
      n = this.keyIds.size;
      this.keyIds.set(key, n);
    }
    return `${n}:${id}`;
  }

  /**
   * The rows of `ids` held under `key`, filled in for the adapter blocks `blocks` (the others empty); a row not held
   * is zero and marked unknown. Counts hits and misses; a hit becomes the most recently used.
   */
  lookup(key: string, ids: readonly string[], blocks: ReadonlySet<number>): KnownFrozenRows {
    const known = new Uint8Array(ids.length);
    const shape = this.shapes.get(key);
    if (shape === undefined) {
      this.missCount += ids.length;
      return { known, inputs: [] };
    }
    const { hidden: H, blocks: L } = shape;
    const wanted = (b: number): boolean => blocks.has(b) && b >= 0 && b < L;
    const inputs = Array.from({ length: L }, (_, b) => new Float32Array(wanted(b) ? ids.length * H : 0));
    const products = shape.products ? Array.from({ length: L }, (_, b) => new Float32Array(wanted(b) ? ids.length * H : 0)) : undefined;
    ids.forEach((id, r) => {
      const at = this.rowKey(key, id, false);
      const row = at === undefined ? undefined : this.rows.get(at);
      if (at === undefined || row === undefined) {
        this.missCount++;
        return;
      }
      this.hitCount++;
      known[r] = 1;
      this.rows.delete(at);
      this.rows.set(at, row);
      for (let b = 0; b < L; b++) {
        if (!wanted(b)) continue;
        (inputs[b] as Float32Array).set(row.subarray(b * H, (b + 1) * H), r * H);
        products?.[b]?.set(row.subarray((L + b) * H, (L + b + 1) * H), r * H);
      }
    });
    return { known, inputs, ...(products === undefined ? {} : { products }) };
  }

  /**
   * Keeps the values of `ids` (every adapter block, in `rows`), evicting the least recently used rows beyond the
   * budget. A key's first rows fix its shape; rows of another shape are refused (a caller's bug, not data to mix).
   */
  put(key: string, ids: readonly string[], rows: FrozenRows): void {
    if (this.maxBytes === 0 || ids.length === 0) return;
    const L = rows.inputs.length;
    const H = L === 0 ? 0 : (rows.inputs[0] as Float32Array).length / ids.length;
    const hasProducts = rows.products !== undefined;
    if (L === 0 || !Number.isInteger(H) || H === 0 || rows.inputs.some((a) => a.length !== ids.length * H) || (rows.products !== undefined && (rows.products.length !== L || rows.products.some((a) => a.length !== ids.length * H)))) {
      throw new RangeError('frozen-prefix rows must hold every adapter block for every id');
    }
    const shape = this.shapes.get(key);
    if (shape === undefined) this.shapes.set(key, { blocks: L, hidden: H, products: hasProducts });
    else if (shape.blocks !== L || shape.hidden !== H || shape.products !== hasProducts) throw new RangeError(`frozen-prefix rows for ${key} changed shape`);
    const width = (hasProducts ? 2 : 1) * L * H;
    const rowBytes = width * 4;
    if (rowBytes > this.maxBytes) return;
    ids.forEach((id, r) => {
      const at = this.rowKey(key, id, true) as string;
      const row = new Float32Array(width);
      for (let b = 0; b < L; b++) {
        row.set((rows.inputs[b] as Float32Array).subarray(r * H, (r + 1) * H), b * H);
        if (rows.products !== undefined) row.set((rows.products[b] as Float32Array).subarray(r * H, (r + 1) * H), (L + b) * H);
      }
      this.drop(at);
      this.rows.set(at, row);
      this.bytesHeld += rowBytes;
    });
    for (const at of this.rows.keys()) {
      if (this.bytesHeld <= this.maxBytes) break;
      this.drop(at);
      this.evictedCount++;
    }
  }

  /**
   * How many times the cache was cleared: a caller that looked rows up before a clear must not put what it computed
   * from them after it (see TaskExecutor.dropCache).
   */
  get generation(): number {
    return this.cleared;
  }

  /** Drops every row (a worker that may have missed deletions while detached from the coordinator). */
  clear(): void {
    this.rows.clear();
    this.bytesHeld = 0;
    this.cleared++;
  }

  /** Drops every row held under `key` (its run was deleted). Returns how many. */
  dropKey(key: string): number {
    const n = this.keyIds.get(key);
    if (n === undefined) return 0;
    const prefix = `${n}:`;
    let dropped = 0;
    for (const at of [...this.rows.keys()]) if (at.startsWith(prefix) && this.drop(at)) dropped++;
    return dropped;
  }

  /** Rows held under `key`. */
  rowsUnder(key: string): number {
    const n = this.keyIds.get(key);
    if (n === undefined) return 0;
    const prefix = `${n}:`;
    let count = 0;
    for (const at of this.rows.keys()) if (at.startsWith(prefix)) count++;
    return count;
  }

  /** Whether a row of `id` is held under `key` (neither a hit nor a use). */
  holds(key: string, id: string): boolean {
    const at = this.rowKey(key, id, false);
    return at !== undefined && this.rows.has(at);
  }

  /** Whether a row of `id` is held under any key. */
  holdsAnywhere(id: string): boolean {
    for (const key of this.keyIds.keys()) if (this.holds(key, id)) return true;
    return false;
  }

  /** Drops the rows of `ids` under `key` (deleted samples: nothing derived from them is kept). Returns how many. */
  forget(key: string, ids: Iterable<string>): number {
    let dropped = 0;
    for (const id of ids) {
      const at = this.rowKey(key, id, false);
      if (at !== undefined && this.drop(at)) dropped++;
    }
    this.forgottenCount += dropped;
    return dropped;
  }

  /** Removes one held row, keeping the byte count; false when it was not held. */
  private drop(at: string): boolean {
    const row = this.rows.get(at);
    if (row === undefined) return false;
    this.rows.delete(at);
    this.bytesHeld -= row.byteLength;
    return true;
  }
}
