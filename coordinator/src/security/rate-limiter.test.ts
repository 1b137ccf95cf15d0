import { describe, expect, it } from 'vitest';
import { LetheError } from '../../../shared/src/errors/errors.js';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { testSecurity } from '../../../shared/src/testing/test-security.js';
import { LetheClient } from '../client/lethe-client.js';
import { startInProcessCoordinator } from '../../../test/support/in-process.js';
import { DeletionRateLimiter } from './rate-limiter.js';

const codeOf = (f: () => void): string => {
  try {
    f();
    return 'OK';
  } catch (e) {
    if (!(e instanceof LetheError)) return String(e);
    const wait = e.details['retryAfterMs'];
    return typeof wait === 'number' ? `${e.code} ${wait}` : e.code;
  }
};

describe('per-caller deletion limits', () => {
  it('admits a burst, then refuses with the time to wait, per caller, refilling at the rate; ids count too', () => {
    let now = 1_000_000;
    const l = new DeletionRateLimiter({ requestsPerSecond: 2, requestBurst: 3, idsPerSecond: 100, idBurst: 150, maxIdsPerRequest: 100 }, () => now);
    expect([1, 2, 3].map(() => codeOf(() => l.admit('a', 1)))).toEqual(['OK', 'OK', 'OK']);
    expect(codeOf(() => l.admit('a', 1))).toBe('RESOURCE_EXHAUSTED 500');
    expect(codeOf(() => l.admit('b', 1))).toBe('OK'); // another caller has its own buckets
    now += 500;
    expect(codeOf(() => l.admit('a', 1))).toBe('OK');
    // Ids: 150 at most at once, refilling 100/s; a refused request takes nothing.
    now += 10_000;
    expect(codeOf(() => l.admit('c', 100))).toBe('OK');
    expect(codeOf(() => l.admit('c', 100))).toBe('RESOURCE_EXHAUSTED 500');
    now += 499;
    expect(codeOf(() => l.admit('c', 100))).toBe('RESOURCE_EXHAUSTED 1');
    now += 1;
    expect(codeOf(() => l.admit('c', 100))).toBe('OK');
    expect(codeOf(() => l.admit('c', 101))).toBe('INVALID_ARGUMENT');
    expect(() => new DeletionRateLimiter({ requestsPerSecond: 1, requestBurst: 1, idsPerSecond: 1, idBurst: 10, maxIdsPerRequest: 11 })).toThrow(/idBurst/);
  });

  it('keeps memory bounded under many callers', () => {
    const l = new DeletionRateLimiter({ requestsPerSecond: 1, requestBurst: 1, idsPerSecond: 1, idBurst: 1, maxIdsPerRequest: 1 });
    for (let i = 0; i < 25_000; i++) l.admit(`caller-${i}`, 1);
    expect((l as unknown as { callers: Map<string, unknown> }).callers.size).toBeLessThanOrEqual(10_000);
  });

  it('over gRPC: RESOURCE_EXHAUSTED with RetryInfo, which the client honours; other callers unaffected', async () => {
    const sec = await testSecurity();
    const lethe = await startInProcessCoordinator(new InMemoryStateBackend().client(), { deletionLimits: { requestsPerSecond: 1, requestBurst: 2, idsPerSecond: 1000, idBurst: 1000, maxIdsPerRequest: 1000 } });
    const other = new LetheClient(lethe.coordinator.address, await sec.as('deleter'), 5_000);
    try {
      const outcomes: string[] = [];
      let hinted: unknown;
      for (let i = 0; i < 3; i++) {
        await lethe.client.deleteSamples(`r${i}`, 'runs/none', ['x']).catch((e: unknown) => {
          outcomes.push(e instanceof LetheError ? e.code : String(e));
          if (e instanceof LetheError && e.code === 'RESOURCE_EXHAUSTED') hinted = e.details['retryAfterMs'];
        });
      }
      // Two pass the limiter (and find no run), the third is refused with the wait the server computed.
      expect(outcomes).toEqual(['NOT_FOUND', 'NOT_FOUND', 'RESOURCE_EXHAUSTED']);
      expect(hinted).toBeGreaterThan(0);
      expect(hinted).toBeLessThanOrEqual(1000);
      await expect(other.deleteSamples('o1', 'runs/none', ['x'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
      // deleteWithRetries waits as told and gets through.
      await expect(lethe.client.deleteWithRetries('runs/none', ['x'], { attempts: 3, backoffMs: 10 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      other.close();
      await lethe.dispose();
    }
  });
});
