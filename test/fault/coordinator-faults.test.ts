import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../shared/src/adapters/process/local-servers.js';
import { LetheError } from '../../shared/src/errors/errors.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { TestCluster, printLogsOnFailure, TIMEOUT, blobsRun, eventually, type LetheProcess } from '../support/cluster.js';

const dataset = makeBlobs({ samples: 1200, features: 12, classes: 3 });
const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (e) {
    return e instanceof LetheError ? `${e.code}: ${e.message}` : String(e);
  }
}

describe('coordinator restart and failover on a real cluster', () => {
  let cluster: TestCluster;
  printLogsOnFailure(() => cluster);
  const ports: number[] = [];
  const procs = new Map<string, LetheProcess>();

  beforeAll(async () => {
    cluster = await TestCluster.start();
    ports.push(await freePort(), await freePort());
  });
  afterAll(async () => {
    if (process.env['LETHE_TEST_LOGS'] === '1') cluster.printLogs(150_000);
    await cluster[Symbol.asyncDispose]();
  });

  it('keeps every acknowledged deletion and committed stage across a SIGKILL and restart', async () => {
    const a = await cluster.coordinator('coord-a', ports[0]);
    procs.set('coord-a', a.process);
    await cluster.worker('w0', [`127.0.0.1:${ports[0]}`, `127.0.0.1:${ports[1]}`]);
    const client = cluster.client(a.address);
    await cluster.workersAttached(client, 1);
    await client.waitForOperation((await client.createRun(blobsRun('durable'))).name, TIMEOUT.training);
    const before = await client.getRun('runs/durable');
    const receipt = await client.deleteSamples('durable-del', 'runs/durable', [userIds[3] as string, userIds[4] as string]);
    await a.process.kill('SIGKILL');
    client.close();

    const again = await cluster.coordinator('coord-a2', ports[0]);
    procs.set('coord-a', again.process);
    const c2 = cluster.client(again.address);
    const d = await c2.getDeletion(receipt.name);
    expect(d.receipt?.sampleCount).toBe(2);
    expect(d.receipt?.revision).toBe(receipt.revision);
    const after = await c2.getRun('runs/durable');
    // Every stage committed before the crash and not switched off by the deletion is still committed, with the same
    // artifact. (Those the deletion switched off are purged or retrained by now: their old artifacts are gone.)
    const switchedOff = new Set(receipt.deactivated.map((d) => `${d.shard}/${d.ordering}/${d.stage}`));
    expect(switchedOff.size).toBeGreaterThan(0);
    for (const s of before.shards) {
      for (const o of s.orderings) {
        for (const st of o.stages) {
          if (switchedOff.has(`${s.shard}/${o.index}/${st.stage}`)) continue;
          const now = after.shards[s.shard]?.orderings[o.index]?.stages[st.stage - 1];
          expect(now?.artifact).toBe(st.artifact);
        }
      }
    }
    expect((await c2.whereIs('runs/durable', userIds[3] as string)).deleted).toBe(true);
    // The dead replica's leader key expires after its TTL; then the restarted one leads, and the same request id
    // still returns the same receipt (for the same set of ids, in any order).
    const repeat = await eventually('restarted replica leads', TIMEOUT.takeover, () => c2.deleteSamples('durable-del', 'runs/durable', [userIds[4] as string, userIds[3] as string]));
    expect(repeat.name).toBe(receipt.name);
    expect(repeat.revision).toBe(receipt.revision);
    await eventually('retrained after restart', TIMEOUT.training, async () => ['DELETION_STATE_RETRAINED', 'DELETION_STATE_PURGED'].includes((await c2.getDeletion(receipt.name)).state));
    c2.close();
  });

  it('elects exactly one leader among two replicas, and the follower takes over when the leader dies', async () => {
    const b = await cluster.coordinator('coord-b', ports[1]);
    procs.set('coord-b', b.process);
    const ca = cluster.client(`127.0.0.1:${ports[0]}`);
    const cb = cluster.client(b.address);
    const outcomes = [await refusal(ca.deleteSamples('', 'runs/durable', [userIds[5] as string])), await refusal(cb.deleteSamples('', 'runs/durable', [userIds[6] as string]))];
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
    expect(outcomes.find((o) => o !== 'accepted')).toMatch(/^NOT_LEADER: not the leader; the leader is coord-a2 at 127\.0\.0\.1:/);
    // Followers still serve reads.
    expect((await cb.getRun('runs/durable')).name).toBe('runs/durable');

    await procs.get('coord-a')?.kill('SIGKILL');
    const accepted = await eventually('coord-b leads', TIMEOUT.takeover, async () => ((await refusal(cb.deleteSamples('after-failover', 'runs/durable', [userIds[7] as string]))) === 'accepted' ? true : undefined));
    expect(accepted).toBe(true);
    // The worker re-attaches to the new leader, which retrains what the deletions deactivated.
    await cluster.workersAttached(cb, 1);
    const deletions = await eventually('deletion recorded on b', TIMEOUT.ready, async () => (await cb.whereIs('runs/durable', userIds[7] as string)).deleted);
    expect(deletions).toBe(true);
    await eventually('every shard back to full depth', TIMEOUT.training, async () => (await cb.getRun('runs/durable')).shards.every((s) => s.serving?.depth === 3));
    ca.close();
    cb.close();
  });
});
