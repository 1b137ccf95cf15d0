import { etcdAuthOf, natsAuthOf } from '../../shared/src/security/backing-services.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { openArtifactStore } from '../../shared/src/adapters/artifact-store-factory.js';
import { NatsEventBus } from '../../shared/src/adapters/nats/nats-event-bus.js';
import { openJobQueue } from '../../shared/src/adapters/nats/job-queue-factory.js';
import type { Config } from '../../shared/src/config/schema.js';
import type { Logger } from '../../shared/src/log/logger.js';
import { Coordinator } from './coordinator.js';
import { transportOf } from '../../shared/src/security/config-security.js';

/** Composition root of a coordinator process: real etcd, NATS and the artifact directory from the config. */
export async function startCoordinatorProcess(config: Config, logger: Logger, options: { id?: string; advertise?: string } = {}): Promise<{ coordinator: Coordinator; close(): Promise<void> }> {
  const store = new EtcdStateStore({ endpoints: config.etcd.endpoints, dialTimeoutMs: config.etcd.dialTimeoutMs, auth: etcdAuthOf(config) });
  const events = await NatsEventBus.connect(config.nats.servers, natsAuthOf(config));
  const artifacts = await openArtifactStore(config);
  const jobs = await openJobQueue(config);
  const coordinator = await Coordinator.start({
    jobs,
    jobMaxAttempts: config.jobs.maxAttempts,
    store,
    events,
    artifacts: artifacts.store,
    logger,
    listen: config.coordinator.listen,
    prefix: config.etcd.prefix,
    revisionWaitMs: config.coordinator.revisionWaitMs,
    taskSilenceTimeoutMs: config.coordinator.taskSilenceTimeoutS * 1000,
    metricsListen: config.coordinator.metricsListen,
    receiptKeyFile: config.coordinator.receiptKeyFile,
    transport: transportOf(config, 'server'),
    healthListen: config.coordinator.healthListen,
    deletionLimits: config.coordinator.deletionLimits,
    dataRoots: config.dataRoots,
    auth: {
      ...(config.auth.tokensFile === '' ? {} : { tokensFile: config.auth.tokensFile }),
      ...(config.auth.jwksFile === '' ? {} : { jwt: { jwksFile: config.auth.jwksFile, issuer: config.auth.jwtIssuer, audience: config.auth.jwtAudience, rolesClaim: config.auth.jwtRolesClaim } }),
    },
    backend: config.worker.backend,
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.advertise === undefined ? {} : { advertise: options.advertise }),
  });
  return {
    coordinator,
    close: async () => {
      await coordinator.stop();
      await jobs.close();
      await events.close();
      await artifacts.close();
      await store.close();
    },
  };
}
