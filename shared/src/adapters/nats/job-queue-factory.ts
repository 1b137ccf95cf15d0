import { natsAuthOf } from '../../security/backing-services.js';
import type { Config } from '../../config/schema.js';
import { NatsJobQueue } from './nats-job-queue.js';

/**
 * The approximate-unlearning work queue of a deployment. The queue's own delivery limit leaves room for
 * hand-backs (a job preempted by stage training is delivered again without counting an attempt); the job's
 * attempt limit (`jobs.maxAttempts`) is what fails it.
 */
export function openJobQueue(config: Config): Promise<NatsJobQueue> {
  return NatsJobQueue.connect({ servers: config.nats.servers, auth: natsAuthOf(config), stream: config.jobs.stream, ackWaitMs: config.jobs.ackWaitMs, maxDeliver: config.jobs.maxAttempts * 10 });
}
