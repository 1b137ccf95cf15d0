import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '../../coordinator/src/coordinator.js';
import { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { Keys } from '../../coordinator/src/state/keys.js';
import { InMemoryStateBackend } from '../../shared/src/testing/in-memory-state-store.js';
import { InMemoryEventBus } from '../../shared/src/testing/in-memory-event-bus.js';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { createLogger } from '../../shared/src/log/logger.js';
import { put, type StateStore } from '../../shared/src/ports/state-store.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import { eventually } from './eventually.js';
import { testSecurity } from '../../shared/src/testing/test-security.js';
import { ScriptedWorker } from './scripted-worker.js';

/** A leading coordinator on the in-memory store (artifacts in a temporary directory), with a client. */
export interface EmbeddedCoordinator {
  readonly coordinator: Coordinator;
  readonly store: StateStore;
  readonly client: LetheClient;
  readonly artifacts: ArtifactStore;
  /** A scripted worker, registered in the store as a live worker would be (its lease key), once attached. */
  worker(id: string, hello?: { slots?: number; batchCapacity?: number; running?: readonly string[] }): Promise<ScriptedWorker>;
  close(): Promise<void>;
}

export async function startEmbeddedCoordinator(prefix: string, options: { now?: () => number } = {}): Promise<EmbeddedCoordinator> {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-embedded-'));
  const backend = new InMemoryStateBackend();
  const store = backend.client();
  const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
  const security = await testSecurity();
  const coordinator = await Coordinator.start({
    ...security.local.server,
    store: backend.client(),
    events: new InMemoryEventBus(),
    artifacts,
    logger: createLogger({ service: 'test', level: 'silent' }),
    listen: '127.0.0.1:0',
    prefix,
    backend: 'cpu',
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  await eventually('leader', 10_000, () => Promise.resolve(coordinator.isLeader));
  const client = new LetheClient(coordinator.address, security.admin, 10_000);
  return {
    coordinator,
    store,
    client,
    artifacts,
    async worker(id, hello = {}) {
      await put(store, new Keys(prefix).worker(id), JSON.stringify({ id, backend: 'cpu', gpu: '', slots: hello.slots ?? 1, version: 'test', attachedAt: new Date().toISOString() }));
      const w = new ScriptedWorker(coordinator.address, id, artifacts, hello, await security.worker(id));
      await eventually(`${id} attached`, 5_000, async () => (await client.listWorkers()).workers.some((x) => x.name === `workers/${id}` && x.state !== 'WORKER_STATE_LOST'));
      return w;
    },
    async close() {
      client.close();
      await coordinator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
