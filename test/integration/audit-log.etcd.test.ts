import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcdServer } from '../../shared/src/adapters/process/local-servers.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { InMemoryEventBus } from '../../shared/src/testing/in-memory-event-bus.js';
import { createLogger } from '../../shared/src/log/logger.js';
import { put } from '../../shared/src/ports/state-store.js';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { Coordinator } from '../../coordinator/src/coordinator.js';
import { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { Keys } from '../../coordinator/src/state/keys.js';
import { readAuditLog } from '../../coordinator/src/audit/audit-log.js';
import { main } from '../../coordinator/src/cli/program.js';
import { eventually } from '../support/eventually.js';
import { testSecurity } from '../../shared/src/testing/test-security.js';

const PREFIX = '/audit-it/';
const spec = { dataset: { builtin: 'blobs', samples: 300, features: 4, classes: 2 }, shards: 2, slices: 2, budget: 1 };

describe('lethe audit verify on a real etcd', () => {
  let etcd: Awaited<ReturnType<typeof startEtcdServer>>;
  let store: EtcdStateStore;
  let coordinator: Coordinator;
  let client: LetheClient;
  const dir = mkdtempSync(join(tmpdir(), 'lethe-audit-'));

  beforeAll(async () => {
    etcd = await startEtcdServer();
    store = new EtcdStateStore({ endpoints: [etcd.endpoint] });
    coordinator = await Coordinator.start({ ...(await testSecurity()).local.server, store, events: new InMemoryEventBus(), artifacts: new FsArtifactStore(join(dir, 'a')), logger: createLogger({ service: 'test', level: 'silent' }), listen: '127.0.0.1:0', prefix: PREFIX, backend: 'cpu' });
    await eventually('leader', 15_000, () => Promise.resolve(coordinator.isLeader));
    client = new LetheClient(coordinator.address, (await testSecurity()).admin, 15_000);
  }, 60_000);
  afterAll(async () => {
    client.close();
    await coordinator.stop();
    await store.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes on the log the coordinator wrote, offline or with the key from the coordinator, and fails once a record is changed', async () => {
    await client.createRun({ requestId: '', runId: 'audit-it', spec });
    const data = loadDataset(parseRunSpec(spec).dataset);
    await client.deleteSamples('', 'runs/audit-it', [data.ids[data.split.user[0] as number] as string]);
    const keys = new Keys(PREFIX);
    await eventually('chained', 10_000, async () => ((await readAuditLog(store, keys)).records.length === 2 ? true : undefined));
    const pem = join(dir, 'key.pem');
    writeFileSync(pem, (await client.getReceiptKey()).publicKeyPem);
    expect(await main(['audit', 'verify', '--etcd', etcd.endpoint, '--prefix', PREFIX, '--public-key', pem])).toBe(0);
    expect(await main([...(await testSecurity()).adminFlags, 'audit', 'verify', '--etcd', etcd.endpoint, '--prefix', PREFIX, '--coordinator', coordinator.address])).toBe(0);
    const { records } = await readAuditLog(store, keys);
    await put(store, keys.auditRecord(1), JSON.stringify({ ...records[0], at: '2020-01-01T00:00:00.000Z' }));
    expect(await main(['audit', 'verify', '--etcd', etcd.endpoint, '--prefix', PREFIX, '--public-key', pem])).toBe(1);
  });
});
