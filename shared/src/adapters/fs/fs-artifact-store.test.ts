import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore, sha256Hex } from './fs-artifact-store.js';
import { LetheError } from '../../errors/errors.js';
import { decodeArtifact, encodeArtifact } from '../../ml/artifact-codec.js';

describe('FsArtifactStore', () => {
  it('stores by sha256, idempotently, and returns the same bytes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lethe-fs-'));
    const store = new FsArtifactStore(root);
    const bytes = new TextEncoder().encode('hello');
    const d1 = await store.put(bytes);
    const d2 = await store.put(bytes);
    expect(d1).toBe(sha256Hex(bytes));
    expect(d2).toBe(d1);
    expect(await store.has(d1)).toBe(true);
    expect(new TextDecoder().decode(await store.get(d1))).toBe('hello');
  });

  it('detects corruption, missing artifacts and malformed digests', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lethe-fs-'));
    const store = new FsArtifactStore(root);
    const digest = await store.put(new TextEncoder().encode('payload'));
    writeFileSync(join(root, 'sha256', digest.slice(0, 2), digest), 'tampered');
    await expect(store.get(digest)).rejects.toThrow(/corrupt/);
    await expect(store.get('0'.repeat(64))).rejects.toThrow(/not found/);
    await expect(store.get('../etc/passwd')).rejects.toThrow(LetheError);
  });

  it('round-trips an artifact with the same bytes for the same contents', () => {
    const weights = { b: { shape: [2], data: Float32Array.from([1, 2]) }, a: { shape: [1, 3], data: Float32Array.from([3, 4, 5]) } };
    const manifest = { kind: 'backbone' as const, dataset: 'd', config: {}, publicIdsHash: 'h', publicCount: 1, epochs: 1, seed: 1 };
    const bytes = encodeArtifact({ manifest, weights });
    expect(sha256Hex(encodeArtifact({ manifest, weights: { a: weights.a, b: weights.b } }))).toBe(sha256Hex(bytes));
    const back = decodeArtifact(bytes);
    expect(back.manifest).toEqual(manifest);
    expect(Array.from(back.weights['a']?.data ?? [])).toEqual([3, 4, 5]);
    expect(() => decodeArtifact(bytes.slice(0, 10))).toThrow(/not decodable/);
  });
});
