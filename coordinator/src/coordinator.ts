import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { randomBytes } from 'node:crypto';
import { LETHE_SERVICES, loadLetheProtos } from '../../shared/src/adapters/grpc/protos.js';
import type { Logger } from '../../shared/src/log/logger.js';
import { selectBackend, type BackendName } from '../../shared/src/ml/backend.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import type { EventBus } from '../../shared/src/ports/event-bus.js';
import type { StateStore } from '../../shared/src/ports/state-store.js';
import type { JobQueue } from '../../shared/src/ports/job-queue.js';
import { JobService } from './jobs/job-service.js';
import { deleteRun } from './runs/run-deletion.js';
import { CoordinatorMetrics } from './metrics/coordinator-metrics.js';
import { startMetricsServer, type MetricsServer } from '../../shared/src/adapters/http/metrics-server.js';
import { LeaderElection } from './leader/leader-election.js';
import { DeletionService } from './deletion/deletion-service.js';
import { Keys } from './state/keys.js';
import { FencedWriter } from './state/fenced-writer.js';
import { RunViews } from './state/run-views.js';
import { StateMirror } from './state/state-mirror.js';
import { RunService } from './runs/run-service.js';
import { loadReceiptSigner } from './security/receipt-signer.js';
import { Authenticator, type JwtOptions } from './security/authenticator.js';
import { authInterceptor, Callers } from './security/auth-interceptor.js';
import { DEFAULT_DELETION_LIMITS, DeletionRateLimiter, type DeletionLimits } from './security/rate-limiter.js';
import { TokenRecordSchema } from '../../shared/src/security/tokens.js';
import { serverCredentials, type Transport } from '../../shared/src/security/tls.js';
import { AuditChainer } from './audit/audit-log.js';
import { Scheduler } from './scheduler/scheduler.js';
import { Predictor } from './serving/predictor.js';
import { WorkerHub } from './workers/worker-hub.js';
import { StoreProbe } from './health/store-probe.js';
import { OutboxRelay } from './events/outbox.js';
import { LostDeletionCheck } from './deletion/lost-deletions.js';
import { ThreadPoolTrainer } from '../../shared/src/ml/trainer.js';
import {
  adminHandlers,
  deletionHandlers,
  inferenceHandlers,
  jobHandlers,
  operationsHandlers,
  runHandlers,
  workerProtocolHandlers,
  type HandlerDeps,
} from './rpc/handlers.js';

export interface CoordinatorOptions {
  readonly store: StateStore;
  readonly events: EventBus;
  readonly artifacts: ArtifactStore;
  readonly logger: Logger;
  /** host:port to listen on; port 0 picks a free one. */
  readonly listen: string;
  /** Address other processes use to reach this one; derived from the bound port when absent. */
  readonly advertise?: string;
  /** etcd key prefix. @default '/lethe/' */
  readonly prefix?: string;
  readonly id?: string;
  /** @default 5000 */
  readonly revisionWaitMs?: number;
  /** @default 2000 */
  readonly heartbeatMs?: number;
  /** TTL of the leader key: how long a crashed leader can block a takeover. @default 5 */
  readonly leaderTtlSeconds?: number;
  /** The scheduler's clock (backoffs, grace periods), for tests. @default Date.now */
  readonly now?: () => number;
  /** How often health checks that etcd answers (NOT_SERVING while it does not). @default 2000 */
  readonly storeProbeMs?: number;
  /** Threads that run predictions (each with its own TF.js). @default 1 */
  readonly inferenceThreads?: number;
  /** TF.js backend for serving predictions. @default 'auto' */
  readonly backend?: BackendName | 'auto';
  /** The approximate-unlearning work queue (JetStream); without it SubmitUnlearningJob is FAILED_PRECONDITION. */
  readonly jobs?: JobQueue;
  /** Runs a job may take without a result before it fails (max_deliver). @default 3 */
  readonly jobMaxAttempts?: number;
  /** How often the leader repairs the job queue (re-enqueue lost submissions, fail dead letters). @default 5000 */
  readonly jobRepairMs?: number;
  /** How often the leader looks for acknowledged deletions etcd lost (a restore); also when elected. @default LOST_DELETION_CHECK_MS */
  readonly lostDeletionCheckMs?: number;
  /** host:port of the Prometheus endpoint (GET /metrics); absent or empty: none. */
  readonly metricsListen?: string;
  /** PEM (PKCS#8) Ed25519 key that signs deletion receipts; absent: one key shared through the store. */
  readonly receiptKeyFile?: string;
  /** TLS (the server certificate, and the CA that signs workers' and callers' client certificates), or plaintext. */
  readonly transport: Transport;
  /** Directories file datasets may come from; absent or empty: file datasets are refused. */
  readonly dataRoots?: readonly string[];
  /** Per-caller limits on DeleteSamples. @default DEFAULT_DELETION_LIMITS */
  readonly deletionLimits?: DeletionLimits;
  /** A started task (stage or pretraining) silent this long is taken back as a failed try; 0 never. @default DEFAULT_TASK_SILENCE_TIMEOUT_MS (30 min) */
  readonly taskSilenceTimeoutMs?: number;
  /** host:port of a plaintext health-only listener (Kubernetes probes); absent or empty: none. */
  readonly healthListen?: string;
  /** How callers authenticate besides client certificates: bootstrap tokens file, JWTs. */
  readonly auth: { readonly tokensFile?: string; readonly jwt?: JwtOptions };
}

/**
 * A coordinator replica: serves the v1 API with health and reflection, keeps a mirror of the state, campaigns for
 * leadership, and while leading runs the scheduler and accepts workers. Followers serve reads and refuse writes.
 */
export class Coordinator {
  readonly id: string;
  private constructor(
    readonly address: string,
    private readonly server: Server,
    private readonly health: HealthImplementation,
    private readonly mirror: StateMirror,
    readonly election: LeaderElection,
    private readonly scheduler: Scheduler,
    private readonly hub: WorkerHub,
    private readonly logger: Logger,
    private readonly probe: StoreProbe,
    private readonly relay: OutboxRelay,
    private readonly inference: ThreadPoolTrainer,
    id: string,
    private readonly jobRepair: NodeJS.Timeout,
    readonly metrics: CoordinatorMetrics,
    private readonly metricsServer: MetricsServer | undefined,
    private readonly audit: AuditChainer,
    private readonly healthServer: Server | undefined,
    readonly lostDeletions: LostDeletionCheck,
  ) {
    this.id = id;
  }

  static async start(o: CoordinatorOptions): Promise<Coordinator> {
    const id = o.id ?? `coordinator-${randomBytes(3).toString('hex')}`;
    const logger = o.logger.child({ component: 'coordinator', coordinator: id });
    const keys = new Keys(o.prefix ?? '/lethe/');
    const backend = await selectBackend({ forced: o.backend ?? 'auto', logger });
    // Predictions run on their own thread(s): a large Predict never holds the event loop.
    const inference = new ThreadPoolTrainer({ threads: o.inferenceThreads ?? 1, backend: backend.name });
    const mirror = new StateMirror({ store: o.store, prefix: keys.prefix, logger: logger.child({ component: 'mirror' }) });
    await mirror.start();
    const receipts = await loadReceiptSigner({ ...(o.receiptKeyFile === undefined ? {} : { keyFile: o.receiptKeyFile }), store: o.store, key: keys.receiptKey(), logger });
    const callers = new Callers();
    const authenticator = new Authenticator({
      storedToken: (tokenId) => mirror.json(keys.token(tokenId), (v) => TokenRecordSchema.parse(v))?.value,
      ...(o.auth.tokensFile === undefined ? {} : { tokensFile: o.auth.tokensFile }),
      ...(o.auth.jwt === undefined ? {} : { jwt: o.auth.jwt }),
      logger: logger.child({ component: 'auth' }),
    });
    const server = new Server({ interceptors: [authInterceptor(authenticator, callers, logger.child({ component: 'auth' }))] });
    if ('insecure' in o.transport) logger.warn('PLAINTEXT: the API and the worker protocol run without TLS (--insecure); credentials and data cross the network in the clear');
    const credentials = await serverCredentials(o.transport);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync(o.listen, credentials, (e, p) => (e ? reject(e) : resolve(p))));
    const host = o.listen.slice(0, o.listen.lastIndexOf(':'));
    const address = o.advertise ?? `${host === '0.0.0.0' || host === '' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
    const election = new LeaderElection({ store: o.store, key: keys.leader(), id, address, ttlSeconds: o.leaderTtlSeconds ?? 5, logger });
    const writer = new FencedWriter({ store: o.store, mirror, election });
    const views = new RunViews(mirror, keys);
    const hub = new WorkerHub(logger.child({ component: 'workers' }));
    const relay = new OutboxRelay({ mirror, keys, writer, events: o.events, logger: logger.child({ component: 'outbox' }) });
    const lostDeletions = new LostDeletionCheck({ views, store: o.store, writer, events: o.events, logger: logger.child({ component: 'lost-deletions' }), ...(o.lostDeletionCheckMs === undefined ? {} : { intervalMs: o.lostDeletionCheckMs }) });
    const audit = new AuditChainer({ mirror, keys, writer, signer: receipts, logger: logger.child({ component: 'audit' }) });
    const stageMetrics: { onStageResult?: (outcome: string, seconds: number, samplePasses: number) => void; onTaskTimedOut?: () => void } = {};
    const scheduler = new Scheduler({
      views,
      writer,
      hub,
      artifacts: o.artifacts,
      logger: logger.child({ component: 'scheduler' }),
      ...(o.now === undefined ? {} : { now: o.now }),
      onStageResult: (outcome, seconds, samplePasses) => stageMetrics.onStageResult?.(outcome, seconds, samplePasses),
      onTaskTimedOut: () => stageMetrics.onTaskTimedOut?.(),
      ...(o.taskSilenceTimeoutMs === undefined ? {} : { taskSilenceTimeoutMs: o.taskSilenceTimeoutMs }),
    });
    const runs = new RunService({ views, writer, logger, dataRoots: o.dataRoots ?? [], onCreated: () => scheduler.wake() });
    const deletions = new DeletionService({ views, writer, artifacts: o.artifacts, logger: logger.child({ component: 'deletion' }), onDeleted: (run, cancels, touched, deleted) => {
        scheduler.noteDeletion(run, touched);
        // Cancels first: a worker whose running task the deletion taints stores nothing from it, so what it drops
        // on the announcement is not put back by that task.
        scheduler.cancel(cancels);
        hub.announceDeleted(run, deleted);
        scheduler.wake();
      },
    });
    const predictor = new Predictor({ views, artifacts: o.artifacts, pool: inference });
    const jobs = new JobService({
      store: o.store,
      writer,
      views,
      artifacts: o.artifacts,
      queue: o.jobs,
      logger: logger.child({ component: 'jobs' }),
      prefix: keys.prefix,
      ...(o.jobMaxAttempts === undefined ? {} : { maxAttempts: o.jobMaxAttempts }),
    });
    const metrics = new CoordinatorMetrics({
      views,
      hub,
      isLeader: () => election.isLeader,
      pendingJobs: async () => (await jobs.list({ pageSize: 1000, pageToken: '', state: 'PENDING' })).jobs.length,
      schedulerPassSeconds: () => scheduler.passRunningMs() / 1000,
      taskSilence: () => scheduler.taskSilence(),
    });
    stageMetrics.onTaskTimedOut = () => metrics.taskTimeouts.inc();
    stageMetrics.onStageResult = (outcome, seconds, samplePasses) => {
      metrics.stageResults.inc({ outcome });
      if (outcome === 'committed') {
        metrics.stageTrainingSeconds.observe(seconds);
        metrics.stageSamplePasses.inc(samplePasses);
      }
    };
    const deps: HandlerDeps = {
      callers,
      deletionLimiter: new DeletionRateLimiter(o.deletionLimits ?? DEFAULT_DELETION_LIMITS),
      receipts,
      runDeletion: (run, by) => deleteRun({ views, writer, artifacts: o.artifacts, logger, cancel: (c) => scheduler.cancel(c), announce: (r) => hub.announceRunDeleted(r) }, run, by),
      metrics,
      jobs,
      store: o.store,
      views,
      writer,
      mirror,
      election,
      runs,
      deletions,
      predictor,
      scheduler,
      hub,
      logger,
      revisionWaitMs: o.revisionWaitMs ?? 5000,
      heartbeatMs: o.heartbeatMs ?? 2000,
      coordinatorId: id,
    };
    const { grpc, packageDefinition } = loadLetheProtos();
    server.addService(grpc.lethe.v1.RunService.service, runHandlers(deps));
    server.addService(grpc.google.longrunning.Operations.service, operationsHandlers(deps));
    server.addService(grpc.lethe.v1.DeletionService.service, deletionHandlers(deps));
    server.addService(grpc.lethe.v1.InferenceService.service, inferenceHandlers(deps));
    server.addService(grpc.lethe.v1.AdminService.service, adminHandlers(deps));
    server.addService(grpc.lethe.v1.UnlearningJobService.service, jobHandlers(deps));
    server.addService(grpc.lethe.v1.WorkerProtocol.service, workerProtocolHandlers(deps));
    const statuses: Record<string, 'SERVING'> = { '': 'SERVING' };
    for (const s of LETHE_SERVICES) statuses[s] = 'SERVING';
    const health = new HealthImplementation(statuses);
    health.addToServer(server);
    let healthServer: Server | undefined;
    if (o.healthListen !== undefined && o.healthListen !== '') {
      // Health only, in plaintext: kubelet's gRPC probes speak no TLS. It answers SERVING or NOT_SERVING, nothing else.
      const hs = new Server();
      health.addToServer(hs);
      await new Promise<number>((resolve, reject) => hs.bindAsync(o.healthListen as string, ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
      healthServer = hs;
    }
    const probe = new StoreProbe({
      store: o.store,
      logger,
      ...(o.storeProbeMs === undefined ? {} : { intervalMs: o.storeProbeMs }),
      onChange: (reachable) => {
        for (const name of Object.keys(statuses)) health.setStatus(name, reachable ? 'SERVING' : 'NOT_SERVING');
      },
    });
    probe.start();
    new ReflectionService(packageDefinition).addToServer(server);
    // Any change to the state (a deletion, a commit, a worker lease expiring) may make work ready.
    mirror.on('change', () => scheduler.wake());
    election.on('elected', () => {
      scheduler.start();
      relay.start();
      audit.start();
      lostDeletions.start();
    });
    election.on('deposed', () => {
      void scheduler.stop();
      void relay.stop();
      void audit.stop();
      void lostDeletions.stop();
      hub.closeAll();
    });
    election.start();
    const jobRepair = setInterval(() => {
      if (election.isLeader) jobs.repair().catch((err: unknown) => logger.warn({ err }, 'job queue repair failed; next pass retries'));
    }, o.jobRepairMs ?? 5000);
    jobRepair.unref();
    const metricsServer = o.metricsListen === undefined || o.metricsListen === '' ? undefined : await startMetricsServer(o.metricsListen, () => metrics.metrics(), metrics.registry.contentType);
    logger.info({ address, listen: o.listen, metrics: metricsServer?.address }, 'coordinator serving');
    return new Coordinator(address, server, health, mirror, election, scheduler, hub, logger, probe, relay, inference, id, jobRepair, metrics, metricsServer, audit, healthServer, lostDeletions);
  }

  /** Full paths of every method this replica serves (the access-policy test walks them all). */
  servedMethods(): { path: string; type: 'unary' | 'serverStream' | 'clientStream' | 'bidi' }[] {
    // grpc-js keeps its handlers in a private map; reading it is the only way to list what is really registered.
    const handlers = (this.server as unknown as { handlers: Map<string, { type: 'unary' | 'serverStream' | 'clientStream' | 'bidi' }> }).handlers;
    return [...handlers.entries()].map(([path, h]) => ({ path, type: h.type })).sort((a, b) => a.path.localeCompare(b.path));
  }

  /** host:port of the Prometheus endpoint, when it serves one. */
  get metricsAddress(): string | undefined {
    return this.metricsServer?.address;
  }

  get isLeader(): boolean {
    return this.election.isLeader;
  }

  /** Stop intake (health NOT_SERVING), step down so a follower takes over, drain calls, stop watching. */
  async stop(): Promise<void> {
    this.probe.stop();
    clearInterval(this.jobRepair);
    await this.metricsServer?.close();
    this.health.setStatus('', 'NOT_SERVING');
    await this.scheduler.stop();
    await this.relay.stop();
    await this.audit.stop();
    await this.lostDeletions.stop();
    this.hub.closeAll();
    await this.election.stop();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 3000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.healthServer?.forceShutdown();
    await this.mirror.stop();
    await this.inference.close();
    this.logger.info('coordinator stopped');
  }
}
