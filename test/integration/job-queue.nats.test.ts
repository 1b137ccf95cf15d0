import { startNatsServer } from '../../shared/src/adapters/process/local-servers.js';
import { NatsJobQueue } from '../../shared/src/adapters/nats/nats-job-queue.js';
import { CONTRACT_QUEUE_OPTIONS, describeJobQueueContract } from '../contract/job-queue.contract.js';

describeJobQueueContract('NATS JetStream work queue (real server)', async () => {
  const nats = await startNatsServer();
  const queue = await NatsJobQueue.connect({ servers: [nats.endpoint], ...CONTRACT_QUEUE_OPTIONS });
  return { queue, dispose: () => nats.stop() };
});
