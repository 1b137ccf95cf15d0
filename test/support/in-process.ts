import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator, type CoordinatorOptions } from '../../coordinator/src/coordinator.js';
import { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { InMemoryEventBus } from '../../shared/src/testing/in-memory-event-bus.js';
import { createLogger } from '../../shared/src/log/logger.js';
import type { StateStore } from '../../shared/src/ports/state-store.js';
import { eventually } from './eventually.js';
import { testSecurity } from '../../shared/src/testing/test-security.js';
import { WorkerAgent } from '../../worker/src/agent.js';
import { TaskExecutor } from '../../worker/src/task-executor.js';
import { ThreadPoolTrainer } from '../../shared/src/ml/trainer.js';
import { frozenCacheOf, type FrozenPrefixCache } from '../../shared/src/ml/frozen-prefix-cache.js';
import { DEFAULT_FROZEN_CACHE_MIB } from '../../shared/src/config/schema.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import type { JobQueue } from '../../shared/src/ports/job-queue.js';

/** A coordinator in this process, leading, with a client and a temporary directory; `dispose` stops all of it. */
export interface InProcessCoordinator {
  readonly coordinator: Coordinator;
  readonly client: LetheClient;
  readonly dir: string;
  dispose(): Promise<void>;
}

/**
 * Starts a coordinator on `store` (the in-memory twin or a real etcd) in this process, with an in-memory event bus
 * and a filesystem artifact store unless given, on a free loopback port, and waits until it leads.
 */
export async function startInProcessCoordinator(store: StateStore, over: Partial<CoordinatorOptions> & { clientTimeoutMs?: number } = {}): Promise<InProcessCoordinator> {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-inproc-'));
  const { clientTimeoutMs, ...options } = over;
  const security = await testSecurity();
  const coordinator = await Coordinator.start({
    ...security.local.server,
    store,
    events: new InMemoryEventBus(),
    artifacts: new FsArtifactStore(join(dir, 'artifacts')),
    logger: createLogger({ service: 'test', level: 'silent' }),
    listen: '127.0.0.1:0',
    backend: 'cpu',
    ...options,
  });
  await eventually('the coordinator leads', 15_000, () => Promise.resolve(coordinator.isLeader));
  const client = new LetheClient(coordinator.address, security.admin, clientTimeoutMs ?? 10_000);
  return {
    coordinator,
    client,
    dir,
    dispose: async () => {
      client.close();
      await coordinator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real worker in this process: its own training thread, attached to `lethe` with a worker certificate. */
export interface InProcessWorker {
  readonly agent: WorkerAgent;
  readonly executor: TaskExecutor;
  /** The worker's frozen-prefix cache (as a deployed worker keeps it). */
  readonly frozenCache?: FrozenPrefixCache;
  close(): Promise<void>;
}

export async function startInProcessWorker(
  lethe: InProcessCoordinator,
  store: StateStore,
  o: { id: string; prefix: string; artifacts: ArtifactStore; backend: 'cpu' | 'wasm'; batchCapacity?: number; jobs?: JobQueue; beforeStart?: (executor: TaskExecutor) => void },
): Promise<InProcessWorker> {
  const trainer = new ThreadPoolTrainer({ threads: 1, backend: o.backend });
  // The cache as a deployed worker keeps it: every in-process cluster test runs with it.
  const cache = frozenCacheOf(o.backend, DEFAULT_FROZEN_CACHE_MIB);
  const executor = new TaskExecutor({ artifacts: o.artifacts, trainer, ...cache });
  o.beforeStart?.(executor);
  const agent = new WorkerAgent({
    id: o.id,
    credentials: await (await testSecurity()).worker(o.id),
    coordinators: [lethe.coordinator.address],
    store,
    prefix: o.prefix,
    executor,
    backend: o.backend,
    slots: 1,
    ...(o.batchCapacity === undefined ? {} : { batchCapacity: o.batchCapacity }),
    logger: createLogger({ service: 'test', level: 'silent' }),
    ...(o.jobs === undefined ? {} : { jobs: { queue: o.jobs, artifacts: o.artifacts, trainer } }),
  });
  await agent.start();
  return {
    agent,
    executor,
    ...cache,
    close: async () => {
      await agent.stop(1000);
      await trainer.close();
    },
  };
}
