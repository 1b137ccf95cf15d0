import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import { sha256Hex } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { LetheError } from '../../shared/src/errors/errors.js';

/** The behaviour every ArtifactStore (filesystem, NATS object store) must show. */
export function describeArtifactStoreContract(name: string, make: () => Promise<{ store: ArtifactStore; dispose(): Promise<void> }>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let fx: Awaited<ReturnType<typeof make>>;
    beforeAll(async () => {
      fx = await make();
    });
    afterAll(async () => {
      await fx.dispose();
    });

    it('addresses content by sha256, idempotently, and returns the same bytes', async () => {
      const bytes = randomBytes(300_000); // larger than one object-store chunk
      const d1 = await fx.store.put(bytes);
      expect(d1).toBe(sha256Hex(bytes));
      expect(await fx.store.put(bytes)).toBe(d1);
      expect(await fx.store.has(d1)).toBe(true);
      expect(Buffer.from(await fx.store.get(d1)).equals(bytes)).toBe(true);
      expect(await fx.store.put(new Uint8Array(0))).toBe(sha256Hex(new Uint8Array(0)));
    });

    it('answers NOT_FOUND for an unknown digest and INVALID_ARGUMENT for a malformed one', async () => {
      const missing = sha256Hex(randomBytes(8));
      expect(await fx.store.has(missing)).toBe(false);
      await expect(fx.store.get(missing)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(fx.store.get('../../etc/passwd')).rejects.toBeInstanceOf(LetheError);
    });
  });
}
