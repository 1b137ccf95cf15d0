import { describe, expect, it } from 'vitest';
import { ModelCache } from './predictor.js';

describe('ModelCache (the predictor\'s bounded cache of model weights)', () => {
  it('keeps at most its bound, evicting the least recently used entry', () => {
    const cache = new ModelCache<string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    cache.set('c', 'C');
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    cache.set('d', 'D');
    expect(cache.get('c')).toBeUndefined();
    expect([cache.get('a'), cache.get('d')]).toEqual(['A', 'D']);
    expect(cache.size).toBe(2);
  });
});
