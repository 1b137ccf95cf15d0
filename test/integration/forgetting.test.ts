import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { startInProcessCoordinator, type InProcessCoordinator } from '../support/in-process.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { startEtcdServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { blobsRun } from '../support/cluster.js';

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the lineage keeps no deleted identifier: etcd (its data directory included) never holds one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-forget-'));
  let etcd: LocalServer;
  let lethe: InProcessCoordinator;
  let client: LetheClient;
  const dataset = makeBlobs({ samples: 1200, features: 12, classes: 3 });
  const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);

  beforeAll(async () => {
    etcd = await startEtcdServer({ dataDir: join(dir, 'etcd') });
    lethe = await startInProcessCoordinator(new EtcdStateStore({ endpoints: [etcd.endpoint] }));
    client = lethe.client;
    await client.createRun(blobsRun('forget'));
  });
  afterAll(async () => {
    await lethe.dispose();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores keyed digests only, yet locates deleted samples and replays request ids', async () => {
    const victims = userIds.slice(100, 140);
    const receipts = [];
    for (let i = 0; i < victims.length; i += 8) receipts.push(await client.deleteSamples(`forget-${i}`, 'runs/forget', victims.slice(i, i + 8)));
    // WhereIs and AIP-155 replays work from the digests.
    for (const id of victims) expect((await client.whereIs('runs/forget', id)).deleted).toBe(true);
    expect((await client.whereIs('runs/forget', userIds[0] as string)).deleted).toBe(false);
    const replay = await client.deleteSamples('forget-0', 'runs/forget', victims.slice(0, 8).reverse());
    expect(replay.name).toBe(receipts[0]?.name);
    expect((await client.deleteSamples('forget-again', 'runs/forget', victims.slice(0, 3))).alreadyDeleted).toBe(3);

    // Every byte etcd wrote to disk (WAL, snapshots, the bolt database): no sample id at all, deleted or not.
    // (Ids are "blob-<n>"; nothing but a sample id would contain "blob-".)
    const dataFiles = files(join(dir, 'etcd'));
    expect(dataFiles.length).toBeGreaterThan(0);
    for (const f of dataFiles) {
      const bytes = readFileSync(f);
      expect(bytes.includes('blob-'), f).toBe(false);
    }
    // The API does not serve the digest key.
    const store = new EtcdStateStore({ endpoints: [etcd.endpoint] });
    const stored = JSON.parse((await store.get('/lethe/runs/forget/spec'))?.value ?? '{}') as { sampleIdKey?: string };
    await store.close();
    expect(stored.sampleIdKey).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await client.getRun('runs/forget'))).not.toContain(stored.sampleIdKey);
  });
});
