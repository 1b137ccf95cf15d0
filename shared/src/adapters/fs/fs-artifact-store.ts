import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, LetheError, invalidArgument } from '../../errors/errors.js';
import type { ArtifactStore } from '../../ports/artifact-store.js';

const DIGEST = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Filesystem artifact store: `<root>/sha256/<first two hex>/<digest>`, written atomically (temp file + rename). */
export class FsArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private pathOf(digest: string): string {
    if (!DIGEST.test(digest)) throw invalidArgument(`not a sha256 digest: '${digest}'`, { field: 'digest' });
    return join(this.root, 'sha256', digest.slice(0, 2), digest);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const digest = sha256Hex(bytes);
    const path = this.pathOf(digest);
    if (await this.has(digest)) return digest;
    await mkdir(join(this.root, 'sha256', digest.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return digest;
  }

  async get(digest: string): Promise<Uint8Array> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LetheError(ErrorCode.NOT_FOUND, `artifact ${digest} not found`);
      throw e;
    }
    if (sha256Hex(bytes) !== digest) throw new LetheError(ErrorCode.INTERNAL, `artifact ${digest} is corrupt (digest mismatch)`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(digest: string): Promise<boolean> {
    try {
      await stat(this.pathOf(digest));
      return true;
    } catch {
      return false;
    }
  }

  async delete(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const base = join(this.root, 'sha256');
    const dirs = await readdir(base).catch(() => [] as string[]);
    const out: string[] = [];
    for (const d of dirs) for (const name of await readdir(join(base, d)).catch(() => [] as string[])) if (DIGEST.test(name)) out.push(name);
    return out.sort();
  }
}
