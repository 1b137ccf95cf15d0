import { DEFAULT_BATCH_CAPACITY, DEFAULT_FROZEN_CACHE_MIB } from '../../../shared/src/config/schema.js';
import Table from 'cli-table3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, shuffleInPlace } from '../../../shared/src/domain/rng.js';
import { identityOrdering } from '../../../shared/src/domain/impact.js';
import { stagesCost, allStages } from '../../../shared/src/domain/cost.js';
import { createLogger } from '../../../shared/src/log/logger.js';
import type { EventBus } from '../../../shared/src/ports/event-bus.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';
import { FsArtifactStore } from '../../../shared/src/adapters/fs/fs-artifact-store.js';
import { EtcdStateStore } from '../../../shared/src/adapters/etcd/etcd-state-store.js';
import { NatsEventBus } from '../../../shared/src/adapters/nats/nats-event-bus.js';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { InMemoryEventBus } from '../../../shared/src/testing/in-memory-event-bus.js';
import { selectBackend } from '../../../shared/src/ml/backend.js';
import { ThreadPoolTrainer } from '../../../shared/src/ml/trainer.js';
import { loadDataset } from '../../../shared/src/ml/data/registry.js';
import { gatherRows } from '../../../shared/src/ml/data/dataset.js';
import { parseRunSpec, type RunSpecInput } from '../../../shared/src/domain/run-spec.js';
import { placeSample } from '../../../shared/src/domain/placement.js';
import { quantile } from '../../../shared/src/util/stats.js';
import { Coordinator } from '../coordinator.js';
import { LetheClient } from '../client/lethe-client.js';
import { LocalSecurity } from '../../../shared/src/security/local-security.js';
import type { ClientCredentials } from '../../../shared/src/security/tls.js';
import { unpackAny } from '../rpc/convert.js';
import { frozenCacheOf } from '../../../shared/src/ml/frozen-prefix-cache.js';
import type { DemoFlags } from './demo-command.js';
import { createProgress } from './progress.js';

/**
 * The quick start's main job: one process with an embedded coordinator and workers (in-memory twins of etcd and
 * NATS, or real servers with --etcd/--nats), MNIST, S3T training, serving, deletions one request at a time with
 * their receipts, background retraining, and a closing table against SISA and full retraining.
 */
export async function runDemo(flags: DemoFlags): Promise<void> {
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  const logger = createLogger({ service: 'demo', level: 'error' });
  const started = performance.now();
  const backend = await selectBackend({ forced: 'auto', logger });
  const dir = mkdtempSync(join(tmpdir(), 'lethe-demo-'));
  const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
  const memory = new InMemoryStateBackend();
  const newStore = (): StateStore => (flags.etcd === undefined ? memory.client() : new EtcdStateStore({ endpoints: flags.etcd.split(',') }));
  const events: EventBus = flags.nats === undefined ? new InMemoryEventBus() : await NatsEventBus.connect(flags.nats.split(','));
  const prefix = `/lethe-demo/${Date.now()}/`;
  const coordinatorStore = newStore();
  // Secure like any cluster: a local CA, TLS, a certificate per worker, an admin token for this client.
  const security = await LocalSecurity.create(join(dir, 'security'));
  const coordinator = await Coordinator.start({ store: coordinatorStore, events, artifacts, logger, listen: '127.0.0.1:0', prefix, backend: backend.name, ...security.server });
  const { WorkerAgent } = await import('../../../worker/src/agent.js');
  const { TaskExecutor } = await import('../../../worker/src/task-executor.js');
  const workerCount = Math.max(1, Number(flags.workers));
  const trainers = Array.from({ length: workerCount }, () => new ThreadPoolTrainer({ threads: 1, backend: backend.name }));
  const workerStores = trainers.map(() => newStore());
  const workerCredentials = await Promise.all(trainers.map((_, i) => security.worker(`demo-worker-${i}`)));
  const agents = trainers.map(
    (trainer, i) => new WorkerAgent({ id: `demo-worker-${i}`, credentials: workerCredentials[i] as ClientCredentials, coordinators: [coordinator.address], store: workerStores[i] as StateStore, prefix, executor: new TaskExecutor({ artifacts, trainer, ...frozenCacheOf(backend.name, DEFAULT_FROZEN_CACHE_MIB) }), backend: backend.name, slots: 1, batchCapacity: DEFAULT_BATCH_CAPACITY, logger }),
  );
  for (const a of agents) await a.start();
  const client = new LetheClient(coordinator.address, await security.client('demo', ['admin']), 60_000);
  const quick = flags.quick === true;
  const specInput: RunSpecInput = {
    dataset: { builtin: 'mnist', stride: quick ? 4 : 1 },
    model: { hidden: 128, convStem: true },
    shards: 4,
    slices: 4,
    budget: 4,
    epochs: quick ? 2 : 5,
    pretrainEpochs: quick ? 4 : 10,
    seed: 1,
  };
  const spec = parseRunSpec(specInput);
  out(`Lethe demo: MNIST, S3T m=${spec.shards} L=${spec.slices} B=${spec.budget}, ${workerCount} worker(s) on ${backend.name}, state in ${flags.etcd === undefined ? 'the in-memory twin' : `etcd ${flags.etcd}`}`);
  const barFormats = { format: ' {phase} |{bar}| {value}/{total} {unit}', line: ' {phase} {value}/{total} {unit}' };
  const bars = createProgress(barFormats);
  try {
    const op = await client.createRun({
      requestId: `demo-${Date.now()}`,
      runId: 'mnist-demo',
      spec: {
        dataset: { builtin: 'mnist', stride: spec.dataset.stride },
        model: { hiddenUnits: spec.model.hidden, convStem: true },
        shards: spec.shards,
        slices: spec.slices,
        budget: spec.budget,
        epochs: spec.epochs,
        pretrainEpochs: spec.pretrainEpochs,
        seed: spec.seed,
      },
    });
    const pre = bars.bar(1, { phase: 'pretrain backbone', unit: 'backbone' });
    const train = bars.bar(1, { phase: 'train stages     ', unit: 'stages' });
    const trained = await client.waitForOperation(op.name, 600_000, (o) => {
      const m = unpackAny<{ state: string; stagesTotal: number; stagesCommitted: number }>(o.metadata as { type_url: string; value: Buffer });
      if (m.state !== 'RUN_STATE_PLANNED' && m.state !== 'RUN_STATE_PRETRAINING') pre.update(1);
      train.setTotal(Math.max(1, m.stagesTotal));
      train.update(m.stagesCommitted);
    });
    if (trained.error !== null && trained.error !== undefined) throw new Error(`the demo run did not train: ${trained.error.message}`);
    pre.update(1);
    const trainedAt = performance.now();

    const dataset = loadDataset(spec.dataset);
    const evaluate = async (minRevision: string): Promise<number> => {
      const rows = Array.from(dataset.split.test);
      let correct = 0;
      for (let i = 0; i < rows.length; i += 500) {
        const part = rows.slice(i, i + 500);
        const { x, y } = gatherRows(dataset, part);
        const p = await client.predict('runs/mnist-demo', [part.length, ...dataset.inputShape], x, minRevision);
        p.predictedClasses.forEach((c, j) => (correct += c === y[j] ? 1 : 0));
      }
      return correct / rows.length;
    };
    const accuracyBefore = await evaluate('0');
    bars.stop();

    const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);
    const victims = shuffleInPlace([...userIds], createRng(7)).slice(0, Math.max(1, Number(flags.deletions)));
    const depths = new Array<number>(spec.shards).fill(spec.slices);
    const latencies: number[] = [];
    let lastRevision = '0';
    const receipts: string[] = [];
    out('');
    out('Deleting samples one request at a time (the served model stops depending on each before the reply):');
    for (const id of victims) {
      const t0 = performance.now();
      const r = await client.deleteSamples(`demo-del-${id}`, 'runs/mnist-demo', [id]);
      const ms = performance.now() - t0;
      latencies.push(ms);
      lastRevision = r.revision;
      receipts.push(r.name);
      for (const s of r.serving) depths[s.shard] = s.live ? s.depth : 0;
      const at = r.shards[0];
      const tainted = `{${(at?.taintedSlices ?? []).join(',')}}`;
      out(`  ${id.padEnd(14)} shard ${at?.shard ?? '-'}, tainted slices ${tainted.padEnd(9)} ${String(r.deactivated.length).padStart(2)} stage(s) off   serving depth per shard [${depths.join(' ')}]   ${ms.toFixed(1)} ms`);
    }
    const accuracyAfterDeletions = await evaluate(lastRevision);

    const retrain = createProgress(barFormats);
    const bar = retrain.bar(receipts.length, { phase: 'retrain (background)', unit: 'deletions retrained' });
    for (;;) {
      const states = await Promise.all(receipts.map((n) => client.getDeletion(n)));
      const done = states.filter((d) => d.state === 'DELETION_STATE_RETRAINED' || d.state === 'DELETION_STATE_PURGED').length;
      bar.update(done);
      if (done === receipts.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    retrain.stop();
    const accuracyAfterRetrain = await evaluate('0');
    const run = await client.getRun('runs/mnist-demo');

    // Like-for-like costs: SISA and full retraining of the same data, retraining after every request. The run
    // reports its slice sizes and placement salt, so the demo does not re-derive them.
    const sliceSizes = run.shards.map((s) => s.sliceSizes.map(Number));
    const identity = [identityOrdering(spec.slices)];
    let sisa = sliceSizes.reduce((sum, sizes) => sum + stagesCost({ sliceSizes: sizes, orderings: identity }, allStages(identity), spec.epochs), 0);
    let full = userIds.length * spec.epochs;
    let remaining = userIds.length;
    for (const id of victims) {
      const p = placeSample(run.salt, id, spec.shards, spec.slices);
      const sizes = sliceSizes[p.shard] as number[];
      sizes[p.slice] = (sizes[p.slice] ?? 1) - 1;
      sisa += stagesCost({ sliceSizes: sizes, orderings: identity }, allStages(identity).filter((s) => s.stage > p.slice), spec.epochs);
      remaining -= 1;
      full += remaining * spec.epochs;
    }
    const s3t = Number(run.trainSamplePasses);
    const summary = {
      accuracyBefore,
      accuracyAfterDeletions,
      accuracyAfterRetrain,
      deletions: victims.length,
      deleteP50Ms: quantile(latencies, 0.5),
      deleteP99Ms: quantile(latencies, 0.99),
      samplePasses: { s3t, sisa, full },
      discardedSamplePasses: Number(run.discardedSamplePasses),
      trainSeconds: (trainedAt - started) / 1000,
      totalSeconds: (performance.now() - started) / 1000,
    };
    const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
    const t = new Table({ head: ['', 'value'], style: { head: [], border: [] } });
    t.push(
      ['test accuracy, trained', pct(accuracyBefore)],
      [`test accuracy after ${victims.length} deletions (no retraining yet)`, pct(accuracyAfterDeletions)],
      ['test accuracy after background retraining', pct(accuracyAfterRetrain)],
      ['deletion latency p50 / p99', `${summary.deleteP50Ms.toFixed(1)} ms / ${summary.deleteP99Ms.toFixed(1)} ms`],
      ['sample-passes: S3T (trained + retrained, measured)', s3t.toLocaleString('en-US')],
      ['sample-passes: SISA, retraining after each request (model)', sisa.toLocaleString('en-US')],
      ['sample-passes: full retraining after each request (model)', full.toLocaleString('en-US')],
      ['stale results discarded (sample-passes)', summary.discardedSamplePasses.toLocaleString('en-US')],
      ['time: training / total', `${summary.trainSeconds.toFixed(1)} s / ${summary.totalSeconds.toFixed(1)} s`],
    );
    out('');
    out(t.toString());
    // What the extra sample-passes bought: serving a clean model at once, with no retraining on the request path.
    out(
      `What S3T bought for its cost: right after each deletion it served a model that never saw the deleted samples ` +
        `(${pct(accuracyAfterDeletions)} test accuracy, vs ${pct(accuracyBefore)} before; deletion p50 ${summary.deleteP50Ms.toFixed(1)} ms), ` +
        `retraining in the background; SISA and full retraining are exact only once they have retrained (the model rows above are estimates from slice sizes, not measurements).`,
    );
    if (flags.json === true) out(JSON.stringify(summary));
  } finally {
    bars.stop();
    client.close();
    for (const a of agents) await a.stop(2000);
    for (const tr of trainers) await tr.close();
    await coordinator.stop();
    await events.close();
    for (const s of [coordinatorStore, ...workerStores]) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
