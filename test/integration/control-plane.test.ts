import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as grpcStatus, Client, Metadata, loadPackageDefinition, makeClientConstructor, type ChannelCredentials, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { LETHE_SERVICES } from '../../shared/src/adapters/grpc/protos.js';
import { service as healthService } from 'grpc-health-check';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { deletionImpact } from '../../shared/src/domain/impact.js';
import { placeSample } from '../../shared/src/domain/placement.js';
import { LetheError } from '../../shared/src/errors/errors.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { TestCluster, printLogsOnFailure, TIMEOUT, blobsRun, eventually } from '../support/cluster.js';
import { channelCredentials } from '../../shared/src/security/tls.js';
import { NatsArtifactStore } from '../../shared/src/adapters/nats/nats-artifact-store.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';

describe('control plane: coordinator and two worker processes on real etcd and NATS', () => {
  let cluster: TestCluster;
  printLogsOnFailure(() => cluster);
  /** TLS against the cluster's CA (health and reflection need no credential). */
  const tls = (): ChannelCredentials => channelCredentials({ tls: { caFile: cluster.security.pki.caFile } });
  let client: LetheClient;
  let address: string;
  const dataset = makeBlobs({ samples: 1200, features: 12, classes: 3 });
  const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);

  beforeAll(async () => {
    cluster = await TestCluster.start({ artifacts: 'nats' });
    ({ address } = await cluster.coordinator('coord-a'));
    await cluster.worker('w0', [address]);
    await cluster.worker('w1', [address]);
    client = cluster.client(address);
    await cluster.workersAttached(client, 2);
  });
  afterAll(async () => {
    // A failed start leaves these unset: report that failure, not a second one here.
    client?.close();
    await cluster?.[Symbol.asyncDispose]();
  });

  it('trains, predicts, deletes with a correct receipt, retrains and serves the caller\'s own deletion', async () => {
    const op = await client.createRun(blobsRun('loop'));
    const again = await client.createRun(blobsRun('loop')); // same request id: same operation, nothing new
    expect(again.name).toBe(op.name);
    await client.waitForOperation(op.name, TIMEOUT.training);
    const run = await client.getRun('runs/loop');
    expect(run.state).toBe('RUN_STATE_SERVING');
    const workersUsed = new Set(run.shards.flatMap((s) => s.orderings.flatMap((o) => o.stages.map((st) => st.workerId))));
    expect([...workersUsed].sort()).toEqual(['w0', 'w1']);

    const x = Array.from({ length: 2 * 12 }, (_, i) => Math.sin(i));
    const before = await client.predict('runs/loop', [2, 12], x);
    expect(before.predictedClasses).toHaveLength(2);

    // The receipt must match the S3T core's impact function on the fully trained shard.
    const victim = userIds[10] as string;
    const at = placeSample('loop', victim, 2, 3);
    const receipt = await client.deleteSamples('del-1', 'runs/loop', [victim]);
    const orderings = run.shards[at.shard]?.orderings.map((o) => o.slices) ?? [];
    const expected = deletionImpact(orderings, [], [at.slice]);
    expect(receipt.shards).toEqual([{ shard: at.shard, taintedSlices: [at.slice], newlyTaintedSlices: [at.slice] }]);
    expect(receipt.deactivated.map((d) => [d.ordering, d.stage])).toEqual(expected.deactivated.map((d) => [d.ordering, d.stage]));
    expect(receipt.serving[0]).toMatchObject({ shard: at.shard, live: expected.servingAfter !== null, ordering: expected.servingAfter?.ordering ?? 0, depth: expected.servingAfter?.depth ?? 0 });
    expect(Number(receipt.revision)).toBeGreaterThan(0);

    // Same request id: the first receipt, nothing changed.
    const repeat = await client.deleteSamples('del-1', 'runs/loop', [victim]);
    expect(repeat.name).toBe(receipt.name);
    expect(repeat.revision).toBe(receipt.revision);

    // Served model no longer depends on the victim at the receipt's revision.
    const after = await client.predict('runs/loop', [2, 12], x, receipt.revision);
    expect(after.serving.find((s) => s.shard === at.shard)).toMatchObject({ depth: expected.servingAfter?.depth ?? 0 });
    const where = await client.whereIs('runs/loop', victim);
    expect(where.deleted).toBe(true);
    expect(where.stages.every((s) => s.state !== 'STAGE_STATE_ACTIVE')).toBe(true);

    // Retraining on cleaned slices brings every stage back; then everything trained on the victim is deleted.
    await eventually('deletion retrained and purged', TIMEOUT.training, async () => (await client.getDeletion(receipt.name)).state === 'DELETION_STATE_PURGED');
    const retrained = await client.getRun('runs/loop');
    expect(retrained.shards.every((s) => s.serving?.depth === 3)).toBe(true);
    const deactivatedDigests = receipt.deactivated.map((d) => run.shards[d.shard]?.orderings[d.ordering]?.stages[d.stage - 1]?.artifact ?? '');
    expect(deactivatedDigests.length).toBeGreaterThan(0);
    const listed = JSON.stringify(retrained);
    const artifacts = await NatsArtifactStore.connect([cluster.nats.endpoint]);
    try {
      for (const digest of deactivatedDigests) {
        expect(await artifacts.has(digest)).toBe(false);
        expect(listed).not.toContain(digest);
      }
      // No stored object (weights or id list) names the deleted sample.
      const stored = await artifacts.list();
      expect(stored.length).toBeGreaterThan(0);
      for (const digest of stored) expect(Buffer.from(await artifacts.get(digest)).includes(victim), digest).toBe(false);
    } finally {
      await artifacts.close();
    }
    const served = await client.predict('runs/loop', [2, 12], x, receipt.revision);
    expect(served.serving.every((s) => s.live && s.depth === 3)).toBe(true);
  });

  it('answers bad requests with typed errors, writes nothing, and stays up', async () => {
    const codeOf = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'OK';
      } catch (e) {
        return e instanceof LetheError ? e.code : String(e);
      }
    };
    // The system's own background writes first settle (the outbox relay removes published events within a second),
    // so that the revision can only move if one of the requests below wrote something.
    const store = new EtcdStateStore({ endpoints: [cluster.etcd.endpoint] });
    await eventually('outbox drained', TIMEOUT.ready, async () => (await store.list('/lethe/outbox/')).kvs.length === 0);
    await store.close();
    const before = (await client.getRun('runs/loop')).revision;
    expect(await codeOf(client.deleteSamples('', 'runs/loop', []))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(client.deleteSamples('', 'runs/loop', ['bad\u0000id']))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(client.deleteSamples('', 'runs/loop', [userIds[0] as string, 'not-a-sample']))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(client.deleteSamples('', 'runs/nope', ['x']))).toBe('NOT_FOUND');
    expect(await codeOf(client.deleteSamples('', 'not a run', ['x']))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(client.predict('runs/loop', [2, 5], [1, 2, 3]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(client.whereIs('runs/loop', 'nope'))).toBe('NOT_FOUND');
    // 10^6 ids: refused (by the message size limit or by our own per-request limit), never a crash.
    const million = Array.from({ length: 1_000_000 }, (_, i) => `id-${i}`);
    expect(['RESOURCE_EXHAUSTED', 'INVALID_ARGUMENT']).toContain(await codeOf(client.deleteSamples('', 'runs/loop', million)));
    // Wrong types on the wire: bytes that are not a DeleteSamplesRequest.
    const raw = new Client(address, tls());
    const authorized = new Metadata();
    authorized.set('authorization', `Bearer ${cluster.admin.token}`);
    const wireCode = await new Promise<number>((resolve) =>
      raw.makeUnaryRequest('/lethe.v1.DeletionService/DeleteSamples', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x1a, 0xff, 0xff, 0xff, 0x0f, 0x01]), authorized, (e: ServiceError | null) => resolve(e?.code ?? 0)),
    );
    expect(wireCode).not.toBe(grpcStatus.UNAUTHENTICATED);
    raw.close();
    expect(wireCode).not.toBe(0);
    // Nothing was written by any of these, and the coordinator still serves.
    expect((await client.getRun('runs/loop')).revision).toBe(before);
    expect(await codeOf(client.getRun('runs/loop'))).toBe('OK');
  });

  it('reports health, lists workers with backend and load, and drains one', async () => {
    const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
    const health = new Health(address, tls());
    const status = await new Promise<string>((resolve, reject) =>
      health.makeUnaryRequest('/grpc.health.v1.Health/Check', (x: Buffer) => x, (b: Buffer) => b.toString('hex'), Buffer.from('0a00', 'hex'), (e: ServiceError | null, r?: string) => (e ? reject(e) : resolve(r ?? ''))),
    );
    health.close();
    expect(status).toBe('0801'); // HealthCheckResponse{status: SERVING}
    // Reflection lists every Lethe service, so grpcurl and similar tools can discover the API.
    const reflectionProto = createRequire(import.meta.url).resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
    const reflection = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (a: string, c: ChannelCredentials) => Client & { ServerReflectionInfo(): ClientDuplexStream<object, { list_services_response?: { service: { name: string }[] } }> } } } };
    };
    const rc = new reflection.grpc.reflection.v1.ServerReflection(address, tls());
    const listed = await new Promise<string[]>((resolve, reject) => {
      const call = rc.ServerReflectionInfo();
      call.on('data', (r: { list_services_response?: { service: { name: string }[] } }) => {
        resolve((r.list_services_response?.service ?? []).map((x) => x.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '*' });
    });
    rc.close();
    for (const name of LETHE_SERVICES) expect(listed).toContain(name);
    const workers = (await client.listWorkers()).workers;
    expect(workers.map((w) => w.name).sort()).toEqual(['workers/w0', 'workers/w1']);
    expect(workers.every((w) => w.backend === 'wasm' && w.slots === 1)).toBe(true);
    const drained = await client.drainWorker('workers/w1');
    expect(drained.state).toBe('WORKER_STATE_DRAINING');
    expect(await client.drainWorker('workers/nope').catch((e: unknown) => (e instanceof LetheError ? e.code : 'other'))).toBe('NOT_FOUND');
    // New work goes to w0 only.
    await client.waitForOperation((await client.createRun(blobsRun('after-drain'))).name, TIMEOUT.training);
    const run = await client.getRun('runs/after-drain');
    expect(new Set(run.shards.flatMap((s) => s.orderings.flatMap((o) => o.stages.map((st) => st.workerId))))).toEqual(new Set(['w0']));
  });

  it('answers deletions while a 10,000-row prediction is computing: inference runs off the event loop', async () => {
    await client.waitForOperation((await client.createRun(blobsRun('wide-model', { hidden: 512 }))).name, TIMEOUT.training);
    const rows = 10_000;
    const x = Array.from({ length: rows * 12 }, (_, i) => Math.sin(i));
    await client.predict('runs/wide-model', [1, 12], x.slice(0, 12)); // weights loaded and cached: the next call goes straight to compute
    const order: string[] = [];
    const started = performance.now();
    const predicting = client.predict('runs/wide-model', [rows, 12], x).then((p) => {
      order.push('predict');
      return { p, ms: performance.now() - started };
    });
    await new Promise((r) => setTimeout(r, 150));
    const receipt = await client.deleteSamples('', 'runs/wide-model', [userIds[200] as string]);
    const deletedMs = performance.now() - started;
    order.push('delete');
    const { p, ms } = await predicting;
    expect(p.predictedClasses).toHaveLength(rows);
    expect(receipt.sampleCount).toBe(1);
    // The prediction is long (it has to be, for the test to mean anything); the deletion does not wait for it.
    expect(ms).toBeGreaterThan(deletedMs);
    expect(order).toEqual(['delete', 'predict']);
  });
});
