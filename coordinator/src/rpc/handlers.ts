import type { sendUnaryData, ServerUnaryCall, ServerDuplexStream } from '@grpc/grpc-js';
import { recordedLostDeletions } from '../deletion/lost-deletions.js';
import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import { ErrorCode, LetheError, invalidArgument, toLetheError } from '../../../shared/src/errors/errors.js';
import { MAX_NAME_LENGTH, RUN_ID, parseWorkerName, requireWorkerId } from '../../../shared/src/domain/names.js';
import { quote, requireBoundedString } from '../../../shared/src/domain/validate.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import { toServiceError } from '../../../shared/src/adapters/grpc/status.js';
import type { RunServiceHandlers } from '../../../shared/src/gen/lethe/v1/RunService.js';
import type { DeletionServiceHandlers } from '../../../shared/src/gen/lethe/v1/DeletionService.js';
import type { InferenceServiceHandlers } from '../../../shared/src/gen/lethe/v1/InferenceService.js';
import type { AdminServiceHandlers } from '../../../shared/src/gen/lethe/v1/AdminService.js';
import type { UnlearningJobServiceHandlers } from '../../../shared/src/gen/lethe/v1/UnlearningJobService.js';
import type { OperationsHandlers } from '../../../shared/src/gen/google/longrunning/Operations.js';
import type { WorkerProtocolHandlers } from '../../../shared/src/gen/lethe/v1/WorkerProtocol.js';
import type { WorkerMessage__Output } from '../../../shared/src/gen/lethe/v1/WorkerMessage.js';
import type { CoordinatorMessage } from '../../../shared/src/gen/lethe/v1/CoordinatorMessage.js';
import type { Run } from '../../../shared/src/gen/lethe/v1/Run.js';
import type { Deletion } from '../../../shared/src/gen/lethe/v1/Deletion.js';
import type { Operation } from '../../../shared/src/gen/google/longrunning/Operation.js';
import type { ShardStatus } from '../../../shared/src/gen/lethe/v1/ShardStatus.js';
import type { WorkerInfo } from '../../../shared/src/gen/lethe/v1/WorkerInfo.js';
import { triePrefixes } from '../../../shared/src/ml/shard-job.js';
import type { LeaderElection } from '../leader/leader-election.js';
import type { StateMirror } from '../state/state-mirror.js';
import type { FencedWriter } from '../state/fenced-writer.js';
import type { RoStateStore } from '../../../shared/src/ports/state-store.js';
import type { RunViews } from '../state/run-views.js';
import { activeDepth, fullyTrained, isActive, serving as shardServing, stageState, taintedSlices } from '../../../shared/src/domain/shard-machine.js';
import { WorkerRecordSchema } from '../state/records.js';
import type { RunService } from '../runs/run-service.js';
import { runIdOf } from '../runs/run-service.js';
import { shardRecordOf } from '../runs/stage-state.js';
import type { DeletionService } from '../deletion/deletion-service.js';
import type { Predictor } from '../serving/predictor.js';
import type { PredictRequest__Output } from '../../../shared/src/gen/lethe/v1/PredictRequest.js';
import type { PredictResponse } from '../../../shared/src/gen/lethe/v1/PredictResponse.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { MAX_BATCH_CAPACITY, type AttachedWorker, type WorkerHub } from '../workers/worker-hub.js';
import type { ReceiptSigner } from '../security/receipt-signer.js';
import { auditPut } from '../audit/audit-log.js';
import { MAX_TASK_SILENCE_TIMEOUT_S, TaskSilenceOverrideSchema } from '../../../shared/src/domain/run-spec.js';
import type { Callers } from '../security/auth-interceptor.js';
import type { DeletionRateLimiter } from '../security/rate-limiter.js';
import { mayAttachAs } from '../../../shared/src/domain/roles.js';
import { tokenAdminHandlers } from './token-handlers.js';
import { packAny, receiptToProto, retrainingPolicyFromProto, runSpecFromProto, runSpecToProto, timestamp } from './convert.js';
import { RetrainingPolicySchema } from '../../../shared/src/domain/retraining-policy.js';
import type { JobService } from '../jobs/job-service.js';
import type { CoordinatorMetrics } from '../metrics/coordinator-metrics.js';
import { jobOperation, jobStateOf, jobToProto, methodName, structToJson } from './job-convert.js';

export interface HandlerDeps {
  readonly jobs: JobService;
  /** Deletes a run, its state and artifacts; `by` is the caller, for the audit log. */
  readonly runDeletion: (run: string, by: string) => Promise<unknown>;
  readonly metrics: CoordinatorMetrics;
  /** For quorum reads that confirm the mirror is current. */
  readonly store: RoStateStore;
  readonly views: RunViews;
  readonly writer: FencedWriter;
  readonly mirror: StateMirror;
  readonly election: LeaderElection;
  readonly runs: RunService;
  readonly deletions: DeletionService;
  readonly predictor: Predictor;
  readonly scheduler: Scheduler;
  readonly hub: WorkerHub;
  readonly logger: Logger;
  readonly revisionWaitMs: number;
  readonly heartbeatMs: number;
  readonly coordinatorId: string;
  /** Signs every receipt the API returns. */
  readonly receipts: ReceiptSigner;
  /** Who made each call (the auth interceptor fills it in). */
  readonly callers: Callers;
  readonly deletionLimiter: DeletionRateLimiter;
}

/** Refusals caused by the request or the caller, logged at info; anything else is a fault. */
const CALLER_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.NOT_FOUND,
  ErrorCode.ALREADY_EXISTS,
  ErrorCode.NOT_LEADER,
  ErrorCode.FAILED_PRECONDITION,
  ErrorCode.PERMISSION_DENIED,
  ErrorCode.RESOURCE_EXHAUSTED,
]);

/** Wraps an async handler: typed errors become gRPC statuses, caller errors log at info, faults at error. */
function unary<Req, Res>(deps: HandlerDeps, rpc: string, f: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    const log = deps.logger.child({ rpc });
    // A handler that throws synchronously must still answer with a typed status, never "Unknown error".
    Promise.resolve()
      .then(() => f(call.request, call))
      .then(
      (res) => callback(null, res),
      (e: unknown) => {
        const err = toLetheError(e);
        const caller = CALLER_ERRORS.has(err.code);
        if (caller) log.info({ code: err.code, message: err.message }, 'request refused');
        else log.error({ err }, 'request failed');
        callback(toServiceError(err));
      },
    );
  };
}

/** Longest wait for `min_revision` a call may ask for through its deadline. */
const MAX_REVISION_WAIT_MS = 600_000;

/**
 * Read-your-writes: waits until this replica has applied `minRevision` (a receipt's revision). The wait lasts up to
 * the call's deadline; a call without one waits the configured default.
 */
async function awaitRevision(deps: HandlerDeps, call: { getDeadline(): Date | number }, minRevision: string | number): Promise<void> {
  const min = Number(minRevision);
  if (!Number.isSafeInteger(min) || min < 0) throw invalidArgument('min_revision must be a non-negative integer', { field: 'min_revision' });
  if (min === 0 || deps.mirror.revision >= min) return;
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const budget = Number.isFinite(at) ? at - Date.now() : deps.revisionWaitMs;
  await deps.mirror.waitFor(min, Math.max(1, Math.min(budget, MAX_REVISION_WAIT_MS)));
}

/** Longest staleness a read may ask for. */
const MAX_STALENESS_MS = 60_000;

/**
 * No read serves a stale view silently. By default the replica asks etcd (a quorum read) for the latest change
 * under the runs' keys that its mirror has not applied, and waits for it; a caller may instead accept a view
 * confirmed at most `max_staleness_ms` ago. (The runs' keys are only ever put, never deleted, so the latest
 * modification revision says everything.) `min_revision` > 0 waits for that revision instead.
 */
async function fresh(deps: HandlerDeps, call: { getDeadline(): Date | number }, req: { minRevision?: string; maxStalenessMs?: number }): Promise<void> {
  const staleness = req.maxStalenessMs ?? 0;
  if (!Number.isInteger(staleness) || staleness < 0 || staleness > MAX_STALENESS_MS) throw invalidArgument(`max_staleness_ms must be in [0, ${MAX_STALENESS_MS}], got ${staleness}`, { field: 'max_staleness_ms' });
  if (req.minRevision !== undefined && req.minRevision !== '0') return awaitRevision(deps, call, req.minRevision);
  if (staleness > 0 && Date.now() - deps.mirror.confirmedAt <= staleness) return;
  const asked = Date.now();
  const latest = await deps.store.latestModRevision(deps.views.keys.runs(), deps.mirror.revision);
  if (latest !== null) await awaitRevision(deps, call, latest);
  deps.mirror.confirmedAt = Math.max(deps.mirror.confirmedAt, asked);
}

async function requireLeader(deps: HandlerDeps): Promise<void> {
  if (deps.election.isLeader) return;
  const leader = await deps.election.leader().catch(() => null);
  throw new LetheError(ErrorCode.NOT_LEADER, leader === null ? 'no coordinator is leading right now; retry shortly' : `not the leader; the leader is ${leader.id} at ${leader.address}`, {
    details: leader === null ? {} : { leader: leader.address },
  });
}

function runView(deps: HandlerDeps, run: string): Run {
  const { views } = deps;
  const record = views.run(run);
  if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
  const backbone = views.backbone(run)?.value;
  const backboneReady = backbone?.state === 'ready';
  const shards: ShardStatus[] = [];
  let allLive = true;
  let anyFailed = backbone?.state === 'failed';
  let passes = 0;
  let discarded = 0;
  for (let shard = 0; shard < record.spec.shards; shard++) {
    const rec = shardRecordOf(views, run, record, shard).value;
    const serving = shardServing(rec, shard, record.orderings);
    allLive &&= serving.live;
    passes += rec.samplePasses;
    discarded += rec.discardedSamplePasses;
    shards.push({
      shard,
      taintedSlices: taintedSlices(rec),
      serving,
      sliceSizes: (record.sliceSizes[shard] ?? []).map(String),
      orderings: record.orderings.map((order, index) => ({
        index,
        slices: order,
        survivingDepth: activeDepth(rec, order),
        stages: order.map((_, i) => {
          const key = stagePrefixKey(order, i + 1);
          const c = rec.committed[key];
          const t = rec.training[key];
          const state = stageState(rec, order, i + 1, backboneReady);
          anyFailed ||= state === 'FAILED';
          return {
            stage: i + 1,
            state: `STAGE_STATE_${state}` as const,
            trainedOn: order.slice(0, i + 1).map((slice, j) => ({ slice, generation: String(c?.generations[j] ?? t?.generations[j] ?? rec.generations[slice] ?? 0) })),
            artifact: c?.digest ?? '',
            manifestHash: c?.manifestHash ?? '',
            workerId: t?.worker ?? c?.worker ?? '',
            committedAt: timestamp(c?.committedAt),
            failedAttempts: rec.failures[key]?.attempts ?? 0,
            lastError: rec.failures[key]?.lastError ?? '',
          };
        }),
      })),
    });
  }
  // SERVING means what the proto says: every shard serves a clean stage (retraining may still run behind it).
  // FAILED: some stage (or the backbone) exhausted its retries, so the run cannot get there.
  const cancelled = deps.views.cancelled(run);
  const lost = recordedLostDeletions(deps.views, run);
  const state = cancelled
    ? 'RUN_STATE_CANCELLED'
    : allLive && backboneReady
      ? 'RUN_STATE_SERVING'
      : anyFailed
        ? 'RUN_STATE_FAILED'
        : backbone?.state === 'pending'
          ? 'RUN_STATE_PLANNED'
          : backbone?.state === 'training'
            ? 'RUN_STATE_PRETRAINING'
            : 'RUN_STATE_TRAINING';
  return {
    name: record.name,
    spec: runSpecToProto(views.specInForce(run, record.spec)),
    state,
    salt: record.salt,
    shards,
    createTime: timestamp(record.createTime),
    revision: String(deps.mirror.revision),
    userSamples: String(record.userSamples),
    publicSamples: String(record.publicSamples),
    trainSamplePasses: String(passes),
    discardedSamplePasses: String(discarded),
    backbone: {
      state: `BACKBONE_STATE_${(backbone?.state ?? 'pending').toUpperCase() as 'PENDING' | 'TRAINING' | 'READY' | 'FAILED'}`,
      artifact: backbone?.state === 'ready' ? (backbone.digest ?? '') : '',
      workerId: backbone?.worker ?? '',
      failedAttempts: backbone?.attempts ?? 0,
      lastError: backbone?.lastError ?? '',
    },
    lostDeletionCount: lost.count,
    lostDeletions: lost.listed.map((l) => ({ deletion: l.deletion, requestId: l.requestId, acknowledgeTime: timestamp(l.acknowledgeTime) })),
  };
}

/** Most failures an operation's error names one by one (the rest are counted). */
const FAILURES_NAMED = 3;

/** What a run can no longer train, from its view: the backbone or the stages that ran out of tries, with why. */
function trainingFailures(view: Run): string[] {
  const failures: string[] = [];
  if (view.backbone?.state === 'BACKBONE_STATE_FAILED') failures.push(`backbone pretraining failed after ${view.backbone.failedAttempts ?? 0} tries: ${view.backbone.lastError ?? ''}`);
  for (const s of view.shards ?? []) {
    for (const o of s.orderings ?? []) {
      for (const st of o.stages ?? []) {
        if (st.state === 'STAGE_STATE_FAILED') failures.push(`shard ${s.shard ?? 0} ordering ${o.index ?? 0} stage ${st.stage ?? 0} failed after ${st.failedAttempts ?? 0} tries: ${st.lastError ?? ''}`);
      }
    }
  }
  return failures;
}

function operationOf(deps: HandlerDeps, run: string): Operation {
  const view = runView(deps, run);
  const record = deps.views.run(run);
  const prefixes = triePrefixes(record?.orderings ?? []);
  const total = (record?.spec.shards ?? 0) * prefixes.length;
  let committed = 0;
  let done = record !== undefined && total > 0;
  for (let shard = 0; record !== undefined && shard < record.spec.shards; shard++) {
    const rec = deps.views.shard(run, shard)?.value;
    if (rec !== undefined) for (const p of prefixes) if (isActive(rec, stagePrefixKey(p, p.length))) committed++;
    done &&= rec !== undefined && fullyTrained(rec, record.orderings);
  }
  const metadata = packAny('lethe.v1.CreateRunProgress', { run: `runs/${run}`, state: view.state, stagesTotal: total, stagesCommitted: committed });
  // A cancelled run's operation is done with CANCELLED (AIP-151), whatever it had trained.
  if (view.state === 'RUN_STATE_CANCELLED') return { name: `operations/runs/${run}`, done: true, metadata, error: { code: 1, message: `run '${run}' was cancelled by an operator`, details: [] } };
  // Out of tries, the run cannot finish training (it may still serve shallower stages): done, ABORTED, saying why.
  const failures = trainingFailures(view);
  if (failures.length > 0) {
    const more = failures.length > FAILURES_NAMED ? `; and ${failures.length - FAILURES_NAMED} more` : '';
    return { name: `operations/runs/${run}`, done: true, metadata, error: { code: 10, message: `run '${run}' cannot finish training: ${failures.slice(0, FAILURES_NAMED).join('; ')}${more}`, details: [] } };
  }
  return {
    name: `operations/runs/${run}`,
    done,
    metadata,
    ...(done ? { response: packAny('lethe.v1.Run', { name: view.name, state: view.state, salt: view.salt }) } : {}),
  };
}

export function runHandlers(deps: HandlerDeps): RunServiceHandlers {
  return {
    UpdateRetrainingPolicy: unary(deps, 'UpdateRetrainingPolicy', async (req, call) => {
      const run = runIdOf(deps.views, req.name, 'name');
      if (req.policy === null) throw invalidArgument('policy is required', { field: 'policy' });
      const parsed = RetrainingPolicySchema.safeParse(retrainingPolicyFromProto(req.policy));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = `policy.${issue?.path.join('.') ?? ''}`;
        throw invalidArgument(`invalid retraining policy: ${field}: ${issue?.message ?? 'invalid'}`, { field });
      }
      await requireLeader(deps);
      const by = deps.callers.of(call).name;
      await deps.writer.write([], [{ key: deps.views.keys.retraining(run), value: JSON.stringify(parsed.data) }, auditPut(deps.views.keys, 'run.retraining', `runs/${run}`, { ...parsed.data, by })]);
      deps.logger.info({ run, policy: parsed.data, by }, 'retraining policy changed');
      deps.scheduler.wake();
      return runView(deps, run);
    }),
    UpdateTaskSilenceTimeout: unary(deps, 'UpdateTaskSilenceTimeout', async (req, call) => {
      const run = runIdOf(deps.views, req.name, 'name');
      const seconds = req.taskSilenceTimeoutS ?? null;
      const parsed = TaskSilenceOverrideSchema.safeParse({ taskSilenceTimeoutS: seconds });
      if (!parsed.success) throw invalidArgument(`task_silence_timeout_s must be 0..${MAX_TASK_SILENCE_TIMEOUT_S} seconds (0: never; unset: the coordinator's), got ${String(seconds)}`, { field: 'task_silence_timeout_s' });
      await requireLeader(deps);
      const by = deps.callers.of(call).name;
      await deps.writer.write([], [{ key: deps.views.keys.taskSilence(run), value: JSON.stringify(parsed.data) }, auditPut(deps.views.keys, 'run.task-silence', `runs/${run}`, { ...parsed.data, by })]);
      deps.logger.info({ run, taskSilenceTimeoutS: seconds, by }, 'task silence timeout changed');
      deps.scheduler.wake();
      return runView(deps, run);
    }),
    RetryRun: unary(deps, 'RetryRun', async (req, call) => {
      const run = runIdOf(deps.views, req.name, 'name');
      await requireLeader(deps);
      await deps.runs.retryFailed(run, deps.callers.of(call).name);
      deps.scheduler.wake();
      return runView(deps, run);
    }),
    DeleteRun: unary(deps, 'DeleteRun', async (req, call) => {
      await requireLeader(deps);
      await deps.runDeletion(runIdOf(deps.views, req.name, 'name'), deps.callers.of(call).name);
      return {};
    }),
    CreateRun: unary(deps, 'CreateRun', async (req, call) => {
      await requireLeader(deps);
      const { run } = await deps.runs.createRun(req.requestId, req.runId, runSpecFromProto(req.spec), deps.callers.of(call).name);
      return operationOf(deps, run);
    }),
    GetRun: unary(deps, 'GetRun', async (req, call) => {
      await fresh(deps, call, req);
      const run = runIdOf(deps.views, req.name, 'name');
      return runView(deps, run);
    }),
    ListRuns: unary(deps, 'ListRuns', async (req, call) => {
      await fresh(deps, call, req);
      if (req.pageSize < 0 || req.pageSize > 100) throw invalidArgument(`page_size must be in [0, 100] (0: 50), got ${req.pageSize}`, { field: 'page_size' });
      // The page token is the last run id of the previous page.
      if (req.pageToken !== '' && !RUN_ID.test(req.pageToken)) throw invalidArgument(`page_token ${quote(req.pageToken, 40)} is not a token this API issued`, { field: 'page_token' });
      const size = req.pageSize > 0 ? req.pageSize : 50;
      const names = deps.views.runNames().filter((n) => req.pageToken === '' || n > req.pageToken);
      const page = names.slice(0, size);
      return { runs: page.map((n) => runView(deps, n)), nextPageToken: names.length > size ? (page[page.length - 1] ?? '') : '' };
    }),
  };
}

export function operationsHandlers(deps: HandlerDeps): OperationsHandlers {
  const jobOp = (raw: string): Promise<Operation> | null => {
    const name = requireBoundedString('name', raw, MAX_NAME_LENGTH, 1);
    const m = /^operations\/(jobs\/.+)$/.exec(name);
    return m === null ? null : deps.jobs.get(m[1]).then(jobOperation);
  };
  const runOf = (raw: string): string => {
    const name = requireBoundedString('name', raw, MAX_NAME_LENGTH, 1);
    const m = /^operations\/runs\/(.+)$/.exec(name);
    if (m === null) throw new LetheError(ErrorCode.NOT_FOUND, `operation ${quote(name)} not found`);
    return runIdOf(deps.views, m[1], 'name');
  };
  return {
    GetOperation: unary(deps, 'GetOperation', (req) => jobOp(req.name) ?? Promise.resolve(operationOf(deps, runOf(req.name)))),
    ListOperations: unary(deps, 'ListOperations', async () => ({
      operations: [...deps.views.runNames().map((r) => operationOf(deps, r)), ...(await deps.jobs.list({ pageSize: 1000, pageToken: '' })).jobs.map(jobOperation)],
      nextPageToken: '',
    })),
    WaitOperation: unary(deps, 'WaitOperation', async (req) => {
      const timeoutMs = req.timeout === null ? 60_000 : Number(req.timeout.seconds) * 1000 + req.timeout.nanos / 1e6;
      const deadline = Date.now() + Math.min(timeoutMs, 600_000);
      const run = jobOp(req.name) === null ? runOf(req.name) : null;
      for (;;) {
        const op = run === null ? await (jobOp(req.name) as Promise<Operation>) : operationOf(deps, run);
        if (op.done === true || Date.now() > deadline) return op;
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
    CancelOperation: unary(deps, 'CancelOperation', async (req, call) => {
      const m = /^operations\/(jobs\/.+)$/.exec(requireBoundedString('name', req.name, MAX_NAME_LENGTH, 1));
      await requireLeader(deps);
      const by = deps.callers.of(call).name;
      if (m === null) await deps.runs.cancelRun(runOf(req.name), by);
      else await deps.jobs.cancel(m[1], by);
      return {};
    }),
    DeleteOperation: unary(deps, 'DeleteOperation', () => Promise.reject(new LetheError(ErrorCode.UNIMPLEMENTED, 'run operations are kept with their runs'))),
  };
}

export function deletionHandlers(deps: HandlerDeps): DeletionServiceHandlers {
  const deletionProto = (d: ReturnType<DeletionService['getDeletion']>): Deletion => ({
    receipt: deps.receipts.sign(receiptToProto(d.receipt)),
    state: `DELETION_STATE_${d.state}`,
    retrainCompleteTime: timestamp(d.retrainCompleteTime),
    purgeCompleteTime: timestamp(d.purgeCompleteTime),
  });
  return {
    DeleteSamples: unary(deps, 'DeleteSamples', async (req, call) => {
      const stop = deps.metrics.deletionSeconds.startTimer();
      try {
        deps.deletionLimiter.admit(deps.callers.of(call).name, req.sampleIds.length);
        await requireLeader(deps);
        const receipt = await deps.deletions.deleteSamples(req.requestId, req.run, req.sampleIds, deps.callers.of(call).name);
        deps.metrics.deletionRequests.inc({ outcome: 'ok' });
        return deps.receipts.sign(receiptToProto(receipt));
      } catch (e) {
        deps.metrics.deletionRequests.inc({ outcome: toLetheError(e).code });
        throw e;
      } finally {
        stop();
      }
    }),
    GetDeletion: unary(deps, 'GetDeletion', async (req, call) => {
      await fresh(deps, call, req);
      return deletionProto(deps.deletions.getDeletion(req.name));
    }),
    ListDeletions: unary(deps, 'ListDeletions', async (req, call) => {
      await fresh(deps, call, req);
      const page = deps.deletions.listDeletions(req.run, req.pageSize, req.pageToken);
      return { deletions: page.deletions.map(deletionProto), nextPageToken: page.nextPageToken };
    }),
    GetReceiptKey: unary(deps, 'GetReceiptKey', () => Promise.resolve({ keyId: deps.receipts.keyId, algorithm: 'Ed25519', publicKeyPem: deps.receipts.publicKeyPem })),
    WhereIs: unary(deps, 'WhereIs', async (req, call) => {
      await fresh(deps, call, req);
      const loc = deps.deletions.whereIs(req.run, req.sampleId);
      return {
        sampleId: loc.sampleId,
        shard: loc.shard,
        slice: loc.slice,
        deleted: loc.deleted,
        public: loc.public,
        test: loc.test,
        stages: loc.stages.map((s) => ({ stage: { shard: s.shard, ordering: s.ordering, stage: s.stage }, state: `STAGE_STATE_${s.state}` as const })),
      };
    }),
  };
}

export function inferenceHandlers(deps: HandlerDeps): InferenceServiceHandlers {
  return {
    Predict: unary(deps, 'Predict', (req, call) => {
      const stop = deps.metrics.predictSeconds.startTimer();
      return predict(req, call).then(
        (res) => {
          stop({ outcome: 'ok' });
          return res;
        },
        (e: unknown) => {
          stop({ outcome: toLetheError(e).code });
          throw e;
        },
      );
    }),
  };
  async function predict(req: PredictRequest__Output, call: { getDeadline(): Date | number }): Promise<PredictResponse> {
      await fresh(deps, call, req);
      const run = runIdOf(deps.views, req.run);
      const inputs = req.inputs;
      if (inputs === null) throw invalidArgument('inputs are required', { field: 'inputs' });
      const p = await deps.predictor.predict(req.run, run, Float32Array.from(inputs.values), inputs.shape, deps.mirror.revision);
      return { outputs: { shape: [...p.shape], values: Array.from(p.outputs) }, predictedClasses: [...p.predictedClasses], serving: [...p.serving], revision: String(p.revision) };
  }
}

/** Tasks ListWorkers lists per worker (the longest silent): a GPU worker may hold thousands, a reply stays small. */
export const MAX_TASKS_LISTED = 20;

function workerInfo(deps: HandlerDeps, id: string): WorkerInfo {
  const w = deps.hub.get(id);
  const reg = deps.mirror.json(deps.views.keys.worker(id), (v) => WorkerRecordSchema.parse(v))?.value;
  const drained = deps.mirror.get(deps.views.keys.drain(id)) !== undefined;
  const state = w === undefined ? 'WORKER_STATE_LOST' : w.draining || w.shuttingDown || drained ? 'WORKER_STATE_DRAINING' : w.running.size > 0 ? 'WORKER_STATE_BUSY' : 'WORKER_STATE_IDLE';
  return {
    name: `workers/${id}`,
    state,
    backend: w?.backend ?? reg?.backend ?? '',
    gpu: w?.gpu ?? reg?.gpu ?? '',
    slots: w?.slots ?? reg?.slots ?? 0,
    runningTasks: w?.running.size ?? 0,
    lastHeartbeat: timestamp(w?.lastHeartbeat.toISOString()),
    version: w?.version ?? reg?.version ?? '',
    tasks: deps.scheduler.tasksOf(id, MAX_TASKS_LISTED).map((t) => ({
      taskId: t.taskId,
      // A task id the coordinator did not make (held at attach) names no run.
      run: t.run === '' ? '' : `runs/${t.run}`,
      pretrain: t.run !== '' && t.shard === null,
      shard: t.shard ?? 0,
      stage: t.stage,
      sendTime: timestamp(new Date(t.sentMs).toISOString()),
      progressTime: t.progress === null ? null : timestamp(new Date(t.progress.atMs).toISOString()),
      fraction: t.progress?.fraction ?? 0,
      silentSeconds: t.silentMs / 1000,
      held: t.progress !== null && t.progress.fraction === null,
    })),
  };
}

export function adminHandlers(deps: HandlerDeps): AdminServiceHandlers {
  return {
    ...tokenAdminHandlers(deps, (rpc, f) => unary(deps, rpc, f), () => requireLeader(deps)),
    ListWorkers: unary(deps, 'ListWorkers', () => {
      const registered = deps.mirror.keys(deps.views.keys.workers()).map((k) => decodeURIComponent(k.slice(deps.views.keys.workers().length)));
      const ids = [...new Set([...registered, ...deps.hub.all().map((w) => w.id)])].sort();
      return Promise.resolve({ workers: ids.map((id) => workerInfo(deps, id)) });
    }),
    DrainWorker: unary(deps, 'DrainWorker', async (req, call) => {
      await requireLeader(deps);
      const id = knownWorker(deps, req.name);
      const by = deps.callers.of(call).name;
      await deps.writer.write([], [{ key: deps.views.keys.drain(id), value: JSON.stringify({ since: new Date().toISOString(), reason: 'drained by an operator' }) }, auditPut(deps.views.keys, 'worker.drain', `workers/${id}`, { by })]);
      const w = deps.hub.get(id);
      if (w !== undefined) {
        w.draining = true;
        w.send({ drain: { reason: 'drained by an operator', lifted: false } });
      }
      deps.logger.info({ worker: id }, 'worker draining');
      return workerInfo(deps, id);
    }),
    UndrainWorker: unary(deps, 'UndrainWorker', async (req, call) => {
      await requireLeader(deps);
      const id = knownWorker(deps, req.name);
      await deps.writer.write([], [auditPut(deps.views.keys, 'worker.undrain', `workers/${id}`, { by: deps.callers.of(call).name })], [deps.views.keys.drain(id)]);
      const w = deps.hub.get(id);
      if (w !== undefined) {
        w.draining = false;
        w.send({ drain: { reason: 'drain lifted by an operator', lifted: true } });
      }
      deps.scheduler.wake();
      deps.logger.info({ worker: id }, 'worker drain lifted');
      return workerInfo(deps, id);
    }),
  };
}

/** A worker id from a request's name that is attached or registered; NOT_FOUND otherwise. */
function knownWorker(deps: HandlerDeps, name: string): string {
  const id = parseWorkerName(name);
  if (deps.hub.get(id) === undefined && deps.mirror.get(deps.views.keys.worker(id)) === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `worker '${id}' is neither attached nor registered`);
  return id;
}

export function jobHandlers(deps: HandlerDeps): UnlearningJobServiceHandlers {
  return {
    SubmitUnlearningJob: unary(deps, 'SubmitUnlearningJob', async (req, call) => {
      const forget = req.forget;
      const view = await deps.jobs.submit({
        by: deps.callers.of(call).name,
        requestId: req.requestId,
        method: methodName(req.method),
        model: req.model,
        forget:
          forget === null || forget.selector === undefined
            ? null
            : forget.selector === 'classLabel'
              ? { classLabel: forget.classLabel as number, unlabelled: forget.unlabelled }
              : { ids: forget.sampleIds?.ids ?? [], unlabelled: forget.unlabelled },
        parameters: req.parameters === null ? {} : structToJson(req.parameters),
      });
      return jobOperation(view);
    }),
    GetUnlearningJob: unary(deps, 'GetUnlearningJob', async (req) => jobToProto(await deps.jobs.get(req.name))),
    ListUnlearningJobs: unary(deps, 'ListUnlearningJobs', async (req) => {
      const state = req.state === 'JOB_STATE_UNSPECIFIED' ? undefined : jobStateOf(req.state);
      const r = await deps.jobs.list({ pageSize: req.pageSize, pageToken: req.pageToken, ...(state === undefined ? {} : { state }) });
      return { jobs: r.jobs.map(jobToProto), nextPageToken: r.nextPageToken };
    }),
    CancelUnlearningJob: unary(deps, 'CancelUnlearningJob', async (req, call) => jobToProto(await deps.jobs.cancel(req.name, deps.callers.of(call).name))),
  };
}

/**
 * The worker stream: hello first (anything else closes the stream with INVALID_ARGUMENT), then heartbeats,
 * progress and results; the coordinator sends assignments, cancels and drain. Only the leader accepts workers.
 */
export function workerProtocolHandlers(deps: HandlerDeps): WorkerProtocolHandlers {
  return {
    Attach: (call: ServerDuplexStream<WorkerMessage__Output, CoordinatorMessage>) => {
      let worker: AttachedWorker | undefined;
      const fail = (e: unknown): void => {
        const err = toLetheError(e);
        call.emit('error', toServiceError(err));
        call.end();
      };
      const onDeposed = (): void => fail(new LetheError(ErrorCode.NOT_LEADER, 'this coordinator stopped leading'));
      deps.election.once('deposed', onDeposed);
      call.on('data', (msg: WorkerMessage__Output) => {
        void (async () => {
          try {
            if (worker === undefined) {
              if (msg.hello === null || msg.hello === undefined) throw invalidArgument('the first message of Attach must be hello');
              await requireLeader(deps);
              const h = msg.hello;
              requireWorkerId(h.workerId);
              // A worker is who its credential says: the certificate's CN or the worker token's subject.
              const caller = deps.callers.of(call);
              if (!mayAttachAs(caller.name, h.workerId)) {
                throw new LetheError(ErrorCode.PERMISSION_DENIED, `this credential belongs to worker '${caller.name}'; it cannot attach as '${h.workerId}'`);
              }
              // One identity holds one stream: a second attach while the first still heartbeats is refused (a
              // stream silent for three heartbeats is stale, e.g. a reconnect after a network cut, and is replaced).
              const current = deps.hub.get(h.workerId);
              if (current !== undefined && Date.now() - current.lastHeartbeat.getTime() < 3 * deps.heartbeatMs) {
                throw new LetheError(ErrorCode.ALREADY_EXISTS, `worker '${h.workerId}' is already attached on another stream`);
              }
              if (h.slots <= 0 || h.slots > 1024) throw invalidArgument(`hello.slots must be in [1, 1024], got ${h.slots}`, { field: 'slots' });
              if (h.batchCapacity < 0 || h.batchCapacity > MAX_BATCH_CAPACITY) {
                throw invalidArgument(`hello.batch_capacity must be in [0, ${MAX_BATCH_CAPACITY}], got ${h.batchCapacity}`, { field: 'batch_capacity' });
              }
              worker = {
                id: h.workerId,
                backend: h.backend,
                gpu: h.gpu,
                slots: h.slots,
                batchCapacity: Math.max(1, h.batchCapacity),
                version: h.version,
                leaseId: h.leaseId,
                running: new Map(h.runningTaskIds.map((id) => [id, Date.now()])),
                // An operator's drain outlives reconnects and coordinator restarts: it is read from etcd.
                draining: deps.mirror.get(deps.views.keys.drain(h.workerId)) !== undefined,
                shuttingDown: false,
                lastHeartbeat: new Date(),
                progress: new Map(),
                send: (m) => call.write(m),
                close: () => call.end(),
              };
              deps.hub.attach(worker);
              await deps.scheduler.reconcileWorker(worker.id, new Set(h.runningTaskIds));
              call.write({ accepted: { coordinatorId: deps.coordinatorId, heartbeatIntervalMs: String(deps.heartbeatMs) } });
              if (worker.draining) call.write({ drain: { reason: 'drained by an operator', lifted: false } });
              return;
            }
            worker.lastHeartbeat = new Date();
            if (msg.progress !== null && msg.progress !== undefined) {
              deps.scheduler.progressed(worker.id, msg.progress.taskId, msg.progress.fraction, msg.progress.loss);
              deps.logger.debug({ worker: worker.id, taskId: msg.progress.taskId, fraction: msg.progress.fraction, loss: msg.progress.loss }, 'task progress');
            } else if (msg.result !== null && msg.result !== undefined) {
              await deps.scheduler.handleResult(worker.id, msg.result);
            }
            else if (msg.release !== null && msg.release !== undefined) {
              deps.logger.info({ worker: worker.id, taskId: msg.release.taskId, reason: msg.release.reason }, 'task handed back');
              await deps.scheduler.handedBack(worker.id, msg.release.taskId);
            } else if (msg.heartbeat !== null && msg.heartbeat !== undefined) {
              if (msg.heartbeat.shuttingDown && !worker.shuttingDown) {
                worker.shuttingDown = true;
                deps.logger.info({ worker: worker.id }, 'worker shutting down: no new tasks for it');
              }
              await deps.scheduler.heartbeat(worker.id, new Set(msg.heartbeat.runningTaskIds));
            }
          } catch (e) {
            fail(e);
          }
        })();
      });
      const detach = (): void => {
        deps.election.off('deposed', onDeposed);
        if (worker !== undefined) deps.hub.detach(worker.id, worker);
      };
      call.on('end', () => {
        detach();
        call.end();
      });
      call.on('error', detach);
      call.on('cancelled', detach);
    },
  };
}
