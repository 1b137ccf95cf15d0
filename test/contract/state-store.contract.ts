import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { StateStore, WatchEvent } from '../../shared/src/ports/state-store.js';
import { put } from '../../shared/src/ports/state-store.js';
import { LetheError } from '../../shared/src/errors/errors.js';
import { eventually } from '../support/eventually.js';

export interface StateStoreFixture {
  /** A new client of the same store (a second process, as far as leases are concerned). */
  client(): Promise<StateStore>;
  dispose(): Promise<void>;
}

async function take(it: AsyncIterable<WatchEvent>, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for await (const e of it) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

/** The behaviour every StateStore (etcd adapter and in-memory twin) must show. */
export function describeStateStoreContract(name: string, makeFixture: () => Promise<StateStoreFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    let fixture: StateStoreFixture;
    let store: StateStore;
    let p: string; // a unique prefix per test run

    beforeAll(async () => {
      fixture = await makeFixture();
      store = await fixture.client();
      p = `/contract/${randomUUID()}/`;
    });
    afterAll(async () => {
      await store.close();
      await fixture.dispose();
    });

    it('puts, gets and lists with revisions', async () => {
      const r1 = await put(store, `${p}a`, '1');
      const r2 = await put(store, `${p}a`, '2');
      await put(store, `${p}b`, 'x');
      expect(r2).toBeGreaterThan(r1);
      const a = await store.get(`${p}a`);
      expect(a).toMatchObject({ value: '2', createRevision: r1, modRevision: r2, version: 2 });
      expect(await store.get(`${p}missing`)).toBeNull();
      const { kvs, revision } = await store.list(p);
      expect(kvs.map((kv) => kv.key)).toEqual([`${p}a`, `${p}b`]);
      expect(revision).toBeGreaterThanOrEqual(r2);
      expect(await store.revision()).toBeGreaterThanOrEqual(revision);
    });

    it('compares and swaps on revisions, creation and values', async () => {
      const k = `${p}cas`;
      const created = await store.txn({ compare: [{ key: k, target: 'createRevision', op: '==', value: 0 }], success: [{ type: 'put', key: k, value: 'first' }] });
      expect(created.succeeded).toBe(true);
      const again = await store.txn({ compare: [{ key: k, target: 'createRevision', op: '==', value: 0 }], success: [{ type: 'put', key: k, value: 'second' }] });
      expect(again.succeeded).toBe(false);
      const kv = await store.get(k);
      const stale = await store.txn({ compare: [{ key: k, target: 'modRevision', op: '==', value: (kv?.modRevision ?? 0) - 1 }], success: [{ type: 'put', key: k, value: 'x' }], failure: [{ type: 'put', key: `${p}cas-failed`, value: 'yes' }] });
      expect(stale.succeeded).toBe(false);
      expect((await store.get(`${p}cas-failed`))?.value).toBe('yes');
      const fresh = await store.txn({ compare: [{ key: k, target: 'modRevision', op: '==', value: kv?.modRevision ?? 0 }, { key: k, target: 'value', op: '==', value: 'first' }], success: [{ type: 'put', key: k, value: 'third' }] });
      expect(fresh.succeeded).toBe(true);
      expect((await store.get(k))?.value).toBe('third');
      // A value comparison on an absent key fails, whatever the operator.
      const absent = await store.txn({ compare: [{ key: `${p}nope`, target: 'value', op: '!=', value: 'z' }], success: [{ type: 'put', key: `${p}nope`, value: 'x' }] });
      expect(absent.succeeded).toBe(false);
    });

    it('applies a transaction atomically and deletes by prefix', async () => {
      await store.txn({ compare: [], success: Array.from({ length: 50 }, (_, i) => ({ type: 'put' as const, key: `${p}many/${String(i).padStart(2, '0')}`, value: String(i) })) });
      expect((await store.list(`${p}many/`)).kvs).toHaveLength(50);
      await store.txn({ compare: [], success: [{ type: 'deletePrefix', prefix: `${p}many/` }] });
      expect((await store.list(`${p}many/`)).kvs).toHaveLength(0);
    });

    it('serialises concurrent compare-and-swap increments', async () => {
      const k = `${p}counter`;
      await put(store, k, '0');
      const other = await fixture.client();
      const increment = async (s: StateStore): Promise<void> => {
        for (;;) {
          const kv = await s.get(k);
          const r = await s.txn({ compare: [{ key: k, target: 'modRevision', op: '==', value: kv?.modRevision ?? 0 }], success: [{ type: 'put', key: k, value: String(Number(kv?.value) + 1) }] });
          if (r.succeeded) return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? store : other)));
      expect((await store.get(k))?.value).toBe('20');
      await other.close();
    });

    it('watches new events in order and replays from a revision', async () => {
      const w = `${p}watch/`;
      const ac = new AbortController();
      const live = take(store.watch(w, { signal: ac.signal }), 3);
      await new Promise((r) => setTimeout(r, 300)); // let the watch start
      const r1 = await put(store, `${w}x`, '1');
      await put(store, `${w}y`, '2');
      await store.txn({ compare: [], success: [{ type: 'delete', key: `${w}x` }] });
      const events = await live;
      ac.abort();
      expect(events.map((e) => (e.type === 'put' ? `put ${e.kv.key} ${e.kv.value}` : `delete ${e.key}`))).toEqual([`put ${w}x 1`, `put ${w}y 2`, `delete ${w}x`]);
      const replay = new AbortController();
      const replayed = await take(store.watch(w, { fromRevision: r1, signal: replay.signal }), 3);
      replay.abort();
      expect(replayed.map((e) => e.revision)).toEqual(events.map((e) => e.revision));
    });

    it('marks only the last watched event of a multi-key transaction as ending its revision, live and replayed', async () => {
      const w = `${p}multi/`;
      const ac = new AbortController();
      const live = take(store.watch(w, { signal: ac.signal }), 3);
      await new Promise((r) => setTimeout(r, 300)); // let the watch start
      const { revision } = await store.txn({
        compare: [],
        success: [
          { type: 'put', key: `${w}a`, value: '1' },
          { type: 'put', key: `${w}b`, value: '2' },
          { type: 'put', key: `${p}outside-the-watch`, value: 'x' }, // the txn's last op is not watched
        ],
      });
      const single = await put(store, `${w}c`, '3');
      const events = await live;
      ac.abort();
      const seen = events.map((e) => [e.revision, e.revisionDone]);
      expect(seen).toEqual([
        [revision, false],
        [revision, true],
        [single, true],
      ]);
      const replay = new AbortController();
      const replayed = await take(store.watch(w, { fromRevision: revision, signal: replay.signal }), 3);
      replay.abort();
      expect(replayed.map((e) => [e.revision, e.revisionDone])).toEqual(seen);
    });

    it('tells the latest modification revision under a prefix after a given one, as a quorum read', async () => {
      const w = `${p}latest/`;
      const start = await store.revision();
      expect(await store.latestModRevision(w, start)).toBeNull();
      const a = await put(store, `${w}a`, '1');
      const b = await put(store, `${w}b`, '2');
      await put(store, `${p}elsewhere`, 'x'); // outside the prefix: not counted
      expect(await store.latestModRevision(w, start)).toBe(b);
      expect(await store.latestModRevision(w, a)).toBe(b);
      expect(await store.latestModRevision(w, b)).toBeNull();
      const a2 = await put(store, `${w}a`, '3');
      expect(await store.latestModRevision(w, b)).toBe(a2);
    });

    it('removes a lease\'s keys on revoke, and when its client dies, after the TTL', async () => {
      const lease = await store.grantLease(2);
      await put(store, `${p}leased`, 'v', lease.id);
      expect((await store.get(`${p}leased`))?.lease).toBe(lease.id);
      await lease.revoke();
      expect(await store.get(`${p}leased`)).toBeNull();

      const dying = await fixture.client();
      const orphan = await dying.grantLease(2);
      await put(dying, `${p}orphan`, 'v', orphan.id);
      await new Promise((r) => setTimeout(r, 2500)); // kept alive past one TTL while the client lives
      expect(await store.get(`${p}orphan`)).not.toBeNull();
      await dying.close();
      await eventually('orphaned lease expired', 8000, async () => (await store.get(`${p}orphan`)) === null);
    });

    it('refuses a put on an unknown lease', async () => {
      await expect(store.txn({ compare: [], success: [{ type: 'put', key: `${p}bad-lease`, value: 'v', lease: '123456789' }] })).rejects.toBeInstanceOf(LetheError);
      expect(await store.get(`${p}bad-lease`)).toBeNull();
    });
  });
}
