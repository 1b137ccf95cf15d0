/**
 * bench:stream — a live run under a Poisson stream of single-id deletions. S3T under each retraining policy, SISA
 * (B = 1, the same policies) and full retraining (one model; while it retrains, the exact answer is the backbone
 * fallback) each train MNIST on the same embedded cluster (in-memory twins of etcd and NATS, the same worker
 * threads), then take deletions at rate λ for a fixed wall time while served test accuracy is sampled through
 * Predict(min_revision). Prints a table per rate and writes an HTML report with SVG plots under reports/.
 *
 *   npm run bench:stream [-- --quick] [-- --json] [-- --no-frozen-cache] [-- --cancel-grace-ms N]
 *     [-- --stride N --epochs N --pretrain-epochs N --stream-s N --rates a,b,c --policies eager,coalesce,capacity,capacity-left,deepest]  (override the setting)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '../coordinator/src/coordinator.js';
import { UNLIMITED_DELETIONS } from '../coordinator/src/security/rate-limiter.js';
import { LetheClient } from '../coordinator/src/client/lethe-client.js';
import { WorkerAgent } from '../worker/src/agent.js';
import { TaskExecutor } from '../worker/src/task-executor.js';
import { FsArtifactStore } from '../shared/src/adapters/fs/fs-artifact-store.js';
import { InMemoryStateBackend } from '../shared/src/testing/in-memory-state-store.js';
import { InMemoryEventBus } from '../shared/src/testing/in-memory-event-bus.js';
import { createLogger } from '../shared/src/log/logger.js';
import { selectBackend } from '../shared/src/ml/backend.js';
import { ThreadPoolTrainer } from '../shared/src/ml/trainer.js';
import { loadDataset } from '../shared/src/ml/data/registry.js';
import { gatherRows } from '../shared/src/ml/data/dataset.js';
import { createRng, shuffleInPlace, type Rng } from '../shared/src/domain/rng.js';
import { parseRunSpec } from '../shared/src/domain/run-spec.js';
import { quantile } from '../shared/src/util/stats.js';
import type { RetrainingPolicy } from '../shared/src/gen/lethe/v1/RetrainingPolicy.js';
import type { ClientCredentials } from '../shared/src/security/tls.js';
import { testSecurity } from '../shared/src/testing/test-security.js';
import { escapeHtml, svg } from './lib/html.js';
import { capacityClosedForm } from '../shared/src/domain/capacity.js';
import { emit, flagValue, fmt, hasFlag, numberFlag, table } from './lib/report.js';
import { frozenCacheOf } from '../shared/src/ml/frozen-prefix-cache.js';
import { DEFAULT_FROZEN_CACHE_MIB } from '../shared/src/config/schema.js';

/** `--no-frozen-cache`: workers recompute every task's frozen prefix (the figures before the cache). */
const noFrozenCache = hasFlag('--no-frozen-cache');
/** `--cancel-grace-ms 0`: a cancelled group's thread is replaced at once (the figures before cooperative cancels). */
const graceFlag = flagValue('--cancel-grace-ms');
const cancelGraceMs = graceFlag === undefined ? undefined : Number(graceFlag); // the pool checks the range

const quick = hasFlag('--quick');
const asJson = hasFlag('--json');
const WORKERS = 2;
/** Wall time of the stream per (system, rate), and how often served accuracy is sampled. */
const STREAM_MS = numberFlag('--stream-s', quick ? 15 : 60) * 1000;
const SAMPLE_MS = quick ? 1_000 : 2_000;
/** After the stream, how long deletions may still take to be retrained before they count as not retrained. */
const DRAIN_MS = quick ? 10_000 : 60_000;
const RATES_PER_MIN = (flagValue('--rates') ?? '6,30,120').split(',').map((r) => {
  const n = Number(r);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--rates needs positive numbers (deletions per minute), got ${JSON.stringify(r)}`);
  return n;
});
const DATASET = { builtin: 'mnist' as const, stride: numberFlag('--stride', quick ? 6 : 2) };
const EPOCHS = numberFlag('--epochs', quick ? 2 : 3);
/** Backbone pretraining epochs on the public split: fewer leave more of the accuracy to the adapters. */
const PRETRAIN_EPOCHS = numberFlag('--pretrain-epochs', quick ? 3 : 5);
const TEST_ROWS = quick ? 500 : 1000;

const log = (msg: string): void => {
  if (!asJson) process.stderr.write(`${msg}\n`);
};

/** Each system's policy; `capacity-left` holds retraining until the run can absorb half its fresh capacity or less. */
const policies: Record<string, (sys: Pick<System, 'shards' | 'slices' | 'budget'>) => RetrainingPolicy> = {
  eager: () => ({ kind: 'RETRAINING_POLICY_KIND_EAGER' }),
  coalesce: () => ({ kind: 'RETRAINING_POLICY_KIND_COALESCE', windowMs: String(Math.round(STREAM_MS / 4)), maxDeletions: 8 }),
  capacity: () => ({ kind: 'RETRAINING_POLICY_KIND_CAPACITY', minServingDepth: 2 }),
  'capacity-left': (sys) => ({ kind: 'RETRAINING_POLICY_KIND_CAPACITY', minCapacityLeft: String(Math.ceil(capacityClosedForm(sys.shards, sys.slices, sys.budget) / 2)) }),
  // Eager, but each retraining restores only the deepest ordering; the other orderings are rebuilt once the shard
  // has taken no deletion for 10 s (at 240/min a shard sees one every second: not before the stream ends).
  deepest: () => ({ kind: 'RETRAINING_POLICY_KIND_EAGER', scope: 'RETRAINING_SCOPE_DEEPEST', reserveQuietMs: '10000' }),
};
interface System {
  readonly name: string;
  readonly policy: string;
  readonly shards: number;
  readonly slices: number;
  readonly budget: number;
}
/** --quick measures eager and coalesce only (capacity needs the full run's longer streams to show anything). */
const POLICIES = (flagValue('--policies') ?? (quick ? 'eager,coalesce' : Object.keys(policies).join(','))).split(',');
for (const p of POLICIES) if (!(p in policies)) throw new Error(`--policies: unknown policy ${JSON.stringify(p)} (${Object.keys(policies).join(', ')})`);
const SYSTEMS: System[] = [
  ...POLICIES.map((policy) => ({ name: 'S3T', policy, shards: 4, slices: 4, budget: 4 })),
  ...POLICIES.map((policy) => ({ name: 'SISA', policy, shards: 4, slices: 4, budget: 1 })),
  { name: 'full', policy: 'eager', shards: 1, slices: 1, budget: 1 },
];

const backend = await selectBackend({ forced: 'wasm' });
const dir = mkdtempSync(join(tmpdir(), 'lethe-bench-stream-'));
const state = new InMemoryStateBackend();
const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
const logger = createLogger({ service: 'bench', level: 'error' });
const security = await testSecurity();
const coordinator = await Coordinator.start({
  ...security.local.server,
  deletionLimits: UNLIMITED_DELETIONS,
  store: state.client(),
  events: new InMemoryEventBus(),
  artifacts,
  logger,
  listen: '127.0.0.1:0',
  backend: 'wasm',
});
for (let i = 0; i < 100 && !coordinator.isLeader; i++) await new Promise((r) => setTimeout(r, 100));
const trainers = Array.from({ length: WORKERS }, () => new ThreadPoolTrainer({ threads: 1, backend: backend.name, ...(cancelGraceMs === undefined ? {} : { cancelGraceMs }) }));
const workerCredentials = await Promise.all(trainers.map((_, i) => security.worker(`stream-w${i}`)));
const agents = trainers.map(
  (trainer, i) =>
    new WorkerAgent({ id: `stream-w${i}`, credentials: workerCredentials[i] as ClientCredentials, coordinators: [coordinator.address], store: state.client(), executor: new TaskExecutor({ artifacts, trainer, ...frozenCacheOf(backend.name, noFrozenCache ? 0 : DEFAULT_FROZEN_CACHE_MIB) }), backend: backend.name, slots: 1, batchCapacity: 16, logger }),
);
for (const a of agents) await a.start();
const client = new LetheClient(coordinator.address, security.admin, 120_000);

const spec0 = parseRunSpec({ dataset: DATASET, shards: 1, slices: 1, budget: 1 });
const data = loadDataset(spec0.dataset);
const testRows = shuffleInPlace(Array.from(data.split.test), createRng(3)).slice(0, TEST_ROWS);
const test = gatherRows(data, testRows);
const userIds = Array.from(data.split.user, (r) => data.ids[r] as string);

/**
 * What the workers spent on stages, whatever became of it: sample-passes (committed, discarded, cancelled; a
 * cancelled task's counted to its last finished epoch) and their training threads' busy seconds (which also see an
 * epoch cut short; the workers here train nothing else).
 */
async function spent(): Promise<{ passes: number; threadSeconds: number }> {
  const passes = (await Promise.all(agents.map((a) => a.metrics.stageSamplePassesTotal()))).reduce((n, x) => n + x, 0);
  return { passes, threadSeconds: trainers.reduce((n, t) => n + t.busySeconds, 0) };
}

async function accuracy(run: string, minRevision: string): Promise<number> {
  const p = await client.predict(`runs/${run}`, [testRows.length, ...data.inputShape], test.x, minRevision);
  let correct = 0;
  p.predictedClasses.forEach((c, j) => (correct += c === test.y[j] ? 1 : 0));
  return correct / testRows.length;
}

/** Exponential gaps: a Poisson stream of rate λ per minute. */
function gapMs(lambdaPerMin: number, rng: Rng): number {
  return (-Math.log(1 - rng.float()) / lambdaPerMin) * 60_000;
}

interface Result {
  name: string;
  policy: string;
  timeWeightedAccuracy: number;
  minAccuracy: number;
  noDeletionAccuracy: number;
  notLiveFraction: number;
  /** Every stage sample-pass the workers trained during the stream and drain, cancelled and discarded work included. */
  samplePassesPerDeletion: number;
  /** Of those, the ones in results that committed. */
  committedPassesPerDeletion: number;
  /** Seconds the workers' training threads were busy during the stream and drain. */
  threadSecondsPerDeletion: number;
  retrainedP50Ms: number;
  retrainedP99Ms: number;
  notRetrained: number;
  ackP99Ms: number;
  deletions: number;
  curve: { t: number; accuracy: number }[];
}

let runCounter = 0;
async function measure(sys: System, lambdaPerMin: number): Promise<Result> {
  const run = `stream-${++runCounter}`;
  const op = await client.createRun({
    requestId: '',
    runId: run,
    spec: {
      dataset: DATASET,
      model: { hiddenUnits: 128, convStem: true },
      shards: sys.shards,
      slices: sys.slices,
      budget: sys.budget,
      epochs: EPOCHS,
      pretrainEpochs: PRETRAIN_EPOCHS,
      seed: 1,
      fallbackToBackbone: true,
      retraining: (policies[sys.policy] as (typeof policies)[string])(sys),
    },
  });
  const trained = await client.waitForOperation(op.name, 30 * 60_000);
  if (trained.error !== null && trained.error !== undefined) throw new Error(`runs/${run} did not train: ${trained.error.message}`);
  const before = await client.getRun(`runs/${run}`);
  const spentBefore = await spent();
  const noDeletionAccuracy = await accuracy(run, before.revision);
  const rng = createRng(runCounter * 7919);
  const victims = shuffleInPlace([...userIds], rng);
  const acks: { name: string; at: number }[] = [];
  const ackMs: number[] = [];
  const curve: { t: number; accuracy: number }[] = [];
  let latestRevision = before.revision;
  let liveShardMs = 0;
  let shardMs = 0;
  const start = Date.now();
  const end = start + STREAM_MS;
  let stop = false;
  // The stream: one single-id deletion per arrival, each awaited (the ack latency is what a caller sees).
  const stream = (async () => {
    let next = start + gapMs(lambdaPerMin, rng);
    let i = 0;
    while (!stop) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, end - Date.now())));
      if (Date.now() >= end) break;
      const t0 = performance.now();
      const r = await client.deleteSamples('', `runs/${run}`, [victims[i++] as string]);
      ackMs.push(performance.now() - t0);
      acks.push({ name: r.name, at: Date.now() });
      latestRevision = r.revision;
      next += gapMs(lambdaPerMin, rng);
    }
  })();
  // The sampler: served accuracy (reading the latest deletion) and which shards are live.
  let last = start;
  // Whatever ends the sampler (an error included), the stream stops and is awaited before anything closes the
  // client: otherwise its next call fails on a shut channel and that error hides the first one.
  const streamDone = stream.then(
    () => undefined,
    (err: unknown) => err,
  );
  let streamError: unknown;
  try {
    while (Date.now() < end) {
      const acc = await accuracy(run, latestRevision);
      const view = await client.getRun(`runs/${run}`);
      const now = Date.now();
      curve.push({ t: (now - start) / 1000, accuracy: acc });
      const live = view.shards.filter((s) => s.serving?.live === true).length;
      liveShardMs += live * (now - last);
      shardMs += view.shards.length * (now - last);
      last = now;
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(SAMPLE_MS, end - Date.now()))));
    }
  } finally {
    stop = true;
    streamError = await streamDone;
  }
  if (streamError !== undefined) throw streamError instanceof Error ? streamError : new Error(`deletion stream failed: ${JSON.stringify(streamError)}`);
  // Time-weighted accuracy: each sample holds until the next one.
  let weighted = 0;
  for (let k = 0; k < curve.length; k++) {
    const from = (curve[k] as { t: number }).t;
    const to = k + 1 < curve.length ? (curve[k + 1] as { t: number }).t : STREAM_MS / 1000;
    weighted += (curve[k] as { accuracy: number }).accuracy * Math.max(0, to - from);
  }
  const span = Math.max(1e-9, STREAM_MS / 1000 - (curve[0]?.t ?? 0));
  // Deletion → retrained: wait a bounded time for the last ones; the rest count as not retrained.
  const drainEnd = Date.now() + DRAIN_MS;
  let retrainedMs: number[] = [];
  let notRetrained = acks.length;
  for (;;) {
    const ds = await Promise.all(acks.map((a) => client.getDeletion(a.name)));
    retrainedMs = [];
    notRetrained = 0;
    ds.forEach((d, k) => {
      const t = d.retrainCompleteTime;
      if (t === null) notRetrained++;
      else retrainedMs.push(Number(t.seconds) * 1000 + t.nanos / 1e6 - (acks[k] as { at: number }).at);
    });
    if (notRetrained === 0 || Date.now() > drainEnd) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const after = await client.getRun(`runs/${run}`);
  const committed = Number(after.trainSamplePasses) - Number(before.trainSamplePasses);
  // The next system starts on an idle cluster: this run stops training, and what its tasks spent up to their
  // cancel is counted here, not in the next system.
  await client.cancelOperation(`operations/runs/${run}`);
  for (let i = 0; i < 600 && agents.some((a) => a.runningTasks > 0); i++) await new Promise((r) => setTimeout(r, 100));
  const spentAfter = await spent();
  const passes = spentAfter.passes - spentBefore.passes;
  const threadSeconds = spentAfter.threadSeconds - spentBefore.threadSeconds;
  return {
    name: sys.name,
    policy: sys.policy,
    timeWeightedAccuracy: weighted / span,
    minAccuracy: Math.min(...curve.map((c) => c.accuracy)),
    noDeletionAccuracy,
    notLiveFraction: shardMs === 0 ? 0 : 1 - liveShardMs / shardMs,
    samplePassesPerDeletion: acks.length === 0 ? 0 : passes / acks.length,
    committedPassesPerDeletion: acks.length === 0 ? 0 : committed / acks.length,
    threadSecondsPerDeletion: acks.length === 0 ? 0 : threadSeconds / acks.length,
    retrainedP50Ms: retrainedMs.length === 0 ? Number.NaN : quantile(retrainedMs, 0.5),
    retrainedP99Ms: retrainedMs.length === 0 ? Number.NaN : quantile(retrainedMs, 0.99),
    notRetrained,
    ackP99Ms: ackMs.length === 0 ? Number.NaN : quantile(ackMs, 0.99),
    deletions: acks.length,
    curve,
  };
}

const rates: { lambdaPerMin: number; systems: Result[] }[] = [];
try {
  for (const lambdaPerMin of RATES_PER_MIN) {
    const systems: Result[] = [];
    for (const sys of SYSTEMS) {
      log(`λ = ${lambdaPerMin}/min: ${sys.name} (${sys.policy}) ...`);
      systems.push(await measure(sys, lambdaPerMin));
    }
    rates.push({ lambdaPerMin, systems });
  }
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const text = rates
    .map((r) =>
      [
        `λ = ${r.lambdaPerMin} deletions/min, ${STREAM_MS / 1000} s stream, ${backend.name}, ${WORKERS} single-slot workers (MNIST every ${DATASET.stride}th image, ${EPOCHS} epochs)`,
        table(
          ['system', 'policy', 'deletions', 'acc. time-weighted', 'min acc.', 'no-deletion acc.', 'not live', 'sample-passes / deletion (spent)', 'of which committed', 'training thread-s / deletion', 'retrained p50 / p99 (s)', 'not retrained', 'ack p99 (ms)'],
          r.systems.map((s) => [s.name, s.policy, String(s.deletions), pct(s.timeWeightedAccuracy), pct(s.minAccuracy), pct(s.noDeletionAccuracy), pct(s.notLiveFraction), Math.round(s.samplePassesPerDeletion), Math.round(s.committedPassesPerDeletion), fmt(s.threadSecondsPerDeletion, 2), `${fmt(s.retrainedP50Ms / 1000, 1)} / ${fmt(s.retrainedP99Ms / 1000, 1)}`, String(s.notRetrained), s.ackP99Ms]),
        ),
      ].join('\n'),
    )
    .join('\n\n');
  const top = rates[rates.length - 1];
  const curves = await svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `served test accuracy over time at λ = ${top?.lambdaPerMin ?? 0}/min`,
    width: 640,
    data: { values: (top?.systems ?? []).flatMap((s) => s.curve.map((c) => ({ system: `${s.name} ${s.policy}`, t: c.t, accuracy: 100 * c.accuracy }))) },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: { x: { field: 't', type: 'quantitative', title: 's' }, y: { field: 'accuracy', type: 'quantitative', title: '%' }, color: { field: 'system', type: 'nominal' } },
  });
  const byRate = rates.flatMap((r) => r.systems.map((s) => ({ lambda: r.lambdaPerMin, system: `${s.name} ${s.policy}`, accuracy: 100 * s.timeWeightedAccuracy, passes: s.samplePassesPerDeletion })));
  const accVsRate = await svg({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: 'time-weighted served accuracy against λ', width: 480, data: { values: byRate }, mark: { type: 'line', point: true }, encoding: { x: { field: 'lambda', type: 'quantitative', title: 'deletions / min', scale: { type: 'log' } }, y: { field: 'accuracy', type: 'quantitative', title: '%', scale: { zero: false } }, color: { field: 'system', type: 'nominal' } } });
  const costVsRate = await svg({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: 'sample-passes per deletion against λ', width: 480, data: { values: byRate }, mark: { type: 'line', point: true }, encoding: { x: { field: 'lambda', type: 'quantitative', title: 'deletions / min', scale: { type: 'log' } }, y: { field: 'passes', type: 'quantitative', title: 'sample-passes / deletion' }, color: { field: 'system', type: 'nominal' } } });
  mkdirSync('reports', { recursive: true });
  writeFileSync(join('reports', 'stream.html'), `<!doctype html><meta charset="utf-8"><title>Lethe bench:stream</title><h1>Retraining under a deletion stream</h1>${curves}${accVsRate}${costVsRate}<pre>${escapeHtml(text)}</pre>`);
  const json = { rates: rates.map((r) => ({ lambdaPerMin: r.lambdaPerMin, systems: r.systems.map(({ curve: _curve, ...s }) => s) })) };
  emit(`${text}\n\nreport: reports/stream.html`, json, asJson);
} finally {
  client.close();
  for (const a of agents) await a.stop(2000);
  for (const t of trainers) await t.close();
  await coordinator.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
