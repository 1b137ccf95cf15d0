import { describe, expect, it } from 'vitest';
import { ModelCache } from './predictor.js';

describe('ModelCache (the predictor\'s bounded model cache)', () => {
  it('evicts the least recently used model and disposes it, but never one an in-flight prediction pinned', () => {
    const disposed: string[] = [];
    const cache = new ModelCache<string>(2, (v) => disposed.push(v));
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    cache.set('c', 'C');
    expect(disposed).toEqual(['B']);
    cache.pin('a');
    cache.set('d', 'D');
    cache.set('e', 'E');
    // a is pinned: the others go first, even past the bound if need be.
    expect(disposed).toEqual(['B', 'C', 'D']);
    expect(cache.get('a')).toBe('A');
    cache.pin('e');
    cache.pin('f'); // pinned before it is loaded, as the predictor does
    cache.set('f', 'F');
    expect(cache.size).toBe(3); // a, e and f pinned: over the bound while they are in use
    cache.unpin('a');
    expect(cache.size).toBe(2);
    expect(disposed).toEqual(['B', 'C', 'D', 'A']);
  });
});
