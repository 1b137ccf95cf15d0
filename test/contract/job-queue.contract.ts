import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { JobQueue } from '../../shared/src/ports/job-queue.js';

/**
 * The ack window is 2 s: NATS never holds a pull open for less than 1 s, so with a 1 s window a `next` that starts
 * just after the last `working()` could end exactly when the window does, and catch the redelivery (seen under load).
 */
export const CONTRACT_QUEUE_OPTIONS = { ackWaitMs: 2000, maxDeliver: 3 } as const;

/** The behaviour every JobQueue (JetStream adapter and in-memory twin) must show. Each test drains what it adds. */
export function describeJobQueueContract(name: string, make: () => Promise<{ queue: JobQueue; dispose(): Promise<void> }>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let fx: Awaited<ReturnType<typeof make>>;
    beforeAll(async () => {
      fx = await make();
    });
    afterAll(async () => {
      await fx.queue.close();
      await fx.dispose();
    });

    it('delivers each job once to competing consumers; ack removes it; a duplicate id is not enqueued twice', async () => {
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) expect(await fx.queue.enqueue(id, { id, n: 1 })).toBe(true);
      expect(await fx.queue.enqueue(ids[0] as string, { again: true })).toBe(false);
      const got = await Promise.all([0, 1, 2].map(() => fx.queue.next({ expiresMs: 3000 })));
      expect(new Set(got.map((m) => m?.id))).toEqual(new Set(ids));
      expect(got.every((m) => m?.deliveryCount === 1)).toBe(true);
      expect(got.find((m) => m?.id === ids[0])?.data).toEqual({ id: ids[0], n: 1 });
      for (const m of got) await m?.ack();
      expect(await fx.queue.next({ expiresMs: 1500 })).toBeNull();
    });

    it('redelivers after nak and after the ack window; working() holds a long job', async () => {
      const id = randomUUID();
      await fx.queue.enqueue(id, 'job');
      const first = await fx.queue.next({ expiresMs: 3000 });
      await first?.nak();
      const second = await fx.queue.next({ expiresMs: 3000 });
      expect(second?.id).toBe(id);
      expect(second?.deliveryCount).toBe(2);
      // Keep it past two ack windows with working(): no one else gets it.
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 500));
        await second?.working();
      }
      expect(await fx.queue.next({ expiresMs: 600 })).toBeNull();
      // Then let the window lapse: redelivered.
      const third = await fx.queue.next({ expiresMs: 6000 });
      expect(third?.id).toBe(id);
      expect(third?.deliveryCount).toBe(3);
      await third?.ack();
    });

    it('dead-letters a job delivered more than maxDeliver times', async () => {
      const id = randomUUID();
      await fx.queue.enqueue(id, { poison: true });
      for (let i = 1; i <= CONTRACT_QUEUE_OPTIONS.maxDeliver; i++) {
        const m = await fx.queue.next({ expiresMs: 3000 });
        expect(m?.deliveryCount).toBe(i);
        await m?.nak();
      }
      expect(await fx.queue.next({ expiresMs: 1500 })).toBeNull();
      const dead = await fx.queue.deadLetters();
      expect(dead.find((d) => d.id === id)).toMatchObject({ id, data: { poison: true }, deliveries: CONTRACT_QUEUE_OPTIONS.maxDeliver });
    });
  });
}
