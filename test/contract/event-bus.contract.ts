import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { BusEvent, EventBus } from '../../shared/src/ports/event-bus.js';
import { MAX_HISTORY_EVENTS, subjectMatches } from '../../shared/src/ports/event-bus.js';

async function collect(it: AsyncIterable<BusEvent>, n: number, timeoutMs: number): Promise<BusEvent[]> {
  const out: BusEvent[] = [];
  const timer = new Promise<void>((r) => setTimeout(r, timeoutMs));
  const reading = (async () => {
    for await (const e of it) {
      out.push(e);
      if (out.length === n) return;
    }
  })();
  await Promise.race([reading, timer]);
  return out;
}

/** The behaviour every EventBus (NATS adapter and in-memory twin) must show. */
export function describeEventBusContract(name: string, make: () => Promise<{ bus: EventBus; settle(): Promise<void>; dispose(): Promise<void> }>): void {
  describe(`EventBus contract: ${name}`, () => {
    let fx: Awaited<ReturnType<typeof make>>;
    beforeAll(async () => {
      fx = await make();
    });
    afterAll(async () => {
      await fx.bus.close();
      await fx.dispose();
    });

    it('delivers matching events in order, with their data, to every subscriber', async () => {
      const run = `r${randomUUID().slice(0, 8)}`;
      const ac = new AbortController();
      const all = collect(fx.bus.subscribe(`lethe.events.*.${run}`, { signal: ac.signal }), 3, 5000);
      const deletions = collect(fx.bus.subscribe(`lethe.events.deletion.${run}`, { signal: ac.signal }), 2, 5000);
      await fx.settle();
      await fx.bus.publish(`lethe.events.deletion.${run}`, { n: 1 });
      await fx.bus.publish(`lethe.events.stage.${run}`, { n: 2 });
      await fx.bus.publish(`lethe.events.deletion.${run}`, { n: 3, nested: { ok: true } });
      await fx.bus.publish(`lethe.events.deletion.other`, { n: 4 });
      const [a, d] = await Promise.all([all, deletions]);
      ac.abort();
      expect(a.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      expect(d.map((e) => e.data)).toEqual([{ n: 1 }, { n: 3, nested: { ok: true } }]);
      expect(d[0]?.subject).toBe(`lethe.events.deletion.${run}`);
    });

    it('stops delivering after the subscription is aborted', async () => {
      const subject = `lethe.events.abort.${randomUUID().slice(0, 8)}`;
      const ac = new AbortController();
      const got = collect(fx.bus.subscribe(subject, { signal: ac.signal }), 10, 1500);
      await fx.settle();
      await fx.bus.publish(subject, { n: 1 });
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      await fx.bus.publish(subject, { n: 2 });
      expect((await got).map((e) => (e.data as { n: number }).n)).toEqual([1]);
    });

    it('keeps what was published: history by subject and time, oldest first, a message id once, bounded', async () => {
      const run = `h${randomUUID().slice(0, 8)}`;
      const t0 = Date.now();
      await fx.bus.publish(`lethe.events.deletion.${run}`, { n: 1 }, { msgId: `${run}/1` });
      await fx.bus.publish(`lethe.events.stage.${run}`, { n: 2 });
      await fx.bus.publish(`lethe.events.deletion.${run}`, { n: 1 }, { msgId: `${run}/1` }); // a republish: stored once
      await fx.bus.publish(`lethe.events.deletion.${run}`, { n: 3 }, { msgId: `${run}/3` });
      const deletions = await fx.bus.history(`lethe.events.deletion.${run}`, t0 - 1_000, 100);
      expect(deletions.map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }]);
      expect(deletions[0]?.subject).toBe(`lethe.events.deletion.${run}`);
      for (const e of deletions) expect(Math.abs(e.timeMs - t0)).toBeLessThan(30_000);
      expect((await fx.bus.history(`lethe.events.*.${run}`, t0 - 1_000, 100)).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      expect((await fx.bus.history(`lethe.events.*.${run}`, t0 - 1_000, 2)).map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
      // Nothing stored after a time later than them all; nothing on a subject never published.
      expect(await fx.bus.history(`lethe.events.*.${run}`, Date.now() + 60_000, 100)).toEqual([]);
      expect(await fx.bus.history(`lethe.events.none.${run}`, 0, 100)).toEqual([]);
      for (const bad of [0, -1, 1.5, MAX_HISTORY_EVENTS + 1]) await expect(fx.bus.history(`lethe.events.*.${run}`, 0, bad)).rejects.toThrow(/history limit/);
    });

    it('matches subjects with * and > as NATS does', () => {
      expect(subjectMatches('lethe.events.>', 'lethe.events.a.b')).toBe(true);
      expect(subjectMatches('lethe.events.*', 'lethe.events.a.b')).toBe(false);
      expect(subjectMatches('lethe.*.a', 'lethe.events.a')).toBe(true);
      expect(subjectMatches('lethe.events.>', 'lethe.events')).toBe(false);
    });
  });
}
