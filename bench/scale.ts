/**
 * bench:scale — the exact core at production scale on a stock-configured etcd (--max-txn-ops 128, 1.5 MiB
 * requests): a planned run over 1,000,000 synthetic samples, m = 256, L = 8, B = 4 (deletions apply to a planned run
 * exactly as to a trained one, so no workers are needed). Measures the coordinator's RSS, single-id DeleteSamples
 * p50/p99 beside a bare etcd transaction of the same shape (interleaved rounds, as bench:delete does) after 0 and
 * after 100,000 prior deletions, ListDeletions and WhereIs latency, and the etcd bytes one single-id deletion writes.
 *
 *   npm run bench:scale [-- --quick] [-- --json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcdServer } from '../shared/src/adapters/process/local-servers.js';
import { EtcdStateStore } from '../shared/src/adapters/etcd/etcd-state-store.js';
import { FsArtifactStore } from '../shared/src/adapters/fs/fs-artifact-store.js';
import { InMemoryEventBus } from '../shared/src/testing/in-memory-event-bus.js';
import { createLogger } from '../shared/src/log/logger.js';
import { Coordinator } from '../coordinator/src/coordinator.js';
import { LetheClient } from '../coordinator/src/client/lethe-client.js';
import { runSamples } from '../coordinator/src/runs/run-catalog.js';
import { parseRunSpec } from '../shared/src/domain/run-spec.js';
import { quantile } from '../shared/src/util/stats.js';
import { emit, fmt, hasFlag, table } from './lib/report.js';
import { bareDeletionTxn } from './lib/bare-txn.js';
import { UNLIMITED_DELETIONS } from '../coordinator/src/security/rate-limiter.js';
import { testSecurity } from '../shared/src/testing/test-security.js';

const quick = hasFlag('--quick');
const asJson = hasFlag('--json');
const SAMPLES = quick ? 100_000 : 1_000_000;
const SHARDS = quick ? 64 : 256;
const SLICES = 8;
const BUDGET = 4;
const PRIOR = quick ? 10_000 : 100_000;
const PRIOR_BATCH = 1000;
const ROUNDS = quick ? 2 : 4;
const PER_ROUND = quick ? 50 : 100;
const READS = quick ? 50 : 200;

const dir = mkdtempSync(join(tmpdir(), 'lethe-bench-scale-'));
const etcd = await startEtcdServer({ dataDir: join(dir, 'etcd') }); // stock limits
const store = new EtcdStateStore({ endpoints: [etcd.endpoint] });
const bareStore = new EtcdStateStore({ endpoints: [etcd.endpoint] });
const prefix = '/lethe/';
const coordinator = await Coordinator.start({ ...(await testSecurity()).local.server, deletionLimits: UNLIMITED_DELETIONS, store, events: new InMemoryEventBus(), artifacts: new FsArtifactStore(join(dir, 'artifacts')), logger: createLogger({ service: 'bench', level: 'error' }), listen: '127.0.0.1:0', prefix, backend: 'wasm' });
const client = new LetheClient(coordinator.address, (await testSecurity()).admin, 120_000);
for (let i = 0; i < 100 && !coordinator.isLeader; i++) await new Promise((r) => setTimeout(r, 100));

const spec = { dataset: { builtin: 'blobs', samples: SAMPLES, features: 2, classes: 2, publicFraction: 0.05, testFraction: 0.05 }, shards: SHARDS, slices: SLICES, budget: BUDGET };
const createStart = performance.now();
await client.createRun({ requestId: 'scale', runId: 'scale', spec });
const createMs = performance.now() - createStart;
// The coordinator's own sample index (same process): no second copy of the dataset.
const parsed = parseRunSpec(spec);
const samples = runSamples('scale', 'scale', parsed);
const userIds = Array.from(samples.dataset.split.user, (r) => samples.dataset.ids[r] as string);
let next = 0;
const take = (n: number): string[] => userIds.slice(next, (next += n));

/**
 * Bytes (keys and values) of every put in a deletion's transaction, replayed from etcd's own history (so the
 * outbox event, published and removed right after, counts too).
 */
async function bytesWritten(revision: number): Promise<{ bytes: number; keys: Map<string, number>; valueLengths: number[] }> {
  const keys = new Map<string, number>();
  const valueLengths: number[] = [];
  let bytes = 0;
  const stop = new AbortController();
  for await (const e of bareStore.watch(prefix, { fromRevision: revision, signal: stop.signal })) {
    if (e.type === 'put' && e.revision === revision) {
      const size = Buffer.byteLength(e.kv.key) + Buffer.byteLength(e.kv.value);
      valueLengths.push(Buffer.byteLength(e.kv.value));
      keys.set(e.kv.key.replace(/[0-9]{13}-[0-9a-f]{8}|\/\d{5}$/g, '<id>'), size);
      bytes += size;
    }
    if (e.revision >= revision && e.revisionDone) break;
  }
  stop.abort();
  return { bytes, keys, valueLengths };
}

// Warm up, and learn the shape of a single-id deletion's transaction to build the bare one like it.
for (let i = 0; i < 20; i++) await client.deleteSamples(`warm-${i}`, 'runs/scale', take(1));
const probe = await client.deleteSamples('probe', 'runs/scale', take(1));
const written = await bytesWritten(Number(probe.revision));

const bareTxn = (): Promise<number> => bareDeletionTxn(bareStore, written.valueLengths);

async function latencies(label: string): Promise<{ deleteMs: number[]; txnMs: number[] }> {
  const deleteMs: number[] = [];
  const txnMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < PER_ROUND; i++) txnMs.push(await bareTxn());
    for (let i = 0; i < PER_ROUND; i++) {
      const ids = take(1);
      const t0 = performance.now();
      await client.deleteSamples(`${label}-${round}-${i}`, 'runs/scale', ids);
      deleteMs.push(performance.now() - t0);
    }
  }
  return { deleteMs, txnMs };
}

const at0 = await latencies('at0');
const priorStart = performance.now();
for (let done = 0; done < PRIOR; done += PRIOR_BATCH) await client.deleteSamples(`prior-${done}`, 'runs/scale', take(PRIOR_BATCH));
const priorSeconds = (performance.now() - priorStart) / 1000;
const at100k = await latencies('at100k');

const listMs: number[] = [];
const whereMs: number[] = [];
for (let i = 0; i < READS; i++) {
  const t0 = performance.now();
  await client.listDeletions('runs/scale', 100);
  listMs.push(performance.now() - t0);
  const t1 = performance.now();
  await client.whereIs('runs/scale', userIds[(i * 7919) % next] as string);
  whereMs.push(performance.now() - t1);
}
const rssMb = process.memoryUsage().rss / 2 ** 20;
const heapMb = process.memoryUsage().heapUsed / 2 ** 20;

client.close();
await coordinator.stop();
await Promise.all([store.close(), bareStore.close()]);
await etcd.stop();
rmSync(dir, { recursive: true, force: true });

const p99 = (xs: number[]): number => quantile(xs, 0.99);
const result = {
  samples: SAMPLES,
  shards: SHARDS,
  rssMb,
  deleteP99Ms: { at0: p99(at0.deleteMs), at100k: p99(at100k.deleteMs) },
  etcdTxnP99Ms: { at0: p99(at0.txnMs), at100k: p99(at100k.txnMs) },
  bytesPerDeletion: written.bytes,
};
const row = (name: string, xs: number[]): (string | number)[] => [name, quantile(xs, 0.5), quantile(xs, 0.9), p99(xs), Math.max(...xs)];
const text = [
  `bench:scale: ${SAMPLES.toLocaleString('en-US')} samples, m=${SHARDS}, L=${SLICES}, B=${BUDGET} (${SHARDS * SLICES * BUDGET} stages), stock etcd ${etcd.endpoint}${quick ? ' (quick)' : ''}`,
  `CreateRun ${fmt(createMs / 1000)} s; ${PRIOR.toLocaleString('en-US')} prior deletions in ${PRIOR / PRIOR_BATCH} requests of ${PRIOR_BATCH}: ${fmt(priorSeconds)} s`,
  table(
    ['', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    [
      row('DeleteSamples, 1 id, after 0', at0.deleteMs),
      row('bare etcd txn, same shape, after 0', at0.txnMs),
      row(`DeleteSamples, 1 id, after ${PRIOR.toLocaleString('en-US')}`, at100k.deleteMs),
      row(`bare etcd txn, same shape, after ${PRIOR.toLocaleString('en-US')}`, at100k.txnMs),
      row('ListDeletions, page of 100', listMs),
      row('WhereIs', whereMs),
    ],
  ),
  table(
    ['target', 'measured', 'limit', 'met'],
    [
      ['coordinator RSS (MiB)', rssMb, 1024, rssMb <= 1024 ? 'yes' : 'NO'],
      ['delete p99 / bare txn p99, after 0', result.deleteP99Ms.at0 / result.etcdTxnP99Ms.at0, 2, result.deleteP99Ms.at0 <= 2 * result.etcdTxnP99Ms.at0 ? 'yes' : 'NO'],
      [`delete p99 / bare txn p99, after ${PRIOR.toLocaleString('en-US')}`, result.deleteP99Ms.at100k / result.etcdTxnP99Ms.at100k, 2, result.deleteP99Ms.at100k <= 2 * result.etcdTxnP99Ms.at100k ? 'yes' : 'NO'],
      ['etcd bytes per single-id deletion', written.bytes, 2048, written.bytes <= 2048 ? 'yes' : 'NO'],
    ],
  ),
  `keys one single-id deletion writes: ${[...written.keys].map(([k, n]) => `${k} (${n} B)`).join(', ')}; heap ${fmt(heapMb)} MiB`,
].join('\n');
emit(text, result, asJson);
process.exit(0);
