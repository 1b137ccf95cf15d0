import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, renderLine } from './progress.js';

/** A stream that keeps what is written to it; `tty` makes cli-progress treat it as a terminal. */
function sink(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  Object.assign(w, { isTTY: tty, columns: 100 });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => text };
}

const formats = { format: ' {phase} |{bar}| {value}/{total} {unit}', line: ' {phase} {value}/{total} {unit}' };

describe('progress without a terminal', () => {
  it('prints a line per change, at most one per interval, always the completion and the last state', () => {
    const out = sink(false);
    let t = 0;
    const p = createProgress({ ...formats, stream: out.stream, lineIntervalMs: 1000, now: () => t });
    const bar = p.bar(10, { phase: 'train', unit: 'stages' });
    bar.update(0); // nothing done yet: nothing
    bar.update(1);
    bar.update(1); // unchanged: nothing
    t = 100;
    bar.update(2); // changed, but within the interval
    t = 1200;
    bar.update(2);
    t = 1300;
    bar.update(3); // within the interval again
    t = 1400;
    bar.update(10); // complete: printed at once
    bar.update(10);
    expect(out.text().split('\n')).toEqual([' train 1/10 stages', ' train 2/10 stages', ' train 10/10 stages', '']);
    p.stop();
    p.stop();
    bar.update(4);
    expect(out.text().split('\n')).toHaveLength(4);
  });

  it('stop prints each bar whose last state was not printed yet (one with nothing done too), once', () => {
    const out = sink(false);
    let t = 0;
    const p = createProgress({ ...formats, stream: out.stream, lineIntervalMs: 1000, now: () => t });
    const a = p.bar(4, { phase: 'a', unit: 'x' });
    const b = p.bar(4, { phase: 'b', unit: 'y' });
    const c = p.bar(3, { phase: 'c', unit: 'z' });
    c.update(0);
    a.update(1);
    b.update(1);
    t = 10;
    a.update(2, { phase: 'a2' });
    b.setTotal(8);
    p.stop();
    p.stop();
    expect(out.text()).toBe(' a 1/4 x\n b 1/4 y\n a2 2/4 x\n b 1/8 y\n c 0/3 z\n');
  });
});

describe('progress on a terminal', () => {
  it('draws bars, and a second stop draws nothing over what was printed since', () => {
    const out = sink(true);
    const p = createProgress({ ...formats, stream: out.stream });
    const bar = p.bar(4, { phase: 'train', unit: 'stages' });
    bar.update(4);
    p.stop();
    const drawn = out.text();
    expect(drawn).toMatch(/train \|█+\| 4\/4 stages/);
    p.stop();
    expect(out.text()).toBe(drawn);
  });
});

describe('renderLine', () => {
  it('fills value, total, percentage and fields, and keeps an unknown token', () => {
    expect(renderLine('{name} {percentage}% {value}/{total} {other}', { value: 1, total: 3, fields: { name: 'job' } })).toBe('job 33% 1/3 {other}');
    expect(renderLine('{percentage}%', { value: 5, total: 0, fields: {} })).toBe('0%');
    expect(renderLine('{percentage}%', { value: 9, total: 4, fields: {} })).toBe('100%');
  });
});
