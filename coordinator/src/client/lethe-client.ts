import type { ReceiptKey__Output } from '../../../shared/src/gen/lethe/v1/ReceiptKey.js';
import { Metadata, type Client, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { channelCredentials, type ClientCredentials } from '../../../shared/src/security/tls.js';

export type { ClientCredentials };
import type { RetrainingPolicy } from '../../../shared/src/gen/lethe/v1/RetrainingPolicy.js';
import type { CreatedToken__Output } from '../../../shared/src/gen/lethe/v1/CreatedToken.js';
import type { ListTokensResponse__Output } from '../../../shared/src/gen/lethe/v1/ListTokensResponse.js';
import type { TokenInfo__Output } from '../../../shared/src/gen/lethe/v1/TokenInfo.js';
import { loadLetheProtos } from '../../../shared/src/adapters/grpc/protos.js';
import { fromServiceError } from '../../../shared/src/adapters/grpc/status.js';
import { LetheError } from '../../../shared/src/errors/errors.js';
import { randomUUID } from 'node:crypto';
import type { RunServiceClient } from '../../../shared/src/gen/lethe/v1/RunService.js';
import type { DeletionServiceClient } from '../../../shared/src/gen/lethe/v1/DeletionService.js';
import type { InferenceServiceClient } from '../../../shared/src/gen/lethe/v1/InferenceService.js';
import type { AdminServiceClient } from '../../../shared/src/gen/lethe/v1/AdminService.js';
import type { OperationsClient } from '../../../shared/src/gen/google/longrunning/Operations.js';
import type { CreateRunRequest } from '../../../shared/src/gen/lethe/v1/CreateRunRequest.js';
import type { Operation__Output } from '../../../shared/src/gen/google/longrunning/Operation.js';
import type { Run__Output } from '../../../shared/src/gen/lethe/v1/Run.js';
import type { DeletionReceipt__Output } from '../../../shared/src/gen/lethe/v1/DeletionReceipt.js';
import type { Deletion__Output } from '../../../shared/src/gen/lethe/v1/Deletion.js';
import type { SampleLocation__Output } from '../../../shared/src/gen/lethe/v1/SampleLocation.js';
import type { PredictResponse__Output } from '../../../shared/src/gen/lethe/v1/PredictResponse.js';
import type { ListWorkersResponse__Output } from '../../../shared/src/gen/lethe/v1/ListWorkersResponse.js';
import type { ListRunsResponse__Output } from '../../../shared/src/gen/lethe/v1/ListRunsResponse.js';
import type { ListDeletionsResponse__Output } from '../../../shared/src/gen/lethe/v1/ListDeletionsResponse.js';
import type { WorkerInfo__Output } from '../../../shared/src/gen/lethe/v1/WorkerInfo.js';
import type { UnlearningJobServiceClient } from '../../../shared/src/gen/lethe/v1/UnlearningJobService.js';
import type { SubmitUnlearningJobRequest } from '../../../shared/src/gen/lethe/v1/SubmitUnlearningJobRequest.js';
import type { UnlearningJob__Output } from '../../../shared/src/gen/lethe/v1/UnlearningJob.js';
import type { ListUnlearningJobsResponse__Output } from '../../../shared/src/gen/lethe/v1/ListUnlearningJobsResponse.js';

type Callback<T> = (err: ServiceError | null, res?: T) => void;


/** A typed, promise-based client of the v1 API (CLI, tests, demo). */
export class LetheClient {
  private readonly runs: RunServiceClient;
  private readonly ops: OperationsClient;
  private readonly deletions: DeletionServiceClient;
  private readonly inference: InferenceServiceClient;
  private readonly admin: AdminServiceClient;
  private readonly jobs: UnlearningJobServiceClient;

  private readonly token: string | undefined;

  /** `channelOptions` go to every service client; equal options let them share one connection. */
  constructor(
    readonly address: string,
    creds: ClientCredentials,
    private readonly timeoutMs = 30_000,
    channelOptions: ChannelOptions = {},
  ) {
    const { grpc } = loadLetheProtos();
    this.token = creds.token;
    const c = channelCredentials(creds.transport);
    this.runs = new grpc.lethe.v1.RunService(address, c, channelOptions);
    this.ops = new grpc.google.longrunning.Operations(address, c, channelOptions);
    this.deletions = new grpc.lethe.v1.DeletionService(address, c, channelOptions);
    this.inference = new grpc.lethe.v1.InferenceService(address, c, channelOptions);
    this.admin = new grpc.lethe.v1.AdminService(address, c, channelOptions);
    this.jobs = new grpc.lethe.v1.UnlearningJobService(address, c, channelOptions);
  }

  submitJob(req: SubmitUnlearningJobRequest): Promise<Operation__Output> {
    return this.call<Operation__Output>((m, o, cb) => this.jobs.submitUnlearningJob(req, m, o, cb), this.timeoutMs);
  }
  getJob(name: string): Promise<UnlearningJob__Output> {
    return this.call<UnlearningJob__Output>((m, o, cb) => this.jobs.getUnlearningJob({ name }, m, o, cb), this.timeoutMs);
  }
  listJobs(pageSize = 0, pageToken = '', state = 'JOB_STATE_UNSPECIFIED'): Promise<ListUnlearningJobsResponse__Output> {
    return this.call<ListUnlearningJobsResponse__Output>((m, o, cb) => this.jobs.listUnlearningJobs({ pageSize, pageToken, state: state as 'JOB_STATE_UNSPECIFIED' }, m, o, cb), this.timeoutMs);
  }
  cancelJob(name: string): Promise<UnlearningJob__Output> {
    return this.call<UnlearningJob__Output>((m, o, cb) => this.jobs.cancelUnlearningJob({ name }, m, o, cb), this.timeoutMs);
  }

  createRun(req: CreateRunRequest): Promise<Operation__Output> {
    return this.call<Operation__Output>((m, o, cb) => this.runs.createRun(req, m, o, cb), this.timeoutMs);
  }
  deleteRun(name: string): Promise<unknown> {
    return this.call<unknown>((m, o, cb) => this.runs.deleteRun({ name }, m, o, cb), this.timeoutMs);
  }
  /** The public key that signs receipts (verify them offline with verifyReceipt). */
  getReceiptKey(): Promise<ReceiptKey__Output> {
    return this.call<ReceiptKey__Output>((m, o, cb) => this.deletions.getReceiptKey({}, m, o, cb), this.timeoutMs);
  }

  /** Cancels a run's training (`operations/runs/R`) or an approximate job (`operations/jobs/J`). */
  cancelOperation(name: string): Promise<unknown> {
    return this.call<unknown>((m, o, cb) => this.ops.cancelOperation({ name }, m, o, cb), this.timeoutMs);
  }

  getOperation(name: string): Promise<Operation__Output> {
    return this.call<Operation__Output>((m, o, cb) => this.ops.getOperation({ name }, m, o, cb), this.timeoutMs);
  }
  /** `minRevision`: wait (up to this client's timeout) until the replica has applied it, e.g. a receipt's revision. */
  getRun(name: string, minRevision = '0'): Promise<Run__Output> {
    return this.call<Run__Output>((m, o, cb) => this.runs.getRun({ name, minRevision }, m, o, cb), this.timeoutMs);
  }
  listRuns(pageSize = 0, pageToken = ''): Promise<ListRunsResponse__Output> {
    return this.call<ListRunsResponse__Output>((m, o, cb) => this.runs.listRuns({ pageSize, pageToken }, m, o, cb), this.timeoutMs);
  }
  listDeletions(run: string, pageSize = 0, pageToken = ''): Promise<ListDeletionsResponse__Output> {
    return this.call<ListDeletionsResponse__Output>((m, o, cb) => this.deletions.listDeletions({ run, pageSize, pageToken }, m, o, cb), this.timeoutMs);
  }
  deleteSamples(requestId: string, run: string, sampleIds: string[]): Promise<DeletionReceipt__Output> {
    return this.call<DeletionReceipt__Output>((m, o, cb) => this.deletions.deleteSamples({ requestId, run, sampleIds }, m, o, cb), this.timeoutMs);
  }

  /**
   * DeleteSamples as a service should call it: one request id (a new UUID unless given) for every attempt, so a
   * retry after a lost reply returns the first receipt instead of deleting twice, and retries while the error is
   * retryable (UNAVAILABLE, DEADLINE_EXCEEDED, NOT_LEADER, RESOURCE_EXHAUSTED: a failover, an etcd outage) with
   * exponential backoff. Anything else (INVALID_ARGUMENT, NOT_FOUND, ...) fails at once.
   */
  async deleteWithRetries(run: string, sampleIds: string[], o: { requestId?: string; attempts?: number; backoffMs?: number } = {}): Promise<DeletionReceipt__Output> {
    const requestId = o.requestId ?? randomUUID();
    const attempts = o.attempts ?? 8;
    let delay = o.backoffMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deleteSamples(requestId, run, sampleIds);
      } catch (e) {
        if (!(e instanceof LetheError) || !e.retryable || attempt >= attempts) throw e;
        // Over a rate limit, the server says how long to wait (RetryInfo).
        const hinted = e.details['retryAfterMs'];
        await new Promise((r) => setTimeout(r, typeof hinted === 'number' ? Math.max(delay, hinted) : delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }
  getDeletion(name: string): Promise<Deletion__Output> {
    return this.call<Deletion__Output>((m, o, cb) => this.deletions.getDeletion({ name }, m, o, cb), this.timeoutMs);
  }
  /** `maxStalenessMs` > 0 accepts a view confirmed that long ago; 0 (default) confirms it with a quorum read. */
  whereIs(run: string, sampleId: string, maxStalenessMs = 0): Promise<SampleLocation__Output> {
    return this.call<SampleLocation__Output>((m, o, cb) => this.deletions.whereIs({ run, sampleId, maxStalenessMs }, m, o, cb), this.timeoutMs);
  }
  predict(run: string, shape: number[], values: Float32Array | number[], minRevision = '0'): Promise<PredictResponse__Output> {
    return this.call<PredictResponse__Output>((m, o, cb) => this.inference.predict({ run, inputs: { shape, values: Array.from(values) }, minRevision }, m, o, cb), this.timeoutMs);
  }
  listWorkers(): Promise<ListWorkersResponse__Output> {
    return this.call<ListWorkersResponse__Output>((m, o, cb) => this.admin.listWorkers({}, m, o, cb), this.timeoutMs);
  }
  drainWorker(name: string): Promise<WorkerInfo__Output> {
    return this.call<WorkerInfo__Output>((m, o, cb) => this.admin.drainWorker({ name }, m, o, cb), this.timeoutMs);
  }
  undrainWorker(name: string): Promise<WorkerInfo__Output> {
    return this.call<WorkerInfo__Output>((m, o, cb) => this.admin.undrainWorker({ name }, m, o, cb), this.timeoutMs);
  }

  /** Polls the operation until done (or the timeout). */
  async waitForOperation(name: string, timeoutMs: number, onProgress?: (op: Operation__Output) => void): Promise<Operation__Output> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const op = await this.getOperation(name);
      onProgress?.(op);
      if (op.done) return op;
      if (Date.now() > deadline) throw new Error(`operation ${name} not done after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Changes a live run's retraining policy (role operator). */
  updateRetrainingPolicy(name: string, policy: RetrainingPolicy): Promise<Run__Output> {
    return this.call<Run__Output>((m, o, cb) => this.runs.updateRetrainingPolicy({ name, policy }, m, o, cb), this.timeoutMs);
  }
  /** Changes a live run's task silence timeout (role operator); undefined: back to the coordinator's. */
  updateTaskSilenceTimeout(name: string, seconds: number | undefined): Promise<Run__Output> {
    return this.call<Run__Output>((m, o, cb) => this.runs.updateTaskSilenceTimeout({ name, ...(seconds === undefined ? {} : { taskSilenceTimeoutS: seconds }) }, m, o, cb), this.timeoutMs);
  }
  /** Gives a run's FAILED stages (and FAILED backbone) fresh tries (role operator). */
  retryRun(name: string): Promise<Run__Output> {
    return this.call<Run__Output>((m, o, cb) => this.runs.retryRun({ name }, m, o, cb), this.timeoutMs);
  }
  createToken(subject: string, roles: string[], ttlSeconds = 0): Promise<CreatedToken__Output> {
    return this.call<CreatedToken__Output>((m, o, cb) => this.admin.createToken({ subject, roles, ttlSeconds }, m, o, cb), this.timeoutMs);
  }
  listTokens(): Promise<ListTokensResponse__Output> {
    return this.call<ListTokensResponse__Output>((m, o, cb) => this.admin.listTokens({}, m, o, cb), this.timeoutMs);
  }
  revokeToken(name: string): Promise<TokenInfo__Output> {
    return this.call<TokenInfo__Output>((m, o, cb) => this.admin.revokeToken({ name }, m, o, cb), this.timeoutMs);
  }

  /** Calls a unary method with a deadline and this client's token, turning gRPC errors into LetheErrors. */
  private call<T>(invoke: (meta: Metadata, opts: { deadline: number }, cb: Callback<T>) => void, timeoutMs: number): Promise<T> {
    const meta = new Metadata();
    if (this.token !== undefined) meta.set('authorization', `Bearer ${this.token}`);
    return new Promise((resolve, reject) => {
      invoke(meta, { deadline: Date.now() + timeoutMs }, (err, res) => (err !== null ? reject(fromServiceError(err)) : resolve(res as T)));
    });
  }

  close(): void {
    for (const c of [this.runs, this.ops, this.deletions, this.inference, this.admin, this.jobs] as unknown as Client[]) c.close();
  }
}
