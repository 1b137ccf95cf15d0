import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '../../coordinator/src/coordinator.js';
import { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { unpackAny } from '../../coordinator/src/rpc/convert.js';
import { jsonToStruct } from '../../coordinator/src/rpc/job-convert.js';
import { InMemoryStateBackend } from '../../shared/src/testing/in-memory-state-store.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { NatsJobQueue } from '../../shared/src/adapters/nats/nats-job-queue.js';
import { startEtcdServer, startNatsServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import type { StateStore } from '../../shared/src/ports/state-store.js';
import type { JobQueue } from '../../shared/src/ports/job-queue.js';
import { InMemoryEventBus } from '../../shared/src/testing/in-memory-event-bus.js';
import { InMemoryJobQueue } from '../../shared/src/testing/in-memory-job-queue.js';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { createLogger } from '../../shared/src/log/logger.js';
import { LetheError } from '../../shared/src/errors/errors.js';
import { ThreadPoolTrainer } from '../../shared/src/ml/trainer.js';
import { decodeArtifact } from '../../shared/src/ml/artifact-codec.js';
import { jobKeys, OriginalModelSchema } from '../../shared/src/jobs/records.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import type { SubmitUnlearningJobRequest } from '../../shared/src/gen/lethe/v1/SubmitUnlearningJobRequest.js';
import { eventually } from '../support/eventually.js';
import { WorkerAgent } from '../../worker/src/agent.js';
import { TaskExecutor } from '../../worker/src/task-executor.js';
import { readAuditLog } from '../../coordinator/src/audit/audit-log.js';
import { Keys } from '../../coordinator/src/state/keys.js';
import { testSecurity } from '../../shared/src/testing/test-security.js';

const PREFIX = '/jobs-test/';
const spec = { dataset: { builtin: 'blobs', samples: 1200, features: 16, classes: 4 }, shards: 1, slices: 2, budget: 1, epochs: 3, pretrainEpochs: 3, model: { hidden: 24, loraRank: 4, batchSize: 32 } };
const dataset = loadDataset(parseRunSpec(spec).dataset);
const userId = (i: number): string => dataset.ids[dataset.split.user[i] as number] as string;

/** Where the lifecycle runs: the embedded twins, or real etcd and NATS JetStream servers. */
interface Env {
  store(): StateStore;
  readonly queue: JobQueue;
  close(): Promise<void>;
}

function twins(): Promise<Env> {
  const backend = new InMemoryStateBackend();
  const queue = new InMemoryJobQueue({ ackWaitMs: 2000, maxDeliver: 30 });
  return Promise.resolve({ store: () => backend.client(), queue, close: () => queue.close() });
}

async function realServers(): Promise<Env> {
  const servers: LocalServer[] = [await startEtcdServer(), await startNatsServer()];
  const [etcd, nats] = servers as [LocalServer, LocalServer];
  const queue = await NatsJobQueue.connect({ servers: [nats.endpoint], stream: 'JOBS_E2E', ackWaitMs: 2000, maxDeliver: 30 });
  const stores: EtcdStateStore[] = [];
  return {
    store: () => {
      const s = new EtcdStateStore({ endpoints: [etcd.endpoint], dialTimeoutMs: 3000 });
      stores.push(s);
      return s;
    },
    queue,
    close: async () => {
      await queue.close();
      for (const s of stores) await s.close();
      for (const s of servers) await s.stop();
    },
  };
}

describe.each([
  ['embedded twins', twins],
  ['real etcd and NATS JetStream', realServers],
])('approximate unlearning jobs (%s): submit, progress, parallel slots, cancel, hand-back to stage training', (_name, makeEnv) => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-jobs-'));
  const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
  let env: Env;
  let queue: JobQueue;
  const backend = { client: (): StateStore => env.store() };
  const logger = createLogger({ service: 'test', level: (process.env['JOBS_LOG'] as 'info' | undefined) ?? 'silent' });
  let coordinator: Coordinator;
  let firstOriginal = '';
  let client: LetheClient;
  const trainers: ThreadPoolTrainer[] = [];
  const agents: WorkerAgent[] = [];

  async function worker(id: string): Promise<WorkerAgent> {
    const trainer = new ThreadPoolTrainer({ threads: 1, backend: 'cpu' });
    trainers.push(trainer);
    const agent = new WorkerAgent({ id, credentials: await (await testSecurity()).worker(id), coordinators: [coordinator.address], store: backend.client(), prefix: PREFIX, executor: new TaskExecutor({ artifacts, trainer }), backend: 'cpu', slots: 1, logger, jobs: { queue, artifacts, trainer, heartbeatMs: 300 } });
    agents.push(agent);
    return agent;
  }

  const submit = (req: Partial<SubmitUnlearningJobRequest>): Promise<string> =>
    client.submitJob({ requestId: '', method: 'UNLEARNING_METHOD_SSD', model: 'runs/jobs', forget: { classLabel: 1 }, ...req }).then((op) => op.name.replace(/^operations\//, ''));
  const stateOf = async (name: string): Promise<string> => (await client.getJob(name)).state;
  const codeOf = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => 'OK',
      (e: unknown) => (e instanceof LetheError ? `${e.code} ${e.message}` : 'other'),
    );

  beforeAll(async () => {
    env = await makeEnv();
    queue = env.queue;
    coordinator = await Coordinator.start({ ...(await testSecurity()).local.server, store: backend.client(), events: new InMemoryEventBus(), artifacts, logger, listen: '127.0.0.1:0', prefix: PREFIX, backend: 'cpu', jobs: queue, jobRepairMs: 500 });
    await eventually('leader', 15_000, () => Promise.resolve(coordinator.isLeader));
    client = new LetheClient(coordinator.address, (await testSecurity()).admin, 15_000);
    await (await worker('job-w1')).start();
    await client.createRun({ requestId: '', runId: 'jobs', spec });
    await eventually('run trained', 60_000, async () => (await client.getOperation('operations/runs/jobs')).done === true);
  }, 90_000);

  afterAll(async () => {
    for (const a of agents) await a.stop(1000).catch(() => undefined);
    client.close();
    await coordinator.stop();
    for (const t of trainers) await t.close();
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job to SUCCEEDED with metrics, a model artifact, progress in the operation, and the run\'s original recorded', async () => {
    const op = await client.submitJob({ requestId: 'ssd-1', method: 'UNLEARNING_METHOD_SSD', model: 'runs/jobs', forget: { classLabel: 1 }, parameters: jsonToStruct({ alpha: 2 }) });
    expect(op.name).toMatch(/^operations\/jobs\/j[0-9a-f]{16}$/);
    const name = op.name.replace(/^operations\//, '');
    const meta = unpackAny<{ state: string; job: string }>(op.metadata as { type_url: string; value: Buffer });
    expect(meta).toMatchObject({ job: name, state: 'JOB_STATE_PENDING' });
    await eventually('job succeeded', 60_000, async () => (await stateOf(name)) === 'JOB_STATE_SUCCEEDED');
    const j = await client.getJob(name);
    expect(j).toMatchObject({ attempt: 1, workerId: 'job-w1', progress: 1, failure: '' });
    expect(Number(j.forgetCount)).toBe(dataset.split.user.filter((r) => dataset.y[r] === 1).length);
    expect(j.metrics?.unlearningAccuracy).toBeGreaterThan(j.originalMetrics?.unlearningAccuracy ?? 100);
    expect(Number(j.metrics?.samplePasses)).toBeGreaterThan(0);
    const result = decodeArtifact(await artifacts.get(j.resultArtifact)).manifest;
    expect(result).toMatchObject({ kind: 'model', role: 'unlearned', job: name.slice(5), method: 'ssd', parent: j.originalArtifact });
    const original = await backend.client().get(jobKeys(PREFIX).original('jobs'));
    expect(OriginalModelSchema.parse(JSON.parse(original?.value ?? '{}')).artifact).toBe(j.originalArtifact);
    firstOriginal = j.originalArtifact;
    const done = await client.getOperation(op.name);
    expect(done.done).toBe(true);

    // Idempotent by request id: the same request answers the same job; a different one is refused.
    expect((await client.submitJob({ requestId: 'ssd-1', method: 'UNLEARNING_METHOD_SSD', model: 'runs/jobs', forget: { classLabel: 1 }, parameters: jsonToStruct({ alpha: 2 }) })).name).toBe(op.name);
    expect(await codeOf(client.submitJob({ requestId: 'ssd-1', method: 'UNLEARNING_METHOD_FINE_TUNE', model: 'runs/jobs', forget: { classLabel: 1 } }))).toMatch(/^ALREADY_EXISTS/);

    // A job can unlearn from an earlier job's result (a model artifact digest).
    // "runs/<run>/models/original" names the same model as "runs/<run>".
    const byName = await submit({ model: 'runs/jobs/models/original', parameters: jsonToStruct({ alpha: 'inf' }) });
    await eventually('job on runs/jobs/models/original succeeded', 60_000, async () => (await stateOf(byName)) === 'JOB_STATE_SUCCEEDED');
    expect((await client.getJob(byName)).originalArtifact).toBe(j.originalArtifact);
    const chained = await submit({ method: 'UNLEARNING_METHOD_SSD', model: j.resultArtifact, forget: { sampleIds: { ids: [userId(0)] } }, parameters: jsonToStruct({ alpha: 'inf' }) });
    await eventually('chained job succeeded', 60_000, async () => (await stateOf(chained)) === 'JOB_STATE_SUCCEEDED');
    expect((await client.getJob(chained)).originalArtifact).toBe(j.resultArtifact);
    // Ids are kept as a content-addressed list artifact, not in etcd.
    const spec = await backend.client().get(`${PREFIX}jobs/${chained.slice(5)}/spec`);
    expect(spec?.value).not.toContain(userId(0));
    const list = (await client.getJob(chained)).forgetList;
    expect(new TextDecoder().decode(await artifacts.get(list))).toBe(userId(0));
  });

  it('refuses bad submissions with INVALID_ARGUMENT (or NOT_FOUND) naming the field', async () => {
    const testId = dataset.ids[dataset.split.test[0] as number] as string;
    expect(await codeOf(submit({ method: 'UNLEARNING_METHOD_UNSPECIFIED' }))).toMatch(/^INVALID_ARGUMENT method/);
    // Without labels: only label-free methods, and never a class selector.
    expect(await codeOf(submit({ forget: { sampleIds: { ids: [userId(0)] }, unlabelled: true } }))).toMatch(/^INVALID_ARGUMENT .*ssd needs labels.*label-free methods: laf/);
    expect(await codeOf(submit({ method: 'UNLEARNING_METHOD_LAF', forget: { classLabel: 1, unlabelled: true } }))).toMatch(/^INVALID_ARGUMENT forget.unlabelled/);
    // Class poisoning forgets whole classes; the regression methods refuse a classification run.
    expect(await codeOf(submit({ method: 'UNLEARNING_METHOD_CLASS_POISONING', forget: { sampleIds: { ids: [userId(0)] } } }))).toMatch(/^INVALID_ARGUMENT .*whole classes/);
    expect(await codeOf(submit({ method: 'UNLEARNING_METHOD_BLINDSPOT' }))).toMatch(/^FAILED_PRECONDITION .*blindspot unlearns regression models; this model is classification/);
    expect(await codeOf(submit({ method: 'UNLEARNING_METHOD_LAF', parameters: jsonToStruct({ tau: 0 }) }))).toMatch(/^INVALID_ARGUMENT .*parameters.tau/);
    expect(await codeOf(submit({ parameters: jsonToStruct({ alpha: -1 }) }))).toMatch(/^INVALID_ARGUMENT .*parameters\.alpha/);
    expect(await codeOf(submit({ parameters: jsonToStruct({ nonsense: 1 }) }))).toMatch(/^INVALID_ARGUMENT .*nonsense/);
    expect(await codeOf(submit({ forget: null }))).toMatch(/^INVALID_ARGUMENT forget/);
    expect(await codeOf(submit({ forget: { sampleIds: { ids: [] } } }))).toMatch(/^INVALID_ARGUMENT forget.sample_ids/);
    expect(await codeOf(submit({ forget: { sampleIds: { ids: [testId] } } }))).toMatch(/^INVALID_ARGUMENT forget.sample_ids.*not in the model's training data/);
    expect(await codeOf(submit({ forget: { classLabel: 7 } }))).toMatch(/^INVALID_ARGUMENT forget.class_label/);
    expect(await codeOf(submit({ model: 'runs/nope' }))).toMatch(/^NOT_FOUND/);
    expect(await codeOf(submit({ model: 'not a model' }))).toMatch(/^INVALID_ARGUMENT model/);
    expect(await codeOf(submit({ model: 'a'.repeat(64) }))).toMatch(/^NOT_FOUND/);
    expect(await codeOf(submit({ requestId: 'has space' }))).toMatch(/^INVALID_ARGUMENT request_id/);
    expect(await codeOf(client.getJob('jobs/nope'))).toMatch(/^INVALID_ARGUMENT name/);
    expect(await codeOf(client.getJob('jobs/j0000000000000000'))).toMatch(/^NOT_FOUND/);
  });

  it('runs a label-free job on a forget set submitted without labels', async () => {
    const ids = [0, 1, 2, 3, 4, 5, 6, 7].map(userId);
    const name = await submit({ method: 'UNLEARNING_METHOD_LAF', forget: { sampleIds: { ids }, unlabelled: true }, parameters: jsonToStruct({ epochs: 1, minSteps: 2, vaeEpochs: 1 }) });
    await eventually('LAF job succeeded', 60_000, async () => (await stateOf(name)) === 'JOB_STATE_SUCCEEDED');
    const j = await client.getJob(name);
    expect(j.forget?.unlabelled).toBe(true);
    expect(Number(j.forgetCount)).toBe(8);
    expect(j.metrics).not.toBeNull();
  });

  it('cancels a running job: the computation stops and the slot is free again', async () => {
    const name = await submit({ method: 'UNLEARNING_METHOD_FINE_TUNE', parameters: jsonToStruct({ epochs: 200 }) });
    await eventually('running', 30_000, async () => (await client.getJob(name)).phase === 'unlearning');
    await eventually('progress reported', 30_000, async () => (await client.getJob(name)).progress > 0);
    const cancel = await client.cancelJob(name);
    expect(['JOB_STATE_CANCELLING', 'JOB_STATE_CANCELLED']).toContain(cancel.state);
    await eventually('cancelled', 10_000, async () => (await stateOf(name)) === 'JOB_STATE_CANCELLED');
    await eventually('slot free', 5_000, () => Promise.resolve(agents[0]?.runningJobs === 0));
    // Submit and cancel are in the audit log, with the caller that did them. The cancel's event commits with the
    // cancel; the leader chains it on its next pass (a watch event, or its 2 s tick): on a saturated machine that
    // took over 5 s once, so the window is generous.
    const audited = await eventually('job actions chained', 20_000, async () => {
      const { records } = await readAuditLog(backend.client(), new Keys(PREFIX));
      const mine = records.filter((r) => r.subject === name);
      return mine.length === 2 ? mine : undefined;
    });
    expect(audited.map((r) => [r.action, r.details['by']])).toEqual([['job.submit', 'test-admin'], ['job.cancel', 'test-admin']]);
  });

  it('runs jobs in parallel across workers, and hands a job back when stage retraining needs its slot', async () => {
    await (await worker('job-w2')).start();
    // Batches of one: minutes of work, so both are surely still running when the deletion comes.
    const a = await submit({ method: 'UNLEARNING_METHOD_FINE_TUNE', parameters: jsonToStruct({ epochs: 200, batchSize: 1 }) });
    const b = await submit({ method: 'UNLEARNING_METHOD_FINE_TUNE', parameters: jsonToStruct({ epochs: 200, batchSize: 1 }) });
    await eventually('both running at once on different workers', 60_000, async () => {
      const [ja, jb] = [await client.getJob(a), await client.getJob(b)];
      // Past preparation (which reads the run's original model): both are computing.
      return ja.phase === 'unlearning' && jb.phase === 'unlearning' && ja.workerId !== jb.workerId;
    });
    // A deletion makes stage retraining ready: a worker's slot goes to it and that worker's job is handed back.
    await client.deleteSamples('', 'runs/jobs', [userId(5)]);
    await eventually('a job handed back', 30_000, async () => (await client.getJob(a)).preemptions + (await client.getJob(b)).preemptions > 0);
    await eventually('retraining done', 60_000, async () => (await client.getOperation('operations/runs/jobs')).done === true);
    // The handed-back job restarts; its snapshot predates the deletion, and the deletion invalidated the original it
    // used, so it fails rather than train on a deleted sample. A handed-back run is not an attempt it used up.
    const handed = (await client.getJob(a)).preemptions > 0 ? a : b;
    const other = handed === a ? b : a;
    await eventually('handed-back job failed', 30_000, async () => (await stateOf(handed)) === 'JOB_STATE_FAILED');
    expect(await client.getJob(handed)).toMatchObject({ attempt: 1, failure: expect.stringMatching(/changed after this job was submitted/) as unknown });
    await client.cancelJob(other);
    await eventually('the other ends', 30_000, async () => ['JOB_STATE_CANCELLED', 'JOB_STATE_FAILED', 'JOB_STATE_SUCCEEDED'].includes(await stateOf(other)));
  });

  it('refuses a forget id deleted from the run, and invalidates the run\'s original on deletion', async () => {
    expect(await codeOf(submit({ forget: { sampleIds: { ids: [userId(5)] } } }))).toMatch(/^INVALID_ARGUMENT .*was deleted/);
    // The deletion replaced the original's record with a marker and purged the artifact that saw the deleted id.
    const marker = OriginalModelSchema.parse(JSON.parse((await backend.client().get(jobKeys(PREFIX).original('jobs')))?.value ?? '{}'));
    expect(marker.invalidatedBy).toBeDefined();
    await eventually('stale original purged', 5_000, async () => !(await artifacts.has(firstOriginal)));
    // The next job trains a new original without the deleted sample.
    const name = await submit({ parameters: jsonToStruct({ alpha: 'inf' }) });
    await eventually('job succeeded', 60_000, async () => (await stateOf(name)) === 'JOB_STATE_SUCCEEDED');
    const j = await client.getJob(name);
    expect(j.originalArtifact).not.toBe(firstOriginal);
    const manifest = decodeArtifact(await artifacts.get(j.originalArtifact)).manifest;
    expect(manifest.kind === 'model' && manifest.sampleCount).toBe(dataset.split.user.length - 1);
  });
});
