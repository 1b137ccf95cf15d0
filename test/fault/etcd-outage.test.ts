import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { channelCredentials } from '../../shared/src/security/tls.js';
import { testSecurity } from '../../shared/src/testing/test-security.js';
import { service as healthService } from 'grpc-health-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Coordinator } from '../../coordinator/src/coordinator.js';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { startInProcessCoordinator, type InProcessCoordinator } from '../support/in-process.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { startEtcdServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import { LetheError } from '../../shared/src/errors/errors.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { blobsRun, eventually } from '../support/cluster.js';

/** HealthCheckResponse.status of the whole server: 1 SERVING, 2 NOT_SERVING. */
async function healthOf(address: string): Promise<number> {
  const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
  const health = new Health(address, channelCredentials((await testSecurity()).admin.transport));
  try {
    const hex = await new Promise<string>((resolve, reject) =>
      health.makeUnaryRequest('/grpc.health.v1.Health/Check', (x: Buffer) => x, (b: Buffer) => b.toString('hex'), Buffer.from('0a00', 'hex'), { deadline: Date.now() + 3000 }, (e: ServiceError | null, r?: string) => (e ? reject(e) : resolve(r ?? ''))),
    );
    return hex === '' ? 0 : Number.parseInt(hex.slice(2), 16);
  } finally {
    health.close();
  }
}

describe('etcd outage: deletions answer UNAVAILABLE (retryable) and health says NOT_SERVING until etcd is back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-outage-'));
  let etcd: LocalServer;
  let port: number;
  let lethe: InProcessCoordinator;
  let coordinator: Coordinator;
  let client: LetheClient;
  const dataset = makeBlobs({ samples: 1200, features: 12, classes: 3 });
  const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);

  beforeAll(async () => {
    etcd = await startEtcdServer({ dataDir: join(dir, 'etcd') });
    port = Number(etcd.endpoint.split(':')[1]);
    lethe = await startInProcessCoordinator(new EtcdStateStore({ endpoints: [etcd.endpoint], callTimeoutMs: 1500 }), { storeProbeMs: 300 });
    ({ coordinator, client } = lethe);
    await client.createRun(blobsRun('outage'));
  });
  afterAll(async () => {
    await lethe.dispose();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses with a retryable status naming the cause, reports NOT_SERVING, and recovers when etcd returns', async () => {
    expect(await healthOf(coordinator.address)).toBe(1);
    // A watch opened before the outage (as every coordinator's mirror holds one) must resume soon after etcd returns.
    const watching = new EtcdStateStore({ endpoints: [etcd.endpoint], callTimeoutMs: 1500 });
    const abort = new AbortController();
    const seen: { key: string; at: number }[] = [];
    void (async () => {
      for await (const e of watching.watch('probe/', { signal: abort.signal })) if (e.type === 'put') seen.push({ key: e.kv.key, at: Date.now() });
    })();
    await eventually('the watch is live', 5000, async () => {
      await watching.txn({ compare: [], success: [{ type: 'put', key: 'probe/before', value: '1' }] });
      return seen.some((e) => e.key === 'probe/before');
    });
    await etcd.stop();
    const refused = await client.deleteSamples('outage-1', 'runs/outage', [userIds[0] as string]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(LetheError);
    const err = refused as LetheError;
    // Either etcd's own unavailability or the lost leadership that follows it: both are gRPC UNAVAILABLE, retryable.
    expect(['UNAVAILABLE', 'NOT_LEADER']).toContain(err.code);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/retry/);
    await eventually('health NOT_SERVING', 10_000, async () => (await healthOf(coordinator.address)) === 2);

    etcd = await startEtcdServer({ dataDir: join(dir, 'etcd'), port });
    await eventually('health SERVING again', 20_000, async () => (await healthOf(coordinator.address)) === 1);
    // etcd3's default watch backoff grows toward 30 s during an outage; Lethe's retries at least every 2 s.
    const writer = new EtcdStateStore({ endpoints: [etcd.endpoint], callTimeoutMs: 1500 });
    const written = Date.now();
    await writer.txn({ compare: [], success: [{ type: 'put', key: 'probe/after', value: '1' }] });
    await eventually('the watch resumed', 4000, () => Promise.resolve(seen.some((e) => e.key === 'probe/after')));
    expect((seen.find((e) => e.key === 'probe/after')?.at ?? Infinity) - written).toBeLessThan(4000);
    abort.abort();
    await Promise.all([writer.close(), watching.close()]);
    const receipt = await eventually('deletion accepted after the outage', 30_000, () => client.deleteSamples('outage-1', 'runs/outage', [userIds[0] as string]));
    expect(receipt.sampleCount).toBe(1);
    expect((await client.whereIs('runs/outage', userIds[0] as string)).deleted).toBe(true);
  });
});
