import { describe, expect, it } from 'vitest';
import { deletedBy, newSampleIdKey, SampleDigestMemo, sampleIdDigest } from './sample-digest.js';

describe('SampleDigestMemo', () => {
  it('gives the keyed digests sampleIdDigest gives, per key, computing each once, within its bound', () => {
    const [k1, k2] = [newSampleIdKey(), newSampleIdKey()];
    const memo = new SampleDigestMemo(4);
    const ids = ['a', 'b', 'c'];
    for (const id of ids) expect(memo.digest(k1, id)).toBe(sampleIdDigest(k1, id));
    expect(memo.digest(k2, 'a')).toBe(sampleIdDigest(k2, 'a'));
    expect(memo.digest(k2, 'a')).not.toBe(memo.digest(k1, 'a'));
    expect(memo.size).toBe(4);
    memo.digest(k1, 'a'); // remembered: no new entry
    expect(memo.size).toBe(4);
    memo.digest(k1, 'd'); // past the bound: starts afresh
    expect(memo.size).toBe(1);
    expect(memo.digest(k1, 'd')).toBe(sampleIdDigest(k1, 'd'));
    expect(() => new SampleDigestMemo(0)).toThrow(RangeError);
  });

  it('tests membership exactly as deletedBy does', () => {
    const key = newSampleIdKey();
    const gone = [sampleIdDigest(key, 'x'), sampleIdDigest(key, 'z')];
    const memo = new SampleDigestMemo();
    const [plain, remembered] = [deletedBy(key, gone), memo.deletedBy(key, gone)];
    for (const id of ['w', 'x', 'y', 'z', 'x']) expect(remembered(id)).toBe(plain(id));
    expect(memo.deletedBy(key, [])('x')).toBe(false);
    expect(memo.size).toBe(4);
  });
});
