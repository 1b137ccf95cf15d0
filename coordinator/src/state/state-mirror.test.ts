import { describe, expect, it } from 'vitest';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import type { RoStateStore, WatchEvent, WatchOptions } from '../../../shared/src/ports/state-store.js';
import { put } from '../../../shared/src/ports/state-store.js';
import { createLogger } from '../../../shared/src/log/logger.js';
import { StateMirror } from './state-mirror.js';
import { eventually } from '../../../test/support/eventually.js';

describe('StateMirror', () => {
  it('follows puts and deletes, tracks the applied revision, and waits for a revision', async () => {
    const store = new InMemoryStateBackend().client();
    await put(store, '/p/a', '1');
    const mirror = new StateMirror({ store, prefix: '/p/', logger: createLogger({ service: 't', level: 'silent' }) });
    await mirror.start();
    expect(mirror.get('/p/a')?.value).toBe('1');
    const rev = await put(store, '/p/b', '2');
    await mirror.waitFor(rev, 2000);
    expect(mirror.get('/p/b')?.value).toBe('2');
    await store.txn({ compare: [], success: [{ type: 'delete', key: '/p/a' }] });
    await eventually('delete applied', 2000, () => Promise.resolve(mirror.get('/p/a') === undefined));
    await expect(mirror.waitFor(rev + 100, 100)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await mirror.stop();
  });

  it('announces a revision only once every key of its transaction is applied', async () => {
    const store = new InMemoryStateBackend().client();
    const mirror = new StateMirror({ store, prefix: '/p/', logger: createLogger({ service: 't', level: 'silent' }) });
    await mirror.start();
    const seenAt: Record<number, string[]> = {};
    mirror.on('revision', (r) => (seenAt[r] = ['/p/a', '/p/b', '/p/c'].filter((k) => mirror.get(k) !== undefined)));
    const { revision } = await store.txn({ compare: [], success: ['a', 'b', 'c'].map((k) => ({ type: 'put' as const, key: `/p/${k}`, value: k })) });
    await mirror.waitFor(revision, 2000);
    expect(seenAt[revision]).toEqual(['/p/a', '/p/b', '/p/c']);
    // No revision was announced with a partial view of that transaction.
    expect(Object.values(seenAt).every((keys) => keys.length === 3)).toBe(true);
    await mirror.stop();
  });

  it('recovers from a broken watch (as after a compaction) with a fresh read, dropping keys deleted meanwhile', async () => {
    const backend = new InMemoryStateBackend();
    const real = backend.client();
    await put(real, '/p/keep', 'k');
    await put(real, '/p/gone', 'g');
    let fail: (e: Error) => void = () => undefined;
    let first = true;
    let compactedBelow = 0;
    const compacted = (): AsyncIterable<WatchEvent> => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('mvcc: required revision has been compacted')) }),
    });
    // The first watch delivers nothing, then fails; later watches fail for revisions etcd has compacted away.
    const flaky: RoStateStore = {
      get: (k) => real.get(k),
      list: (p) => real.list(p),
      revision: () => real.revision(),
      latestModRevision: (p, after) => real.latestModRevision(p, after),
      watch: (p: string, o?: WatchOptions): AsyncIterable<WatchEvent> => {
        if (first) {
          first = false;
          const broken = new Promise<IteratorResult<WatchEvent>>((_, reject) => (fail = reject));
          return { [Symbol.asyncIterator]: () => ({ next: () => broken }) };
        }
        return (o?.fromRevision ?? Infinity) <= compactedBelow ? compacted() : real.watch(p, o);
      },
    };
    const mirror = new StateMirror({ store: flaky, prefix: '/p/', logger: createLogger({ service: 't', level: 'silent' }) });
    await mirror.start();
    expect(mirror.get('/p/gone')?.value).toBe('g');
    await real.txn({ compare: [], success: [{ type: 'delete', key: '/p/gone' }] }); // missed by the broken watch
    const rev = await put(real, '/p/new', 'n');
    compactedBelow = rev; // history up to now is gone: resuming from the old revision can never work
    fail(new Error('connection reset'));
    await mirror.waitFor(rev, 3000);
    expect(mirror.get('/p/new')?.value).toBe('n');
    expect(mirror.get('/p/gone')).toBeUndefined();
    expect(mirror.get('/p/keep')?.value).toBe('k');
    await mirror.stop();
  });
});
