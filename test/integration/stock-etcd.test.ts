import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { startInProcessCoordinator, type InProcessCoordinator } from '../support/in-process.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { startEtcdServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { placeSample } from '../../shared/src/domain/placement.js';
import { Keys } from '../../coordinator/src/state/keys.js';
import { eventually } from '../support/eventually.js';

/**
 * Wide writes on an etcd with production limits (128 operations per transaction, 1.5 MiB per request): a retry of
 * 200 shards' FAILED stages, and deletions: one
 * touching 200 shards and one of 40,000 ids both succeed, split into parts that each stay exact.
 */
describe('deletions on a stock-configured etcd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-stock-'));
  let etcd: LocalServer;
  let lethe: InProcessCoordinator;
  let client: LetheClient;
  let store: EtcdStateStore;

  beforeAll(async () => {
    etcd = await startEtcdServer({ dataDir: join(dir, 'etcd') }); // --max-txn-ops 128, default request limit
    store = new EtcdStateStore({ endpoints: [etcd.endpoint] });
    lethe = await startInProcessCoordinator(store, { clientTimeoutMs: 60_000 });
    client = lethe.client;
  });
  afterAll(async () => {
    await lethe.dispose();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes across 200 shards in one request: every shard deactivated, one receipt, replayable', async () => {
    const samples = 10_000;
    await client.createRun({ requestId: '', runId: 'wide', spec: { dataset: { builtin: 'blobs', samples, features: 4, classes: 2 }, shards: 200, slices: 2, budget: 1 } });
    const data = makeBlobs({ samples, features: 4, classes: 2 });
    const user = Array.from(data.split.user, (r) => data.ids[r] as string);
    // One id per shard: 200 shards in one request.
    const perShard = new Map<number, string>();
    for (const id of user) {
      const { shard } = placeSample('wide', id, 200, 2);
      if (!perShard.has(shard)) perShard.set(shard, id);
    }
    expect(perShard.size).toBe(200);
    const ids = [...perShard.values()];
    const receipt = await client.deleteSamples('wide-1', 'runs/wide', ids);
    expect(receipt.sampleCount).toBe(200);
    expect(new Set(receipt.shards.map((s) => s.shard)).size).toBe(200);
    const again = await client.getDeletion(receipt.name);
    expect(again.receipt?.shards.length).toBe(200);
    expect(again.receipt?.revision).toBe(receipt.revision);
    expect((await client.deleteSamples('wide-1', 'runs/wide', [...ids].reverse())).name).toBe(receipt.name);
    for (const id of ids.slice(0, 20)) expect((await client.whereIs('runs/wide', id)).deleted).toBe(true);
    const run = await client.getRun('runs/wide', receipt.revision);
    expect(run.shards.every((s) => s.taintedSlices.length === 0)).toBe(true); // nothing was trained: nothing tainted
  });

  it('retries FAILED and backing-off stages across 200 shards in one request (transactions of 40 shards), and nothing else changes', async () => {
    await client.createRun({ requestId: '', runId: 'wide-failed', spec: { dataset: { builtin: 'blobs', samples: 4_000, features: 4, classes: 2 }, shards: 200, slices: 1, budget: 1 } });
    const keys = new Keys('/lethe/');
    const failed = { attempts: 5, lastError: 'out of memory', retryAtMs: 0, final: true };
    const backingOff = { attempts: 2, lastError: 'boom', retryAtMs: Date.now() + 3_600_000, final: false };
    // Every shard's stage ran out of tries (as the scheduler records it), one shard's other stage still backs off.
    for (let shard = 0; shard < 200; shard++) {
      const failures = { '0': failed, ...(shard === 7 ? { '9': backingOff } : {}) };
      await store.txn({ compare: [], success: [{ type: 'put', key: keys.shard('wide-failed', shard), value: JSON.stringify({ committed: {}, training: {}, failures, samplePasses: 0, discardedSamplePasses: 0 }) }] });
    }
    await eventually('200 failed stages seen', 10_000, async () => (await client.getRun('runs/wide-failed')).shards.every((s) => s.orderings[0]?.stages[0]?.failedAttempts === 5));
    await client.retryRun('runs/wide-failed');
    for (let shard = 0; shard < 200; shard++) {
      // Fresh tries for both; the rest of each record as it was.
      const body = JSON.parse((await store.get(keys.shard('wide-failed', shard)))?.value ?? '{}') as Record<string, unknown>;
      expect(body, `shard ${shard}`).toEqual({ committed: {}, training: {}, failures: {}, samplePasses: 0, discardedSamplePasses: 0 });
    }
    expect((await client.getRun('runs/wide-failed')).shards.every((s) => s.orderings[0]?.stages[0]?.failedAttempts === 0)).toBe(true);
  });

  it('deletes 40,000 ids in one request', async () => {
    const samples = 70_000;
    await client.createRun({ requestId: '', runId: 'deep', spec: { dataset: { builtin: 'blobs', samples, features: 4, classes: 2 }, shards: 4, slices: 2, budget: 2 } });
    const data = makeBlobs({ samples, features: 4, classes: 2 });
    const ids = Array.from(data.split.user, (r) => data.ids[r] as string).slice(0, 40_000);
    expect(ids).toHaveLength(40_000);
    const receipt = await client.deleteSamples('deep-1', 'runs/deep', ids);
    expect(receipt.sampleCount).toBe(40_000);
    const listed = await client.listDeletions('runs/deep');
    expect(listed.deletions.map((d) => d.receipt?.name)).toEqual([receipt.name]);
    expect(listed.deletions[0]?.receipt?.sampleCount).toBe(40_000);
    for (const id of [ids[0], ids[19_999], ids[39_999]]) expect((await client.whereIs('runs/deep', id as string)).deleted).toBe(true);
    const second = await client.deleteSamples('', 'runs/deep', ids.slice(0, 10));
    expect(second).toMatchObject({ name: '', sampleCount: 0, alreadyDeleted: 10 });
  });
});
