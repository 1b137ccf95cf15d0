import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { openArtifactStore } from '../../shared/src/adapters/artifact-store-factory.js';
import type { Config } from '../../shared/src/config/schema.js';
import type { Logger } from '../../shared/src/log/logger.js';
import { selectBackend } from '../../shared/src/ml/backend.js';
import { ThreadPoolTrainer } from '../../shared/src/ml/trainer.js';
import { WorkerAgent } from './agent.js';
import { startMetricsServer } from '../../shared/src/adapters/http/metrics-server.js';
import { openJobQueue } from '../../shared/src/adapters/nats/job-queue-factory.js';
import { TaskExecutor } from './task-executor.js';

/** Composition root of a worker process: etcd for its lease, training threads, the artifact directory. */
export async function startWorkerProcess(config: Config, logger: Logger, options: { id?: string; coordinators: readonly string[] }): Promise<{ agent: WorkerAgent; close(graceMs?: number): Promise<void> }> {
  const backend = await selectBackend({ forced: config.worker.backend, logger });
  const store = new EtcdStateStore({ endpoints: config.etcd.endpoints, dialTimeoutMs: config.etcd.dialTimeoutMs });
  const trainer = new ThreadPoolTrainer({ threads: config.worker.slots, backend: backend.name });
  const artifacts = await openArtifactStore(config);
  const jobs = await openJobQueue(config);
  const agent = new WorkerAgent({
    jobs: { queue: jobs, artifacts: artifacts.store, trainer, takeoverMs: config.jobs.takeoverMs },
    ...(options.id === undefined ? {} : { id: options.id }),
    coordinators: options.coordinators,
    store,
    prefix: config.etcd.prefix,
    executor: new TaskExecutor({ artifacts: artifacts.store, trainer }),
    backend: backend.name,
    slots: config.worker.slots,
    batchCapacity: config.worker.batchCapacity,
    heartbeatMs: config.worker.heartbeatMs,
    leaseTtlSeconds: config.worker.leaseTtlSeconds,
    logger,
  });
  await agent.start();
  const metrics = config.worker.metricsListen === '' ? undefined : await startMetricsServer(config.worker.metricsListen, () => agent.metrics.metrics(), agent.metrics.registry.contentType);
  if (metrics !== undefined) logger.info({ metrics: metrics.address }, 'worker metrics served');
  return {
    agent,
    close: async (graceMs) => {
      await agent.stop(graceMs);
      await metrics?.close();
      await jobs.close();
      await trainer.close();
      await artifacts.close();
      await store.close();
    },
  };
}
