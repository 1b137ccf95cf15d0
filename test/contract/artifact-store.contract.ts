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

    it('deletes for good, idempotently, and lists what is stored', async () => {
      const keep = await fx.store.put(randomBytes(100));
      const gone = await fx.store.put(randomBytes(200_000));
      expect(await fx.store.list()).toEqual(expect.arrayContaining([keep, gone]));
      await fx.store.delete(gone);
      expect(await fx.store.has(gone)).toBe(false);
      await expect(fx.store.get(gone)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await fx.store.delete(gone); // again: no error
      const listed = await fx.store.list();
      expect(listed).toContain(keep);
      expect(listed).not.toContain(gone);
      // Stored again after a delete: a new blob under the same address.
      expect(await fx.store.put(Buffer.from('again'))).toBe(sha256Hex(Buffer.from('again')));
      await expect(fx.store.delete('../x')).rejects.toBeInstanceOf(LetheError);
    });

    it('answers NOT_FOUND for an unknown digest and INVALID_ARGUMENT for a malformed one', async () => {
      const missing = sha256Hex(randomBytes(8));
      expect(await fx.store.has(missing)).toBe(false);
      await expect(fx.store.get(missing)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(fx.store.get('../../etc/passwd')).rejects.toBeInstanceOf(LetheError);
    });
  });
}
