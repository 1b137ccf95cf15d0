import { describe, expect, it } from 'vitest';
import { SerialPass } from './serial-pass.js';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SerialPass', () => {
  it('never overlaps passes, coalesces wakes during a pass into one more, and stop waits for the pass in progress', async () => {
    let running = 0;
    let overlap = false;
    let passes = 0;
    const p = new SerialPass(async () => {
      running++;
      overlap ||= running > 1;
      await tick(20);
      passes++;
      running--;
    }, () => undefined);
    p.start(60_000);
    await tick();
    for (let i = 0; i < 10; i++) p.wake();
    await tick(80);
    expect(overlap).toBe(false);
    expect(passes).toBe(2); // the first, then one for all ten wakes
    p.wake();
    await tick(); // the pass has started (it takes 20 ms)
    await p.stop(); // waits for the pass in progress
    expect(passes).toBe(3);
    p.wake(); // stopped: nothing runs
    await tick(30);
    expect(passes).toBe(3);
  });

  it('reports an error that escapes a pass and keeps running later passes', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const p = new SerialPass(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
    }, (e) => errors.push(e));
    p.start(60_000);
    await tick();
    p.wake();
    await tick();
    await p.stop();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
