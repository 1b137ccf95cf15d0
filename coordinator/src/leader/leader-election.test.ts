import { describe, expect, it } from 'vitest';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { createLogger } from '../../../shared/src/log/logger.js';
import { LeaderElection } from './leader-election.js';
import { eventually } from '../../../test/support/eventually.js';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('LeaderElection', () => {
  it('elects exactly one of two replicas; the deposed one can no longer write; the other takes over', async () => {
    const backend = new InMemoryStateBackend();
    const sa = backend.client();
    const sb = backend.client();
    const a = new LeaderElection({ store: sa, key: '/t/leader', id: 'a', address: 'a:1', ttlSeconds: 1, logger });
    const b = new LeaderElection({ store: sb, key: '/t/leader', id: 'b', address: 'b:1', ttlSeconds: 1, logger });
    a.start();
    await eventually('a leads', 2000, () => Promise.resolve(a.isLeader));
    b.start();
    await new Promise((r) => setTimeout(r, 500));
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect((await b.leader())?.id).toBe('a');
    const fenceOfA = a.fence();
    expect((await sa.txn({ compare: fenceOfA, success: [{ type: 'put', key: '/t/x', value: 'a' }] })).succeeded).toBe(true);
    // b's fence never holds while a leads.
    expect((await sb.txn({ compare: b.fence(), success: [{ type: 'put', key: '/t/x', value: 'b' }] })).succeeded).toBe(false);

    // a's process dies (its client closes): its lease expires, b is elected, and a's old fence fails.
    await sa.close();
    await eventually('b leads', 5000, () => Promise.resolve(b.isLeader));
    expect((await sb.txn({ compare: fenceOfA, success: [{ type: 'put', key: '/t/x', value: 'stale' }] })).succeeded).toBe(false);
    expect((await sb.txn({ compare: b.fence(), success: [{ type: 'put', key: '/t/x', value: 'b' }] })).succeeded).toBe(true);
    expect((await sb.get('/t/x'))?.value).toBe('b');
    await b.stop();
    expect(await sb.get('/t/leader')).toBeNull(); // stepping down releases the key at once
    await a.stop();
  });
});
