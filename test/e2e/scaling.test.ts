import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { TestCluster, printLogsOnFailure, TIMEOUT, blobsRun, eventually } from '../support/cluster.js';
import { stageCommits } from '../support/stage-commits.js';

/** Stages that take a second or more, so workers come and go while the run trains (36 epochs since the wasm kernels made training ~3× faster). */
const SLOW = { samples: 4000, features: 32, epochs: 36, hidden: 64 };

describe('scaling workers 1 → 3 → 1 while a run trains (separate worker processes, real etcd and NATS)', () => {
  let cluster: TestCluster;
  printLogsOnFailure(() => cluster);
  let client: LetheClient;
  let address: string;
  let coordinatorOutput: () => string;

  beforeAll(async () => {
    cluster = await TestCluster.start();
    const coord = await cluster.coordinator('coord');
    ({ address } = coord);
    coordinatorOutput = () => coord.process.output();
    await cluster.worker('s0', [address]);
    client = cluster.client(address);
    await cluster.workersAttached(client, 1);
  });
  afterAll(async () => {
    client.close();
    await cluster[Symbol.asyncDispose]();
  });

  it('loses no work: the run completes and every stage is committed exactly once', async () => {
    const op = await client.createRun(blobsRun('scale', SLOW));
    // Scaled out as the run starts: a worker process takes seconds to attach (TF.js start-up), so they join while
    // s0 trains, and the scheduler shares the ready stages among all three.
    await cluster.worker('s1', [address]);
    await cluster.worker('s2', [address]);
    await eventually('training started', TIMEOUT.training, async () => (await client.listWorkers()).workers.some((w) => w.runningTasks > 0));
    await eventually('three workers training', TIMEOUT.training, async () => (await client.listWorkers()).workers.filter((w) => w.state !== 'WORKER_STATE_LOST' && w.runningTasks > 0).length === 3);
    // Scaled in while they train: SIGTERM, as Kubernetes stops a pod (they finish or hand back their stages).
    await Promise.all(cluster.processes.filter((p) => p.name === 's1' || p.name === 's2').map((p) => p.kill('SIGTERM')));
    const done = await client.waitForOperation(op.name, TIMEOUT.training * 2);
    expect(done.done).toBe(true);
    const run = await client.getRun('runs/scale');
    expect(run.state).toBe('RUN_STATE_SERVING');
    const commits = await stageCommits(cluster.nats.endpoint, 'scale');
    expect(commits.size).toBe(run.shards.length * 9); // 3 + 3 + 3 distinct prefixes per shard (L = 3, B = 3)
    expect([...commits.values()].every((n) => n === 1)).toBe(true);
    // Each stopped worker said so at once, so it was sent nothing more to hand back.
    for (const name of ['s1', 's2']) expect(coordinatorOutput()).toMatch(new RegExp(`"worker":"${name}","msg":"worker shutting down: no new tasks for it"`));
    // The two stopped workers left cleanly (their leases revoked), and s0 is still attached.
    await eventually('only s0 left', TIMEOUT.ready, async () => (await client.listWorkers()).workers.filter((w) => w.state !== 'WORKER_STATE_LOST').map((w) => w.name).join() === 'workers/s0');
  }, TIMEOUT.training * 4); // every wait above named: a slow machine fails on the step that did not happen
});
