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

  it('a pass that does not end is reported every afterMs with how long it has run, and no longer once it ends', async () => {
    let release: () => void = () => undefined;
    const stalls: number[] = [];
    const p = new SerialPass(() => new Promise<void>((r) => (release = r)), () => undefined, { afterMs: 20, onStall: (ms) => stalls.push(ms) });
    expect(p.runningMs()).toBe(0);
    p.start(60_000);
    // Waits for two reports, however late a busy machine runs the timers (at most 2 s).
    for (let i = 0; i < 200 && stalls.length < 2; i++) await tick(10);
    expect(stalls.length).toBeGreaterThanOrEqual(2);
    expect(p.runningMs()).toBeGreaterThanOrEqual(40);
    expect(stalls.every((ms, i) => ms >= 20 * (i + 1) - 2)).toBe(true); // each names the time so far
    release();
    await tick();
    const reported = stalls.length;
    expect(p.runningMs()).toBe(0);
    await tick(60);
    expect(stalls.length).toBe(reported);
    await p.stop();
  });
});
