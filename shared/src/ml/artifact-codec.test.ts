import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../adapters/fs/fs-artifact-store.js';
import { decodeArtifact, decodeSampleList, encodeArtifact, encodeSampleList } from './artifact-codec.js';

describe('artifact codec', () => {
  it('round-trips an artifact with the same bytes for the same contents', () => {
    const weights = { b: { shape: [2], data: Float32Array.from([1, 2]) }, a: { shape: [1, 3], data: Float32Array.from([3, 4, 5]) } };
    const manifest = { kind: 'backbone' as const, dataset: 'd', config: {}, publicIdsHash: 'h', publicCount: 1, epochs: 1, seed: 1 };
    const bytes = encodeArtifact({ manifest, weights });
    expect(sha256Hex(encodeArtifact({ manifest, weights: { a: weights.a, b: weights.b } }))).toBe(sha256Hex(bytes));
    const back = decodeArtifact(bytes);
    expect(back.manifest).toEqual(manifest);
    expect(Array.from(back.weights['a']?.data ?? [])).toEqual([3, 4, 5]);
    expect(back.weights['a']?.shape).toEqual([1, 3]);
    expect(() => decodeArtifact(bytes.slice(0, 10))).toThrow(/not decodable/);
    // A Node Buffer view at an odd offset (as network clients hand out) decodes too.
    const pooled = Buffer.concat([Buffer.from([7]), Buffer.from(bytes)]).subarray(1);
    expect(Array.from(decodeArtifact(pooled).weights['b']?.data ?? [])).toEqual([1, 2]);
  });

  it('encodes sample lists sorted, so equal sets hash equal', () => {
    expect(sha256Hex(encodeSampleList(['b', 'a']))).toBe(sha256Hex(encodeSampleList(['a', 'b'])));
    expect(decodeSampleList(encodeSampleList(['b', 'a']))).toEqual(['a', 'b']);
    expect(decodeSampleList(encodeSampleList([]))).toEqual([]);
  });
});
