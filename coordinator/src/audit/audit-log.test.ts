import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import { verifyAuditLog } from '../../../shared/src/domain/audit-chain.js';
import { parseRunSpec } from '../../../shared/src/domain/run-spec.js';
import { loadDataset } from '../../../shared/src/ml/data/registry.js';
import { put } from '../../../shared/src/ports/state-store.js';
import { startEmbeddedCoordinator, type EmbeddedCoordinator } from '../../../test/support/embedded-coordinator.js';
import { eventually } from '../../../test/support/eventually.js';
import { Keys } from '../state/keys.js';
import { readAuditLog } from './audit-log.js';

const PREFIX = '/audited/';
const spec = { dataset: { builtin: 'blobs', samples: 300, features: 4, classes: 2 }, shards: 2, slices: 2, budget: 1 };

describe('the audit log, as the coordinator writes it', () => {
  let cluster: EmbeddedCoordinator;
  beforeAll(async () => {
    cluster = await startEmbeddedCoordinator(PREFIX);
  });
  afterAll(() => cluster.close());

  it('chains deletions and administrative actions in commit order, signed; a change in the store is detected', async () => {
    const { client, store } = cluster;
    const keys = new Keys(PREFIX);
    await client.createRun({ requestId: '', runId: 'audited', spec });
    const data = loadDataset(parseRunSpec(spec).dataset);
    const user = (i: number): string => data.ids[data.split.user[i] as number] as string;
    const first = await client.deleteSamples('', 'runs/audited', [user(0)]);
    const second = await client.deleteSamples('', 'runs/audited', [user(1), user(2)]);
    await client.deleteSamples('', 'runs/audited', [user(1)]); // already deleted: nothing written, nothing audited
    const w = await cluster.worker('w-audit');
    await client.drainWorker('workers/w-audit');
    await client.undrainWorker('workers/w-audit');
    await client.cancelOperation('operations/runs/audited');
    await client.deleteRun('runs/audited');
    const token = await client.createToken('svc-audit', ['reader']);
    await client.revokeToken(token.token?.name ?? '');
    w.close();

    const publicKey = createPublicKey((await client.getReceiptKey()).publicKeyPem);
    const { records, head } = await eventually('every action chained', 5_000, async () => {
      const l = await readAuditLog(store, keys);
      return l.records.length === 9 && (await store.list(keys.auditPending())).kvs.length === 0 ? l : undefined;
    });
    expect(records.map((r) => [r.action, r.subject])).toEqual([
      ['run.create', 'runs/audited'],
      ['deletion', first.name],
      ['deletion', second.name],
      ['worker.drain', 'workers/w-audit'],
      ['worker.undrain', 'workers/w-audit'],
      ['run.cancel', 'runs/audited'],
      ['run.delete', 'runs/audited'],
      ['token.create', token.token?.name],
      ['token.revoke', token.token?.name],
    ]);
    // Every record names the authenticated caller that acted.
    expect(records.map((r) => r.details['by'])).toEqual(new Array(9).fill('test-admin'));
    expect(verifyAuditLog(records, head, publicKey)).toEqual({ ok: true, records: 9 });

    // Someone with write access to etcd edits a record: the log no longer verifies.
    const victim = records[1];
    await put(store, keys.auditRecord(2), JSON.stringify({ ...victim, subject: 'runs/audited/deletions/other' }));
    const tampered = await readAuditLog(store, keys);
    expect(verifyAuditLog(tampered.records, tampered.head, publicKey)).toMatchObject({ ok: false, seq: 2 });
  });
});
