import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator, type CoordinatorOptions } from '../../coordinator/src/coordinator.js';
import { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { InMemoryEventBus } from '../../shared/src/testing/in-memory-event-bus.js';
import { InMemoryStateBackend } from '../../shared/src/testing/in-memory-state-store.js';
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

/** A coordinator on the in-memory state twin and one real worker, both in this process (see useInProcessCluster). */
export interface InProcessCluster<A extends ArtifactStore> {
  /** A temporary directory of the block's own, removed after it. */
  readonly dir: string;
  readonly artifacts: A;
  /** The state both run on (read it with `state.client()`). */
  readonly state: InMemoryStateBackend;
  readonly lethe: InProcessCoordinator;
  readonly worker: InProcessWorker;
  readonly client: LetheClient;
}

/**
 * For a describe block: starts a coordinator and one worker before its tests and stops them (and removes the
 * directory) after. The artifact store is a filesystem store under the directory unless `artifacts` makes another.
 * The handle's coordinator, worker and client exist once the block's beforeAll has run.
 */
export function useInProcessCluster<A extends ArtifactStore = FsArtifactStore>(o: {
  readonly name: string;
  readonly prefix: string;
  readonly workerId: string;
  readonly backend: 'cpu' | 'wasm';
  readonly artifacts?: (dir: string) => A;
  readonly coordinator?: Partial<CoordinatorOptions> & { clientTimeoutMs?: number };
  readonly worker?: { readonly batchCapacity?: number; readonly jobs?: JobQueue; readonly beforeStart?: (executor: TaskExecutor) => void };
}): InProcessCluster<A> {
  const dir = mkdtempSync(join(tmpdir(), `lethe-${o.name}-`));
  const artifacts = o.artifacts?.(dir) ?? (new FsArtifactStore(join(dir, 'artifacts')) as unknown as A);
  const state = new InMemoryStateBackend();
  let started: { lethe: InProcessCoordinator; worker: InProcessWorker } | undefined;
  const running = (): { lethe: InProcessCoordinator; worker: InProcessWorker } => {
    if (started === undefined) throw new Error('the in-process cluster starts in beforeAll');
    return started;
  };
  beforeAll(async () => {
    const lethe = await startInProcessCoordinator(state.client(), { artifacts, prefix: o.prefix, backend: o.backend, clientTimeoutMs: 15_000, ...o.coordinator });
    const worker = await startInProcessWorker(lethe, state.client(), { id: o.workerId, prefix: o.prefix, artifacts, backend: o.backend, ...o.worker });
    started = { lethe, worker };
  }, 60_000);
  afterAll(async () => {
    await started?.worker.close();
    await started?.lethe.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    artifacts,
    state,
    get lethe() {
      return running().lethe;
    },
    get worker() {
      return running().worker;
    },
    get client() {
      return running().lethe.client;
    },
  };
}
