import { natsConnectOptions } from './connect-options.js';
import type { NatsAuth } from '../../security/backing-services.js';
import { connect, type NatsConnection, type ObjectStore } from 'nats';
import { ErrorCode, LetheError, invalidArgument } from '../../errors/errors.js';
import type { ArtifactStore } from '../../ports/artifact-store.js';
import { sha256Hex } from '../fs/fs-artifact-store.js';

const DIGEST = /^[0-9a-f]{64}$/;

/** ArtifactStore over the NATS JetStream object store (bucket `lethe-artifacts`): the cluster's shared artifacts. */
export class NatsArtifactStore implements ArtifactStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly os: ObjectStore,
  ) {}

  static async connect(servers: readonly string[], auth: NatsAuth = {}, bucket = 'lethe-artifacts'): Promise<NatsArtifactStore> {
    try {
      const nc = await connect(natsConnectOptions(servers, 'lethe-artifacts', auth));
      const os = await nc.jetstream().views.os(bucket);
      return new NatsArtifactStore(nc, os);
    } catch (e) {
      throw new LetheError(ErrorCode.UNAVAILABLE, `cannot open the artifact bucket on NATS: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async put(bytes: Uint8Array): Promise<string> {
    const digest = sha256Hex(bytes);
    if (!(await this.present(digest))) await this.os.putBlob({ name: digest }, bytes);
    return digest;
  }

  async get(digest: string): Promise<Uint8Array> {
    if (!DIGEST.test(digest)) throw invalidArgument(`not a sha256 digest: '${digest}'`, { field: 'digest' });
    const bytes = await this.os.getBlob(digest);
    if (bytes === null) throw new LetheError(ErrorCode.NOT_FOUND, `artifact ${digest} not found`);
    if (sha256Hex(bytes) !== digest) throw new LetheError(ErrorCode.INTERNAL, `artifact ${digest} is corrupt (digest mismatch)`);
    return bytes;
  }

  async has(digest: string): Promise<boolean> {
    if (!DIGEST.test(digest)) return false;
    return this.present(digest);
  }

  /** The object store answers info for a deleted object too (a delete marker): only a live one is present. */
  private async present(digest: string): Promise<boolean> {
    const info = await this.os.info(digest);
    return info !== null && !info.deleted;
  }

  async delete(digest: string): Promise<void> {
    if (!DIGEST.test(digest)) throw invalidArgument(`not a sha256 digest: '${digest.slice(0, 80)}'`, { field: 'digest' });
    // The object store keeps a delete marker and purges the chunks: the bytes are gone.
    if (await this.present(digest)) await this.os.delete(digest);
  }

  async list(): Promise<string[]> {
    return (await this.os.list()).filter((o) => !o.deleted && DIGEST.test(o.name)).map((o) => o.name).sort();
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}
