import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { jsonToStruct } from '../../coordinator/src/rpc/job-convert.js';
import { TestCluster, printLogsOnFailure, TIMEOUT, blobsRun, eventually } from '../support/cluster.js';

/** Fast redelivery and takeover, and two attempts, so the test sees both within seconds. */
const JOBS = { LETHE_JOBS_ACK_WAIT_MS: '2000', LETHE_JOBS_TAKEOVER_MS: '2000', LETHE_JOBS_MAX_ATTEMPTS: '2' };

describe('a job whose worker is SIGKILLed (real etcd, NATS JetStream, worker processes)', () => {
  let cluster: TestCluster;
  printLogsOnFailure(() => cluster);
  let client: LetheClient;
  let address: string;

  beforeAll(async () => {
    cluster = await TestCluster.start();
    ({ address } = await cluster.coordinator('coord', undefined, JOBS));
    await cluster.worker('jw0', [address], JOBS);
    client = cluster.client(address);
    await cluster.workersAttached(client, 1);
    // Large enough that 200 fine-tuning epochs take well over ten seconds: the kills land mid-run.
    await client.createRun(blobsRun('faults', { samples: 4000, hidden: 64 }));
    await eventually('run trained', TIMEOUT.training, async () => (await client.getOperation('operations/runs/faults')).done === true);
  });
  afterAll(async () => {
    client.close();
    await cluster[Symbol.asyncDispose]();
  });

  it('is redelivered and restarted on another worker (attempt counted), and FAILED with the reason after max_deliver', async () => {
    const op = await client.submitJob({ requestId: 'long-ft', method: 'UNLEARNING_METHOD_FINE_TUNE', model: 'runs/faults', forget: { classLabel: 0 }, parameters: jsonToStruct({ epochs: 200 }) });
    const name = op.name.replace(/^operations\//, '');
    await eventually('running on jw0', TIMEOUT.training, async () => {
      const j = await client.getJob(name);
      return j.state === 'JOB_STATE_RUNNING' && j.workerId === 'jw0' && j.progress > 0;
    });
    await cluster.processes.find((p) => p.name === 'jw0')?.kill('SIGKILL');
    await cluster.worker('jw1', [address], JOBS);
    await eventually('restarted on jw1 as attempt 2', TIMEOUT.training, async () => {
      const j = await client.getJob(name);
      return j.state === 'JOB_STATE_RUNNING' && j.workerId === 'jw1' && j.attempt === 2;
    });
    await cluster.processes.find((p) => p.name === 'jw1')?.kill('SIGKILL');
    await cluster.worker('jw2', [address], JOBS);
    await eventually('failed after two attempts', TIMEOUT.training, async () => (await client.getJob(name)).state === 'JOB_STATE_FAILED');
    const j = await client.getJob(name);
    expect(j.failure).toMatch(/gave up after 2 attempts \(max_deliver 2\).*jw1/);
    expect(j.attempt).toBe(2);
    // The worker that found it dead is free for new work: a fresh job runs to the end there.
    const next = await client.submitJob({ requestId: 'after', method: 'UNLEARNING_METHOD_SSD', model: 'runs/faults', forget: { classLabel: 0 }, parameters: jsonToStruct({ alpha: 1 }) });
    await eventually('next job succeeded on jw2', TIMEOUT.training, async () => {
      const n = await client.getJob(next.name.replace(/^operations\//, ''));
      return n.state === 'JOB_STATE_SUCCEEDED' && n.workerId === 'jw2';
    });
  });
});
