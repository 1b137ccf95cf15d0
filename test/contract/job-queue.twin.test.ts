import { InMemoryJobQueue } from '../../shared/src/testing/in-memory-job-queue.js';
import { CONTRACT_QUEUE_OPTIONS, describeJobQueueContract } from './job-queue.contract.js';

describeJobQueueContract('in-memory twin', () => Promise.resolve({ queue: new InMemoryJobQueue(CONTRACT_QUEUE_OPTIONS), dispose: () => Promise.resolve() }));
