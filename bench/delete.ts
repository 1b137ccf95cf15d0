/**
 * bench:delete — against a real local etcd (and NATS): latency of single-id deletions over gRPC and throughput of
 * batched deletions, next to a bare etcd transaction of the same shape (5 compares, 3 puts of the same sizes)
 * measured in the same run, interleaved in rounds so machine noise hits both alike.
 *
 *   npm run bench:delete [-- --quick] [-- --json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcdServer, startNatsServer } from '../shared/src/adapters/process/local-servers.js';
import { EtcdStateStore } from '../shared/src/adapters/etcd/etcd-state-store.js';
import { NatsEventBus } from '../shared/src/adapters/nats/nats-event-bus.js';
import { FsArtifactStore } from '../shared/src/adapters/fs/fs-artifact-store.js';
import { createLogger } from '../shared/src/log/logger.js';
import { makeBlobs } from '../shared/src/ml/data/synthetic.js';
import { Coordinator } from '../coordinator/src/coordinator.js';
import { LetheClient } from '../coordinator/src/client/lethe-client.js';
import { quantile } from '../shared/src/util/stats.js';
import { emit, fmt, hasFlag, table } from './lib/report.js';
import { bareDeletionTxn } from './lib/bare-txn.js';
import { UNLIMITED_DELETIONS } from '../coordinator/src/security/rate-limiter.js';
import { testSecurity } from '../shared/src/testing/test-security.js';

const quick = hasFlag('--quick');
const asJson = hasFlag('--json');
const ROUNDS = quick ? 3 : 6;
const PER_ROUND = quick ? 60 : 150;
const BATCHES = quick ? 5 : 20;
const BATCH = 1000;
const SAMPLES = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'lethe-bench-delete-'));
const etcd = await startEtcdServer();
const nats = await startNatsServer();
const store = new EtcdStateStore({ endpoints: [etcd.endpoint] });
const bareStore = new EtcdStateStore({ endpoints: [etcd.endpoint] });
const events = await NatsEventBus.connect([nats.endpoint]);
const logger = createLogger({ service: 'bench', level: 'error' });
const coordinator = await Coordinator.start({ ...(await testSecurity()).local.server, deletionLimits: UNLIMITED_DELETIONS, store, events, artifacts: new FsArtifactStore(join(dir, 'artifacts')), logger, listen: '127.0.0.1:0', backend: 'wasm' });
const client = new LetheClient(coordinator.address, (await testSecurity()).admin);
for (let i = 0; i < 100 && !coordinator.isLeader; i++) await new Promise((r) => setTimeout(r, 100));

// A run with many user samples; deletions need no trained stages.
await client.createRun({
  requestId: 'bench',
  runId: 'bench',
  spec: { dataset: { builtin: 'blobs', samples: SAMPLES, features: 4, classes: 2, publicFraction: 0.05, testFraction: 0.05 }, shards: 8, slices: 4, budget: 4, epochs: 1 },
});
const dataset = makeBlobs({ samples: SAMPLES, features: 4, classes: 2, publicFraction: 0.05, testFraction: 0.05 });
const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);
let next = 0;
const take = (n: number): string[] => userIds.slice(next, (next += n));

// Value lengths of a single-id deletion's puts: the shard's generations, the deletion record, the request record.
const BARE_VALUES = [40, 900, 120];
const bareTxn = (): Promise<number> => bareDeletionTxn(bareStore, BARE_VALUES);

const deleteMs: number[] = [];
const txnMs: number[] = [];
for (let i = 0; i < 20; i++) {
  await bareTxn();
  await client.deleteSamples(`warm-${i}`, 'runs/bench', take(1));
}
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < PER_ROUND; i++) txnMs.push(await bareTxn());
  for (let i = 0; i < PER_ROUND; i++) {
    const ids = take(1);
    const t0 = performance.now();
    await client.deleteSamples(`single-${round}-${i}`, 'runs/bench', ids);
    deleteMs.push(performance.now() - t0);
  }
}
const batchStart = performance.now();
let batchedIds = 0;
for (let b = 0; b < BATCHES; b++) {
  const ids = take(BATCH);
  await client.deleteSamples(`batch-${b}`, 'runs/bench', ids);
  batchedIds += ids.length;
}
const batchedIdsPerSec = batchedIds / ((performance.now() - batchStart) / 1000);

client.close();
await coordinator.stop();
await events.close();
await Promise.all([store.close(), bareStore.close()]);
await nats.stop();
await etcd.stop();
rmSync(dir, { recursive: true, force: true });

const result = {
  deleteP50Ms: quantile(deleteMs, 0.5),
  deleteP99Ms: quantile(deleteMs, 0.99),
  etcdTxnP50Ms: quantile(txnMs, 0.5),
  etcdTxnP99Ms: quantile(txnMs, 0.99),
  batchedIdsPerSec,
};
const text = [
  `DeleteSamples over gRPC (coordinator in-process, real etcd ${etcd.endpoint.split(':')[0]}, NATS events), ${deleteMs.length} single-id requests vs ${txnMs.length} bare etcd txns (5 compares, 3 puts), ${ROUNDS} interleaved rounds${quick ? ' (quick)' : ''}`,
  table(
    ['', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    [
      ['DeleteSamples, 1 id', result.deleteP50Ms, quantile(deleteMs, 0.9), result.deleteP99Ms, Math.max(...deleteMs)],
      ['bare etcd txn, same shape', result.etcdTxnP50Ms, quantile(txnMs, 0.9), result.etcdTxnP99Ms, Math.max(...txnMs)],
    ],
  ),
  `p99 ratio DeleteSamples / bare txn: ${fmt(result.deleteP99Ms / result.etcdTxnP99Ms)}× (target ≤ 3×)`,
  `batched: ${BATCHES} requests of ${BATCH} ids: ${fmt(batchedIdsPerSec)} deleted ids/s (target ≥ 5,000)`,
].join('\n');
emit(text, result, asJson);
process.exit(0);
