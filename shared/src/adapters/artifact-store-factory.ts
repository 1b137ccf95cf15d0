import { natsAuthOf } from '../security/backing-services.js';
import type { Config } from '../config/schema.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { FsArtifactStore } from './fs/fs-artifact-store.js';
import { NatsArtifactStore } from './nats/nats-artifact-store.js';

/** The artifact store the configuration names, with a close() for the NATS connection. */
export async function openArtifactStore(config: Config): Promise<{ store: ArtifactStore; close(): Promise<void> }> {
  if (config.artifacts.kind === 'nats') {
    const store = await NatsArtifactStore.connect(config.nats.servers, natsAuthOf(config));
    return { store, close: () => store.close() };
  }
  return { store: new FsArtifactStore(config.artifacts.dir), close: () => Promise.resolve() };
}
