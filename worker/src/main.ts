import { etcdAuthOf } from '../../shared/src/security/backing-services.js';
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
import { clientTokenOf, transportOf } from '../../shared/src/security/config-security.js';
import { certificateName } from '../../shared/src/security/certificate-name.js';
import { invalidArgument } from '../../shared/src/errors/errors.js';
import { randomBytes } from 'node:crypto';
import { frozenCacheOf } from '../../shared/src/ml/frozen-prefix-cache.js';

/** Composition root of a worker process: etcd for its lease, training threads, the artifact directory. */
export async function startWorkerProcess(config: Config, logger: Logger, options: { id?: string; coordinators: readonly string[] }): Promise<{ agent: WorkerAgent; close(graceMs?: number): Promise<void> }> {
  const backend = await selectBackend({ forced: config.worker.backend, logger });
  const store = new EtcdStateStore({ endpoints: config.etcd.endpoints, dialTimeoutMs: config.etcd.dialTimeoutMs, auth: etcdAuthOf(config) });
  const trainer = new ThreadPoolTrainer({ threads: config.worker.slots, backend: backend.name });
  const artifacts = await openArtifactStore(config);
  const jobs = await openJobQueue(config);
  const transport = transportOf(config, 'client');
  if ('insecure' in transport) logger.warn('PLAINTEXT: this worker talks to the coordinator without TLS (--insecure); its credential and the training data cross the network in the clear');
  const token = clientTokenOf(config);
  if (!('insecure' in transport) && transport.tls.certFile === undefined && token === undefined) {
    throw invalidArgument('a worker needs an identity: a client certificate (tls.certFile, tls.keyFile) or a worker token (auth.tokenFile)');
  }
  // With a certificate, the worker is who the certificate names.
  const certName = 'insecure' in transport || transport.tls.certFile === undefined ? undefined : certificateName(transport.tls.certFile);
  // A pool certificate ("prefix-*") names no one worker: the id is the prefix and a random suffix unless given.
  const id = options.id ?? (certName?.endsWith('*') === true ? `${certName.slice(0, -1)}${randomBytes(3).toString('hex')}` : certName);
  const agent = new WorkerAgent({
    credentials: { transport, ...(token === undefined ? {} : { token }) },
    ...(config.worker.tlsServerName === '' ? {} : { tlsServerName: config.worker.tlsServerName }),
    jobs: { queue: jobs, artifacts: artifacts.store, trainer, takeoverMs: config.jobs.takeoverMs },
    ...(id === undefined ? {} : { id }),
    coordinators: options.coordinators,
    store,
    prefix: config.etcd.prefix,
    executor: new TaskExecutor({ artifacts: artifacts.store, trainer, dataRoots: config.dataRoots, ...frozenCacheOf(backend.name, config.worker.frozenCacheMiB) }),
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
