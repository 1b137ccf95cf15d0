import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetheClient } from '../client/lethe-client.js';
import { startEmbeddedCoordinator, type EmbeddedCoordinator } from '../../../test/support/embedded-coordinator.js';
import { Keys } from '../state/keys.js';
import { ASSIGNMENT_GRACE_MS, DEFAULT_TASK_SILENCE_TIMEOUT_MS } from './scheduler.js';
import { MAX_STAGE_ATTEMPTS } from '../../../shared/src/domain/shard-machine.js';
import { put, type StateStore } from '../../../shared/src/ports/state-store.js';
import { eventually } from '../../../test/support/eventually.js';
import type { ScriptedWorker } from '../../../test/support/scripted-worker.js';
import type { TaskAssignment__Output } from '../../../shared/src/gen/lethe/v1/TaskAssignment.js';
import { honestArtifact, type Forgery } from '../../../test/support/scripted-worker.js';
import { formatRunStatus } from '../cli/client-commands.js';
import { formatWorkers } from '../cli/run-commands.js';
import type { WorkerTask__Output } from '../../../shared/src/gen/lethe/v1/WorkerTask.js';
import type { WorkerInfo__Output } from '../../../shared/src/gen/lethe/v1/WorkerInfo.js';

const PREFIX = '/repair/';

const oneStage = { dataset: { builtin: 'blobs', samples: 200, features: 4, classes: 2 }, shards: 1, slices: 1, budget: 1 };

describe('assignment repair (scheduler on the in-memory store, a scripted worker over gRPC)', () => {
  let cluster: EmbeddedCoordinator;
  let store: StateStore;
  let client: LetheClient;
  let clock = Date.now();

  beforeAll(async () => {
    cluster = await startEmbeddedCoordinator(PREFIX, { now: () => clock });
    ({ store, client } = cluster);
  });
  afterAll(() => cluster.close());

  const worker = (id: string): Promise<ScriptedWorker> => cluster.worker(id);

  /** A coordinator gauge by run label, for `runs`. */
  async function gauge(name: string, runs: string[]): Promise<Record<string, number>> {
    const m = await cluster.coordinator.metrics.registry.getSingleMetric(name)?.get();
    return Object.fromEntries((m?.values ?? []).filter((x) => runs.includes(String(x.labels['run']))).map((x) => [String(x.labels['run']), x.value]));
  }

  /** Creates a one-stage run (`over` its spec) and passes its pretraining on `w`: its stage's first assignment, and the tasks taken. */
  async function pastPretraining(w: ScriptedWorker, run: string, over: Record<string, unknown> = {}): Promise<{ taken: Set<string>; first: TaskAssignment__Output }> {
    const taken = new Set<string>();
    await client.createRun({ requestId: '', runId: run, spec: { ...oneStage, ...over } });
    const pretrain = await w.next(run, taken);
    taken.add(pretrain.taskId);
    await w.result(pretrain, true);
    const first = await w.next(run, taken);
    taken.add(first.taskId);
    return { taken, first };
  }

  /** The replaced task's late result is discarded and the retry's commits: the run serves the retry's artifact. */
  async function retryCommits(w: ScriptedWorker, run: string, replaced: TaskAssignment__Output, retry: TaskAssignment__Output): Promise<void> {
    expect(retry.taskId).not.toBe(replaced.taskId);
    expect(retry.stage?.stage).toEqual(replaced.stage?.stage);
    await w.result(replaced, true);
    const served = await w.result(retry, true);
    await eventually(`${run} serving`, 5_000, async () => (await client.getRun(`runs/${run}`)).state === 'RUN_STATE_SERVING');
    expect((await client.getRun(`runs/${run}`)).shards[0]?.orderings[0]?.stages[0]?.artifact).toBe(served);
  }

  it(`backs a failing stage off, ends it FAILED with its reason after ${MAX_STAGE_ATTEMPTS} tries, and keeps training other runs`, async () => {
    const w = await worker('w-fail');
    const taken = new Set<string>();
    await client.createRun({ requestId: '', runId: 'flaky', spec: oneStage });
    const pretrain = await w.next('flaky', taken);
    taken.add(pretrain.taskId);
    await w.result(pretrain, true);
    for (let attempt = 1; attempt <= MAX_STAGE_ATTEMPTS; attempt++) {
      const a = await w.next('flaky', taken);
      taken.add(a.taskId);
      expect(a.stage?.stage?.stage).toBe(1);
      await w.result(a, false, `out of memory (try ${attempt})`);
      await eventually('failure recorded', 5_000, async () => (await client.getRun('runs/flaky')).shards[0]?.orderings[0]?.stages[0]?.failedAttempts === attempt);
      if (attempt < MAX_STAGE_ATTEMPTS) {
        expect((await client.getOperation('operations/runs/flaky')).done).toBe(false); // still trying
        // Backing off: the clock has not moved, so nothing is assigned, however many scheduler ticks pass.
        await new Promise((r) => setTimeout(r, 1200));
        expect(w.assignments.filter((x) => !taken.has(x.taskId) && x.stage?.run === 'runs/flaky')).toEqual([]);
        clock += 61_000;
      }
    }
    const failed = await client.getRun('runs/flaky');
    expect(failed.state).toBe('RUN_STATE_FAILED');
    expect(failed.shards[0]?.orderings[0]?.stages[0]).toMatchObject({ state: 'STAGE_STATE_FAILED', failedAttempts: MAX_STAGE_ATTEMPTS, lastError: `out of memory (try ${MAX_STAGE_ATTEMPTS})` });
    // CreateRun's operation is done, ABORTED, naming the stage and why; `lethe status` says it too.
    const op = await client.getOperation('operations/runs/flaky');
    expect(op.done).toBe(true);
    expect(op.error).toMatchObject({ code: 10, message: `run 'flaky' cannot finish training: shard 0 ordering 0 stage 1 failed after ${MAX_STAGE_ATTEMPTS} tries: out of memory (try ${MAX_STAGE_ATTEMPTS})` });
    expect(await gauge('lethe_failed_trainings', ['flaky'])).toEqual({ flaky: 1 }); // what LetheTrainingFailed watches
    const text = formatRunStatus(failed);
    expect(text).toContain('backbone: READY\n');
    expect(text).toContain(`stages with failed tries:\n  shard 0 ordering 0 stage 1: FAILED after ${MAX_STAGE_ATTEMPTS} failed tries, last: out of memory (try ${MAX_STAGE_ATTEMPTS})`);
    // FAILED is final: time passing brings no retry, and another run gets the worker.
    clock += 3_600_000;
    await client.createRun({ requestId: '', runId: 'healthy', spec: oneStage });
    for (let i = 0; i < 2; i++) {
      const a = await w.next('healthy', taken);
      taken.add(a.taskId);
      await w.result(a, true);
    }
    await eventually('healthy serving', 5_000, async () => (await client.getRun('runs/healthy')).state === 'RUN_STATE_SERVING');
    expect(w.assignments.filter((x) => !taken.has(x.taskId))).toEqual([]);
    w.close();
  });

  it('takes back an assignment the worker never received once its heartbeats miss it past the grace period', async () => {
    const w = await worker('w-lossy');
    const { taken, first: lost } = await pastPretraining(w, 'lossy');
    // Within the grace period a heartbeat without it changes nothing (the assignment may still be in flight).
    w.heartbeat([]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await client.getRun('runs/lossy')).shards[0]?.orderings[0]?.stages[0]?.state).toBe('STAGE_STATE_TRAINING');
    clock += ASSIGNMENT_GRACE_MS + 1;
    w.heartbeat([]);
    // The first task's late result, if it ever comes, is discarded: the assignment is the new one.
    await retryCommits(w, 'lossy', lost, await w.next('lossy', taken));
    w.close();
  });

  it('reassigns a task its worker hands back, at once', async () => {
    const w = await worker('w-drain');
    const { taken, first } = await pastPretraining(w, 'handback');
    w.release(first);
    const second = await w.next('handback', taken);
    expect(second.stage?.stage).toEqual(first.stage?.stage);
    await w.result(second, true);
    await eventually('handback serving', 5_000, async () => (await client.getRun('runs/handback')).state === 'RUN_STATE_SERVING');
    w.close();
  });

  it('takes back a started stage task that reports nothing for the silence timeout, as a failed try, and not one still waiting for a thread', async () => {
    const w = await worker('w-silent');
    const { taken, first: hung } = await pastPretraining(w, 'silent');
    const stage = async (): Promise<{ state: string; failedAttempts: number; lastError: string } | undefined> => (await client.getRun('runs/silent')).shards[0]?.orderings[0]?.stages[0];
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1_200)); // a few scheduler passes
    // Not started (no report yet): waiting for a training thread is not silence, however long.
    clock += DEFAULT_TASK_SILENCE_TIMEOUT_MS + 1;
    await settle();
    expect(w.cancels).not.toContain(hung.taskId);
    // Started, then each report restarts the silence: just under the timeout twice over changes nothing.
    w.progress(hung, 0);
    await settle();
    clock += DEFAULT_TASK_SILENCE_TIMEOUT_MS - 1;
    await settle();
    w.progress(hung, 0.5);
    await settle();
    clock += DEFAULT_TASK_SILENCE_TIMEOUT_MS - 1;
    await settle();
    expect(w.cancels).not.toContain(hung.taskId);
    expect((await stage())?.state).toBe('STAGE_STATE_TRAINING');
    // Past it: the worker is told to stop, and the try counts as failed, with why.
    clock += 2;
    await eventually('silent task cancelled', 5_000, () => Promise.resolve(w.cancels.includes(hung.taskId)));
    expect(await stage()).toMatchObject({ failedAttempts: 1, lastError: `no progress for ${DEFAULT_TASK_SILENCE_TIMEOUT_MS / 1000} s on worker w-silent: taken back` });
    // After its backoff the stage goes out again; the hung task's late result is discarded, the retry's commits.
    clock += 1_000;
    await retryCommits(w, 'silent', hung, await w.next('silent', taken));
    w.close();
  });

  it('takes back a silent backbone pretraining the same way: a failed try, then another worker try after the backoff', async () => {
    const w = await worker('w-silent-pretrain');
    const taken = new Set<string>();
    await client.createRun({ requestId: '', runId: 'silentbb', spec: oneStage });
    const hung = await w.next('silentbb', taken);
    taken.add(hung.taskId);
    expect(hung.pretrain).toBeTruthy();
    w.progress(hung, 0);
    w.progress(hung, 0.2);
    await new Promise((r) => setTimeout(r, 600));
    clock += DEFAULT_TASK_SILENCE_TIMEOUT_MS + 1;
    await eventually('silent pretraining cancelled', 5_000, () => Promise.resolve(w.cancels.includes(hung.taskId)));
    const record = JSON.parse((await store.get(new Keys(PREFIX).backbone('silentbb')))?.value ?? '{}') as { state: string; attempts: number; lastError: string };
    expect(record).toMatchObject({ state: 'pending', attempts: 1, lastError: `no progress for ${DEFAULT_TASK_SILENCE_TIMEOUT_MS / 1000} s on worker w-silent-pretrain: taken back` });
    // GetRun shows it: the try that failed and why.
    expect((await client.getRun('runs/silentbb')).backbone).toMatchObject({ state: 'BACKBONE_STATE_PENDING', failedAttempts: 1, lastError: record.lastError, artifact: '' });
    clock += 1_000;
    const retry = await w.next('silentbb', taken);
    taken.add(retry.taskId);
    expect(retry.pretrain).toBeTruthy();
    await w.result(hung, true); // the hung one wakes up: its result answers nothing now
    await w.result(retry, true);
    const stage = await w.next('silentbb', taken);
    expect(stage.stage?.backboneArtifact).not.toBe('');
    expect((await client.getRun('runs/silentbb')).backbone).toMatchObject({ state: 'BACKBONE_STATE_READY', artifact: stage.stage?.backboneArtifact, workerId: 'w-silent-pretrain', failedAttempts: 0, lastError: '' }); // tries count since the last success
    w.close();
  });

  it(`ends a run FAILED when its backbone pretraining fails ${MAX_STAGE_ATTEMPTS} times: GetRun and the operation say why`, async () => {
    const w = await worker('w-bad-backbone');
    const taken = new Set<string>();
    await client.createRun({ requestId: '', runId: 'badbb', spec: oneStage });
    // A second run fails alike, then is cancelled: out of tries, but nothing to alert on any more.
    await client.createRun({ requestId: '', runId: 'badbbcancel', spec: oneStage });
    for (let attempt = 1; attempt <= MAX_STAGE_ATTEMPTS; attempt++) {
      for (const run of ['badbb', 'badbbcancel']) {
        const a = await w.next(run, taken);
        taken.add(a.taskId);
        expect(a.pretrain).toBeTruthy();
        await w.result(a, false, `cannot read the public split (try ${attempt})`);
        await eventually('backbone failure recorded', 5_000, async () => (await client.getRun(`runs/${run}`)).backbone?.failedAttempts === attempt);
      }
      clock += 61_000;
    }
    expect(await gauge('lethe_failed_trainings', ['badbbcancel'])).toEqual({ badbbcancel: 1 });
    await client.cancelOperation('operations/runs/badbbcancel');
    await eventually('cancelled run: no failed trainings', 5_000, async () => (await gauge('lethe_failed_trainings', ['badbbcancel']))['badbbcancel'] === 0);
    const run = await client.getRun('runs/badbb');
    expect(run.state).toBe('RUN_STATE_FAILED');
    expect(run.backbone).toMatchObject({ state: 'BACKBONE_STATE_FAILED', failedAttempts: MAX_STAGE_ATTEMPTS, lastError: `cannot read the public split (try ${MAX_STAGE_ATTEMPTS})` });
    const op = await client.getOperation('operations/runs/badbb');
    expect(op.done).toBe(true);
    expect(op.error).toMatchObject({ code: 10, message: `run 'badbb' cannot finish training: backbone pretraining failed after ${MAX_STAGE_ATTEMPTS} tries: cannot read the public split (try ${MAX_STAGE_ATTEMPTS})` });
    expect(formatRunStatus(run)).toContain(`backbone: FAILED, ${MAX_STAGE_ATTEMPTS} failed tries, last: cannot read the public split (try ${MAX_STAGE_ATTEMPTS})`);
    expect(await gauge('lethe_failed_trainings', ['badbb'])).toEqual({ badbb: 1 });
    w.close();
  });

  it("times a run's tasks by the run's own silence timeout where it sets one: a longer one, or never (0)", async () => {
    // One worker per run (a scripted worker takes one task at a time).
    const w = await worker('w-own-timeout');
    const longS = (2 * DEFAULT_TASK_SILENCE_TIMEOUT_MS) / 1000;
    const long = await pastPretraining(w, 'ownlong', { taskSilenceTimeoutS: longS });
    const v = await worker('w-own-never');
    const never = await pastPretraining(v, 'ownnever', { taskSilenceTimeoutS: 0 });
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1_200));
    // ListWorkers names each worker's tasks: sent, no report yet (waiting for a thread).
    const tasksOf = async (id: string): Promise<WorkerTask__Output[]> => (await client.listWorkers()).workers.find((x) => x.name === `workers/${id}`)?.tasks ?? [];
    expect(await tasksOf('w-own-timeout')).toEqual([expect.objectContaining({ taskId: long.first.taskId, run: 'runs/ownlong', pretrain: false, shard: 0, stage: '0', progressTime: null, silentSeconds: 0 })]);
    expect(formatWorkers((await client.listWorkers()).workers)).toMatch(/workers\/w-own-timeout +│ runs\/ownlong +│ shard 0 stage 0 +│ waiting for a thread +│ 0 /);
    w.progress(long.first, 0);
    v.progress(never.first, 0);
    await settle();
    // Past the coordinator's timeout: neither run's task is taken back.
    clock += DEFAULT_TASK_SILENCE_TIMEOUT_MS + 1;
    await settle();
    expect([...w.cancels, ...v.cancels]).toEqual([]);
    // Started (a report at fraction 0), silent since: ListWorkers and `lethe workers` say for how long.
    const [started] = await tasksOf('w-own-never');
    expect(started).toMatchObject({ taskId: never.first.taskId, run: 'runs/ownnever', fraction: 0, silentSeconds: (DEFAULT_TASK_SILENCE_TIMEOUT_MS + 1) / 1000 });
    expect(started?.progressTime).not.toBeNull();
    expect(formatWorkers((await client.listWorkers()).workers)).toMatch(/workers\/w-own-never +│ runs\/ownnever +│ shard 0 stage 0 +│ 0 % +│ 1800 /);
    // The metrics show each run's silence beside its own timeout (what LetheTaskSilent compares, run by run).
    const silentS = Math.round(DEFAULT_TASK_SILENCE_TIMEOUT_MS / 1000);
    expect(await gauge('lethe_task_silence_timeout_seconds', ['ownlong', 'ownnever'])).toEqual({ ownlong: longS, ownnever: 0 });
    const silence = await gauge('lethe_task_silence_seconds', ['ownlong', 'ownnever']);
    expect(Object.keys(silence).sort()).toEqual(['ownlong', 'ownnever']);
    for (const s of Object.values(silence)) expect(Math.round(s)).toBe(silentS);
    // Past the long run's own: its task is, with its own figure; the other's never is, however long.
    clock += DEFAULT_TASK_SILENCE_TIMEOUT_MS;
    await eventually('long-timeout task cancelled', 5_000, () => Promise.resolve(w.cancels.includes(long.first.taskId)));
    expect((await client.getRun('runs/ownlong')).shards[0]?.orderings[0]?.stages[0]?.lastError).toBe(`no progress for ${longS} s on worker w-own-timeout: taken back`);
    clock += 100 * DEFAULT_TASK_SILENCE_TIMEOUT_MS;
    await settle();
    expect(v.cancels).toEqual([]);
    clock += 1_000;
    await retryCommits(w, 'ownlong', long.first, await w.next('ownlong', long.taken));
    await v.result(never.first, true);
    await eventually('ownnever serving', 5_000, async () => (await client.getRun('runs/ownnever')).state === 'RUN_STATE_SERVING');
    w.close();
    v.close();
  });

  it('RetryRun gives the FAILED stage and the FAILED backbone fresh tries: both runs then train to SERVING, and the operations succeed', async () => {
    const w = await worker('w-retry');
    const taken = new Set<string>();
    const audited = async (run: string): Promise<unknown[]> => (await store.list(new Keys(PREFIX).auditRecords())).kvs.map((kv) => JSON.parse(kv.value) as { action: string; subject: string; details: unknown }).filter((r) => r.action === 'run.retry' && r.subject === `runs/${run}`).map((r) => r.details);
    // The stage that failed 5 times (first test): READY again with no failed tries, trained, served.
    expect((await client.getRun('runs/flaky')).state).toBe('RUN_STATE_FAILED');
    const retried = await client.retryRun('runs/flaky');
    expect(retried.state).toBe('RUN_STATE_TRAINING');
    expect(retried.shards[0]?.orderings[0]?.stages[0]).toMatchObject({ state: 'STAGE_STATE_READY', failedAttempts: 0, lastError: '' });
    const again = await w.next('flaky', taken);
    taken.add(again.taskId);
    expect(again.stage?.stage?.stage).toBe(1);
    await w.result(again, true);
    await eventually('flaky serving', 5_000, async () => (await client.getRun('runs/flaky')).state === 'RUN_STATE_SERVING');
    const op = await client.getOperation('operations/runs/flaky');
    expect(op.done).toBe(true);
    expect(op.error ?? null).toBeNull();
    expect(op.response?.type_url).toBe('type.googleapis.com/lethe.v1.Run');
    await eventually('flaky retry audited', 5_000, async () => (await audited('flaky')).length === 1);
    expect(await audited('flaky')).toEqual([expect.objectContaining({ stages: 1, backbone: false })]);
    // The backbone that failed 5 times: pending again, pretrained, then its stage.
    expect((await client.retryRun('runs/badbb')).backbone).toMatchObject({ state: 'BACKBONE_STATE_PENDING', failedAttempts: 0 });
    for (let i = 0; i < 2; i++) {
      const a = await w.next('badbb', taken);
      taken.add(a.taskId);
      expect(Boolean(a.pretrain)).toBe(i === 0);
      await w.result(a, true);
    }
    await eventually('badbb serving', 5_000, async () => (await client.getRun('runs/badbb')).state === 'RUN_STATE_SERVING');
    expect(await gauge('lethe_failed_trainings', ['flaky', 'badbb'])).toEqual({ flaky: 0, badbb: 0 });
    await eventually('badbb retry audited', 5_000, async () => (await audited('badbb')).length === 1);
    expect(await audited('badbb')).toEqual([expect.objectContaining({ stages: 0, backbone: true })]);
    // Nothing FAILED: nothing written, nothing audited. A cancelled run: FAILED_PRECONDITION. No such run: NOT_FOUND.
    expect((await client.retryRun('runs/flaky')).state).toBe('RUN_STATE_SERVING');
    await new Promise((r) => setTimeout(r, 300));
    expect(await audited('flaky')).toHaveLength(1);
    await client.cancelOperation('operations/runs/badbb');
    await expect(client.retryRun('runs/badbb')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await expect(client.retryRun('runs/no-such-run')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    w.close();
  });

  it('RetryRun also gives a stage and a backbone backing off after a failed try fresh tries at once, without waiting out the backoff', async () => {
    const w = await worker('w-retry-backoff');
    const stageRun = await pastPretraining(w, 'backoffstage');
    await w.result(stageRun.first, false, 'data root not mounted');
    await client.createRun({ requestId: '', runId: 'backoffbb', spec: oneStage });
    const pretrain = await w.next('backoffbb', stageRun.taken);
    stageRun.taken.add(pretrain.taskId);
    await w.result(pretrain, false, 'data root not mounted');
    await eventually('both failures recorded', 5_000, async () => (await client.getRun('runs/backoffstage')).shards[0]?.orderings[0]?.stages[0]?.failedAttempts === 1 && (await client.getRun('runs/backoffbb')).backbone?.failedAttempts === 1);
    // The clock does not move: backing off, neither is tried again, however many scheduler ticks pass.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(w.assignments.filter((x) => !stageRun.taken.has(x.taskId))).toEqual([]);
    const retried = await client.retryRun('runs/backoffstage');
    expect(retried.shards[0]?.orderings[0]?.stages[0]).toMatchObject({ failedAttempts: 0, lastError: '' });
    expect((await client.retryRun('runs/backoffbb')).backbone).toMatchObject({ state: 'BACKBONE_STATE_PENDING', failedAttempts: 0 });
    // Both are handed out again with the clock still where it was, and train to SERVING.
    for (const run of ['backoffstage', 'backoffbb', 'backoffbb']) {
      const a = await w.next(run, stageRun.taken);
      stageRun.taken.add(a.taskId);
      await w.result(a, true);
    }
    for (const run of ['backoffstage', 'backoffbb']) await eventually(`${run} serving`, 5_000, async () => (await client.getRun(`runs/${run}`)).state === 'RUN_STATE_SERVING');
    w.close();
  });

  it("applies a timeout an operator changes on a live run to its running task, over the spec's, and GetRun shows it in force", async () => {
    const w = await worker('w-changed-timeout');
    const { taken, first } = await pastPretraining(w, 'changed', { taskSilenceTimeoutS: 0 });
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1_200));
    const inForce = async (): Promise<number | undefined> => (await client.getRun('runs/changed')).spec?.taskSilenceTimeoutS;
    w.progress(first, 0);
    await settle();
    expect(await inForce()).toBe(0);
    // Raised from the spec's never to three times the cluster's: not taken back past the cluster's.
    const longS = (3 * DEFAULT_TASK_SILENCE_TIMEOUT_MS) / 1000;
    expect((await client.updateTaskSilenceTimeout('runs/changed', longS)).spec?.taskSilenceTimeoutS).toBe(longS);
    expect(await inForce()).toBe(longS);
    clock += 2 * DEFAULT_TASK_SILENCE_TIMEOUT_MS;
    await settle();
    expect(w.cancels).toEqual([]);
    // Back to the coordinator's (the spec said never): the task, silent for twice that already, is taken back.
    const back = await client.updateTaskSilenceTimeout('runs/changed', undefined);
    expect(back.spec?.taskSilenceTimeoutS).toBeUndefined();
    expect(await inForce()).toBeUndefined();
    await eventually('changed-timeout task cancelled', 5_000, () => Promise.resolve(w.cancels.includes(first.taskId)));
    expect((await client.getRun('runs/changed')).shards[0]?.orderings[0]?.stages[0]?.lastError).toBe(`no progress for ${(2 * DEFAULT_TASK_SILENCE_TIMEOUT_MS) / 1000} s on worker w-changed-timeout: taken back`);
    // Each change is chained into the audit log.
    const audited = async (): Promise<string[]> => (await store.list(new Keys(PREFIX).auditRecords())).kvs.map((kv) => kv.value).filter((v) => v.includes('"run.task-silence"') && v.includes('runs/changed'));
    await eventually('both changes audited', 5_000, async () => (await audited()).length === 2);
    expect((await audited()).map((v) => (JSON.parse(v) as { details?: unknown }).details)).toEqual([expect.objectContaining({ taskSilenceTimeoutS: longS }), expect.objectContaining({ taskSilenceTimeoutS: null })]);
    clock += 1_000;
    await retryCommits(w, 'changed', first, await w.next('changed', taken));
    w.close();
  });

  it('ListWorkers lists at most 20 tasks of a worker, the longest silent first, and `lethe workers` counts the rest', async () => {
    // A worker that attaches holding 25 tasks (of a run this cluster does not have): counted as started at attach.
    // Ten seconds later 5 of them report: the 20 others are the longest silent.
    const held = Array.from({ length: 25 }, (_, i) => `gone-run|0|0|${String(i).padStart(8, '0')}`);
    // And one id no coordinator made: listed, naming no run.
    const w = await cluster.worker('w-many', { slots: 2, batchCapacity: 16, running: [...held, 'a-not-a-task-id'] });
    const info = async (): Promise<WorkerInfo__Output | undefined> => (await client.listWorkers()).workers.find((x) => x.name === 'workers/w-many');
    await eventually('held tasks listed', 5_000, async () => (await info())?.runningTasks === 26 && (await info())?.tasks.every((t) => t.held) === true);
    clock += 10_000;
    const reported = held.slice(0, 5);
    for (const taskId of reported) w.progress({ taskId } as TaskAssignment__Output, 0.5);
    await eventually('reports in', 5_000, async () => (await info())?.tasks.every((t) => !reported.includes(t.taskId)) === true);
    const listed = (await info())?.tasks ?? [];
    expect(listed).toHaveLength(20);
    expect(listed.every((t) => t.held && t.silentSeconds === 10 && t.progressTime !== null)).toBe(true);
    expect(listed.find((t) => t.taskId === 'a-not-a-task-id')).toMatchObject({ run: '', pretrain: false });
    expect(listed.filter((t) => t.taskId !== 'a-not-a-task-id').every((t) => t.run === 'runs/gone-run' && !t.pretrain && t.stage === '0')).toBe(true);
    const text = formatWorkers((await client.listWorkers()).workers.filter((x) => x.name === 'workers/w-many'));
    expect(text).toContain('held at attach');
    expect(text).toContain('not a Lethe task');
    expect(text).toContain('(and 6 more task(s), less silent)');
    w.close();
  });

  it('times the tasks a worker still holds when it re-attaches (a new stream cannot tell whether they started), its deleted run\'s too', async () => {
    const first = await worker('w-reattach');
    const { first: held } = await pastPretraining(first, 'reattach');
    first.close();
    await eventually('stream gone', 5_000, async () => !(await client.listWorkers()).workers.some((x) => x.name === 'workers/w-reattach' && x.state !== 'WORKER_STATE_LOST'));
    // It also holds a task of a run that is gone (deleted while it was cut off): told to stop it all the same.
    const ghost = 'deleted-run|0|0|0123abcd';
    const again = await cluster.worker('w-reattach', { running: [held.taskId, ghost] });
    await new Promise((r) => setTimeout(r, 600));
    expect((await client.getRun('runs/reattach')).shards[0]?.orderings[0]?.stages[0]?.state).toBe('STAGE_STATE_TRAINING');
    clock += DEFAULT_TASK_SILENCE_TIMEOUT_MS + 1;
    await eventually('held tasks cancelled', 5_000, () => Promise.resolve(again.cancels.includes(held.taskId) && again.cancels.includes(ghost)));
    expect((await client.getRun('runs/reattach')).shards[0]?.orderings[0]?.stages[0]?.lastError).toMatch(/^no progress for \d+ s on worker w-reattach/);
    again.close();
  });

  it.each<{ name: string; forge: Forgery; reason: RegExp }>([
    { name: 'an artifact that was never stored', forge: () => Promise.resolve({ artifact: 'f'.repeat(64), manifestHash: 'm' }), reason: /not a readable stage/ },
    { name: 'an id-list digest other than its manifest\'s', forge: (h) => Promise.resolve({ ...h, manifestHash: 'e'.repeat(64) }), reason: /id-list digest/ },
    {
      // A manifest that tells the truth about a list with one id too many (one outside this stage's slices).
      name: 'a stage trained on an id it must not see',
      forge: (_h, a, store) => honestArtifact(store, a, { ids: (ids) => [...ids, 'blobs-not-in-this-shard'] }),
      reason: /cumulative slices minus the deleted ids/,
    },
  ])('refuses a result with $name: nothing commits, the attempt counts, and an honest retry commits', async ({ name, forge, reason }) => {
    const id = `w-forge-${name.length}`;
    const run = `forged-${name.length}`;
    const w = await worker(id);
    const { taken, first: a } = await pastPretraining(w, run);
    await w.result(a, true, '', forge);
    const stage = await eventually('refusal recorded', 5_000, async () => {
      const s = (await client.getRun(`runs/${run}`)).shards[0]?.orderings[0]?.stages[0];
      return s?.failedAttempts === 1 ? s : undefined;
    });
    expect(stage.state).not.toBe('STAGE_STATE_ACTIVE');
    expect(stage.artifact).toBe('');
    expect(stage.lastError).toMatch(reason);
    clock += 61_000;
    const retry = await w.next(run, taken);
    const honest = await w.result(retry, true);
    await eventually('honest retry serving', 5_000, async () => (await client.getRun(`runs/${run}`)).shards[0]?.orderings[0]?.stages[0]?.artifact === honest);
    w.close();
  });

  it('removes request ids past their retention window, and only those', async () => {
    await client.createRun({ requestId: '', runId: 'sweep', spec: oneStage });
    const keys = new Keys(PREFIX);
    const old = { deletion: '0000000000000-00000000', fingerprint: 'f', at: clock - 31 * 24 * 3600 * 1000 };
    await put(store, keys.request('sweep', 'old'), JSON.stringify(old));
    await put(store, keys.request('sweep', 'recent'), JSON.stringify({ ...old, at: clock }));
    clock += 11 * 60 * 1000; // past the sweep period
    await eventually('expired request id removed', 5_000, async () => (await store.get(keys.request('sweep', 'old'))) === null);
    expect(await store.get(keys.request('sweep', 'recent'))).not.toBeNull();
  });
});
