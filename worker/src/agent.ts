import { requireWorkerId } from '../../shared/src/domain/names.js';
import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode, LetheError } from '../../shared/src/errors/errors.js';
import { channelCredentials, type ClientCredentials } from '../../shared/src/security/tls.js';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadLetheProtos } from '../../shared/src/adapters/grpc/protos.js';
import type { Logger } from '../../shared/src/log/logger.js';
import type { Lease, StateStore } from '../../shared/src/ports/state-store.js';
import type { WorkerProtocolClient } from '../../shared/src/gen/lethe/v1/WorkerProtocol.js';
import type { WorkerMessage } from '../../shared/src/gen/lethe/v1/WorkerMessage.js';
import type { CoordinatorMessage__Output } from '../../shared/src/gen/lethe/v1/CoordinatorMessage.js';
import type { TaskAssignment__Output } from '../../shared/src/gen/lethe/v1/TaskAssignment.js';
import type { TaskResult } from '../../shared/src/gen/lethe/v1/TaskResult.js';
import type { TaskExecutor, TaskOutput } from './task-executor.js';
import type { JobQueue } from '../../shared/src/ports/job-queue.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import type { Trainer } from '../../shared/src/ml/trainer.js';
import { JobRunner } from './jobs/job-runner.js';
import { WorkerMetrics } from './worker-metrics.js';

export interface WorkerAgentOptions {
  readonly id?: string;
  /** Coordinator addresses, tried in turn (followers refuse workers and name the leader). */
  readonly coordinators: readonly string[];
  /** TLS and the worker's identity: its client certificate (CN = this worker's id) or a worker token. */
  readonly credentials: ClientCredentials;
  /**
   * The name the coordinators' certificate is checked against, whatever address is dialled: a follower names the
   * leader by its pod IP, which the certificate (issued for the Service) does not list. Absent: the address's host.
   */
  readonly tlsServerName?: string;
  readonly store: StateStore;
  /** etcd key prefix. @default '/lethe/' */
  readonly prefix?: string;
  readonly executor: TaskExecutor;
  readonly backend: string;
  readonly gpu?: string;
  readonly slots: number;
  /**
   * Stage tasks of one stage number trained together in one batched computation per slot (announced to the
   * coordinator, which then sends groups). @default 1
   */
  readonly batchCapacity?: number;
  readonly heartbeatMs?: number;
  readonly leaseTtlSeconds?: number;
  readonly logger: Logger;
  readonly version?: string;
  /** Approximate unlearning jobs: pulled from this queue into free slots (stage tasks first). Absent: stages only. */
  readonly jobs?: {
    readonly queue: JobQueue;
    readonly artifacts: ArtifactStore;
    readonly trainer: Trainer;
    /** A running job silent for this long is taken over from its (dead) worker. @default 15000 */
    readonly takeoverMs?: number;
    readonly heartbeatMs?: number;
  };
}

const MAX_BACKOFF_MS = 5000;
/** A group's members are sent back to back; if one never arrives, the group starts without it after this. */
const GROUP_WAIT_MS = 2000;

interface PendingGroup {
  readonly size: number;
  readonly members: TaskAssignment__Output[];
  readonly timer: NodeJS.Timeout;
  readonly done: Promise<void>;
  finish(): void;
}

/**
 * A worker node: registers itself in etcd under a lease (its liveness), attaches to the leading coordinator with
 * one bidirectional stream, heartbeats, runs assigned tasks off the event loop (training threads) and reports
 * results. It reconnects with backoff when the coordinator restarts or fails over, and re-sends results the
 * coordinator has not seen. On shutdown it stops taking work, finishes what it holds, and leaves.
 */
export class WorkerAgent {
  readonly id: string;
  private lease: Lease | undefined;
  private stream: ClientDuplexStream<WorkerMessage, CoordinatorMessage__Output> | undefined;
  private client: WorkerProtocolClient | undefined;
  private readonly running = new Map<string, Promise<void>>();
  /** What holds a slot: a task trained alone (its id) or a batched group (its group id). */
  private readonly slotHolders = new Set<string>();
  /** Groups whose members are still arriving. */
  private readonly pendingGroups = new Map<string, PendingGroup>();
  private readonly cancelled = new Set<string>();
  private readonly aborts = new Map<string, AbortController>();
  /** Results not yet acknowledged by a live stream: re-sent after a reconnect. */
  private readonly unsent = new Map<string, TaskResult>();
  private stopping = false;
  /** Aborted on stop: interrupts the reconnect backoff. */
  private readonly stopped = new AbortController();
  private draining = false;
  /** stop() began: every heartbeat says so, and the coordinator assigns nothing more. */
  private shuttingDown = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly jobs: JobRunner | undefined;
  /** Prometheus metrics of this worker (served by the process when configured). */
  readonly metrics: WorkerMetrics;

  constructor(private readonly o: WorkerAgentOptions) {
    this.id = requireWorkerId(o.id ?? `worker-${randomBytes(3).toString('hex')}`, 'worker id');
    this.log = o.logger.child({ component: 'worker', worker: this.id });
    this.metrics = new WorkerMetrics(() => ({ stage: this.running.size, job: this.runningJobs, free: Math.max(0, this.o.slots - this.busySlots()), draining: this.draining }), () => this.o.executor.frozenCacheStats(), () => this.o.executor.threadsReplaced());
    this.jobs =
      o.jobs === undefined
        ? undefined
        : new JobRunner({
            workerId: this.id,
            queue: o.jobs.queue,
            store: o.store,
            prefix: o.prefix ?? '/lethe/',
            artifacts: o.jobs.artifacts,
            trainer: o.jobs.trainer,
            logger: o.logger,
            // Slots are shared: a job takes one only when stage tasks leave it free.
            hasFreeSlot: () => !this.draining && !this.stopping && this.busySlots() < this.o.slots,
            ...(o.jobs.takeoverMs === undefined ? {} : { takeoverMs: o.jobs.takeoverMs }),
            ...(o.jobs.heartbeatMs === undefined ? {} : { heartbeatMs: o.jobs.heartbeatMs }),
            onJobEnded: (outcome, seconds) => this.metrics.taskEnded('job', outcome, seconds),
          });
  }

  async start(): Promise<void> {
    await this.register();
    this.loop = this.connectLoop();
    this.jobs?.start();
  }

  /** Approximate unlearning jobs running now. */
  get runningJobs(): number {
    return this.jobs?.runningJobs ?? 0;
  }

  /** Slots held by stage tasks (a batched group holds one) and jobs together (they share the worker's slots). */
  private busySlots(): number {
    return this.slotHolders.size + this.runningJobs;
  }

  private async register(): Promise<void> {
    const prefix = this.o.prefix ?? '/lethe/';
    this.lease = await this.o.store.grantLease(this.o.leaseTtlSeconds ?? 10);
    const record = { id: this.id, backend: this.o.backend, gpu: this.o.gpu ?? '', slots: this.o.slots, version: this.o.version ?? '0.1.0', attachedAt: new Date().toISOString() };
    await this.o.store.txn({ compare: [], success: [{ type: 'put', key: `${prefix}workers/${encodeURIComponent(this.id)}`, value: JSON.stringify(record), lease: this.lease.id }] });
    const lease = this.lease;
    void lease.lost.then(() => {
      if (this.stopping || this.lease !== lease) return;
      this.log.warn('registration lease lost; registering again');
      this.lease = undefined;
      this.register().catch((err: unknown) => this.log.error({ err }, 'cannot register again'));
    });
    this.log.info({ lease: this.lease.id }, 'worker registered');
  }

  private async connectLoop(): Promise<void> {
    let backoff = 100;
    let index = 0;
    while (!this.stopping) {
      const target = this.o.coordinators[index % this.o.coordinators.length] as string;
      const started = Date.now();
      const outcome = await this.session(target);
      if (this.stopping) break;
      if (outcome.leader !== undefined) {
        const i = this.o.coordinators.indexOf(outcome.leader);
        index = i >= 0 ? i : index + 1;
      } else index++;
      backoff = Date.now() - started > 5000 ? 100 : Math.min(MAX_BACKOFF_MS, backoff * 2);
      this.log.info({ coordinator: target, reason: outcome.reason, retryInMs: backoff }, 'coordinator stream ended; reconnecting');
      await sleep(backoff, undefined, { signal: this.stopped.signal }).catch(() => undefined);
    }
  }

  /** One attach session; resolves when the stream ends, with the leader's address if a follower named one. */
  private session(target: string): Promise<{ reason: string; leader?: string }> {
    const { grpc } = loadLetheProtos();
    this.client?.close();
    const client = new grpc.lethe.v1.WorkerProtocol(target, channelCredentials(this.o.credentials.transport), this.o.tlsServerName === undefined ? {} : { 'grpc.ssl_target_name_override': this.o.tlsServerName });
    this.client = client;
    const meta = new Metadata();
    if (this.o.credentials.token !== undefined) meta.set('authorization', `Bearer ${this.o.credentials.token}`);
    return new Promise((resolve) => {
      const stream = client.attach(meta);
      this.stream = stream;
      let settled = false;
      const end = (reason: string, leader?: string): void => {
        if (settled) return;
        settled = true;
        clearInterval(this.heartbeat);
        // Detached: deletions are now announced without this worker, so nothing it derived may stay cached.
        const dropped = this.o.executor.dropCache();
        if (dropped > 0) this.log.info({ cachedRowsDropped: dropped }, 'detached: frozen-prefix cache dropped');
        if (this.stream === stream) this.stream = undefined;
        resolve(leader === undefined ? { reason } : { reason, leader });
      };
      stream.on('data', (msg: CoordinatorMessage__Output) => this.onMessage(msg));
      stream.on('error', (e: ServiceError) => {
        const leader = /the leader is \S+ at (\S+)/.exec(e.details)?.[1];
        end(e.details || e.message, leader);
      });
      stream.on('end', () => end('stream ended'));
      stream.write({
        hello: {
          workerId: this.id,
          backend: this.o.backend,
          gpu: this.o.gpu ?? '',
          slots: this.o.slots,
          batchCapacity: this.o.batchCapacity ?? 1,
          version: this.o.version ?? '0.1.0',
          leaseId: this.lease?.id ?? '0',
          runningTaskIds: this.heldTaskIds(),
        },
      });
    });
  }

  /** Tasks running, and finished ones whose result the coordinator may not have: both stay assigned to this worker. */
  private heldTaskIds(): string[] {
    return [...this.running.keys(), ...this.unsent.keys()];
  }

  private beat(): boolean {
    return this.send({ heartbeat: { sentAt: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 }, runningTasks: this.running.size, runningTaskIds: this.heldTaskIds(), shuttingDown: this.shuttingDown } });
  }

  private send(msg: WorkerMessage): boolean {
    const s = this.stream;
    if (s === undefined) return false;
    s.write(msg);
    return true;
  }

  private onMessage(msg: CoordinatorMessage__Output): void {
    if (msg.accepted !== null && msg.accepted !== undefined) {
      const every = Number(msg.accepted.heartbeatIntervalMs) || this.o.heartbeatMs || 2000;
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.beat(), every);
      this.heartbeat.unref();
      for (const r of this.unsent.values()) this.send({ result: r });
      // Deletions committed while this worker was detached were announced without it. The cache was dropped at the
      // detach too, but a group whose members had all arrived may have started since and stored rows they taint.
      const dropped = this.o.executor.dropCache();
      this.log.info({ coordinator: msg.accepted.coordinatorId, cachedRowsDropped: dropped }, 'attached');
    } else if (msg.assignment !== null && msg.assignment !== undefined) {
      this.accept(msg.assignment);
    } else if (msg.cancel !== null && msg.cancel !== undefined) {
      this.cancelled.add(msg.cancel.taskId);
      this.aborts.get(msg.cancel.taskId)?.abort();
      this.log.info({ taskId: msg.cancel.taskId, reason: msg.cancel.reason }, 'task cancelled');
    } else if (msg.deleted !== null && msg.deleted !== undefined) {
      const { run, shard, slice, sampleIds } = msg.deleted;
      try {
        const dropped = this.o.executor.forgetDeleted({ run, shard, slice, sampleIds });
        this.log.debug({ run, shard, slice, samples: sampleIds.length, dropped }, 'deleted samples forgotten');
      } catch (err) {
        // Not fatal to the stream: the rows still go with the slice's next retraining task, or at re-attach.
        this.log.warn({ err, run, shard, slice }, 'deleted samples could not be dropped from the frozen-prefix cache');
      }
    } else if (msg.runDeleted !== null && msg.runDeleted !== undefined) {
      const dropped = this.o.executor.forgetRun(msg.runDeleted.run);
      this.log.info({ run: msg.runDeleted.run, cachedRowsDropped: dropped }, 'run deleted: what this worker kept for it is dropped');
    } else if (msg.drain !== null && msg.drain !== undefined) {
      this.draining = !msg.drain.lifted;
      this.jobs?.pause(this.draining);
      this.log.info({ reason: msg.drain.reason }, msg.drain.lifted ? 'drain lifted: taking work again' : 'draining: finishing current tasks, taking no more');
    }
  }

  private accept(a: TaskAssignment__Output): void {
    if (this.stopping || this.draining) {
      this.send({ release: { taskId: a.taskId, reason: 'worker is shutting down' } });
      return;
    }
    if (this.running.has(a.taskId)) return;
    this.aborts.set(a.taskId, new AbortController());
    if (a.stage !== null && a.stage !== undefined && a.groupId !== '' && a.groupSize > 1) this.collect(a);
    else this.running.set(a.taskId, this.run([a], a.taskId));
  }

  /** Holds a group's members until all have arrived (they are sent back to back), then trains them together. */
  private collect(a: TaskAssignment__Output): void {
    let g = this.pendingGroups.get(a.groupId);
    if (g === undefined) {
      let finish = (): void => undefined;
      const done = new Promise<void>((resolve) => (finish = resolve));
      g = { size: a.groupSize, members: [], timer: setTimeout(() => this.startGroup(a.groupId), GROUP_WAIT_MS), done, finish };
      g.timer.unref();
      this.pendingGroups.set(a.groupId, g);
    }
    g.members.push(a);
    this.running.set(a.taskId, g.done);
    if (g.members.length >= g.size) this.startGroup(a.groupId);
  }

  private startGroup(groupId: string): void {
    const g = this.pendingGroups.get(groupId);
    if (g === undefined) return;
    this.pendingGroups.delete(groupId);
    clearTimeout(g.timer);
    void this.run(g.members, groupId).then(() => g.finish());
  }

  /**
   * Trains assignments in one slot: one task, or a group of stage tasks trained in one batched computation. Each
   * member reports its own result; a cancelled member is dropped from the computation and reports nothing.
   */
  private async run(tasks: readonly TaskAssignment__Output[], slotKey: string): Promise<void> {
    // Stage training for exact deletions has priority: a job holding the slot this needs is handed back.
    if (this.busySlots() >= this.o.slots) this.jobs?.preemptNewest();
    this.slotHolders.add(slotKey);
    const started = performance.now();
    let outcomes: ({ ok: true; output: TaskOutput } | { ok: false; error: unknown })[];
    // Samples each member had trained at its last progress report: the work a cancelled or failed member spent.
    const seen = tasks.map(() => 0);
    try {
      const stages = tasks.flatMap((a) => (a.stage !== null && a.stage !== undefined ? [a.stage] : []));
      if (stages.length === tasks.length && stages.length > 0) {
        outcomes = await this.o.executor.stageGroup(
          stages.map((s) => ({
            run: s.run.replace(/^runs\//, ''),
            shard: s.stage?.shard ?? 0,
            ordering: s.ordering,
            stage: s.stage?.stage ?? 0,
            slices: s.slices.map((x) => ({ slice: x.slice, generation: Number(x.generation) })),
            parentArtifact: s.parentArtifact,
            backboneArtifact: s.backboneArtifact,
            excludedSampleIds: s.excludedSampleIds,
            sharingOrderings: s.sharingOrderings,
            runSpecJson: s.runSpecJson,
            salt: s.salt,
            sampleIdKey: s.sampleIdKey,
          })),
          (i, p) => {
            seen[i] = p.samplesSeen;
            this.send({ progress: { taskId: (tasks[i] as TaskAssignment__Output).taskId, fraction: p.fraction, loss: p.loss, samplesSeen: String(p.samplesSeen) } });
          },
          tasks.map((a) => this.aborts.get(a.taskId)?.signal),
        );
      } else if (tasks.length === 1 && tasks[0]?.pretrain !== null && tasks[0]?.pretrain !== undefined) {
        const { taskId } = tasks[0];
        const output = await this.o.executor.pretrain(
          tasks[0].pretrain.runSpecJson,
          (p) => this.send({ progress: { taskId, fraction: p.fraction, loss: p.loss, samplesSeen: String(p.samplesSeen) } }),
          this.aborts.get(taskId)?.signal,
        );
        outcomes = [{ ok: true, output }];
      } else throw new Error('assignment carries no task this worker runs');
    } catch (error) {
      outcomes = tasks.map(() => ({ ok: false, error }));
    } finally {
      this.slotHolders.delete(slotKey);
    }
    tasks.forEach((a, i) => this.report(a, outcomes[i] ?? { ok: false, error: new Error('no outcome') }, started, seen[i] ?? 0));
  }

  private report(a: TaskAssignment__Output, outcome: { ok: true; output: TaskOutput } | { ok: false; error: unknown }, started: number, samplesSeen: number): void {
    const log = this.log.child({ taskId: a.taskId });
    const abort = this.aborts.get(a.taskId);
    let result: TaskResult;
    if (outcome.ok) {
      const out = outcome.output;
      result = { taskId: a.taskId, epoch: a.epoch, ok: true, artifact: out.artifact, manifestHash: out.manifestHash, samplePasses: String(out.samplePasses), seconds: out.seconds };
      log.info({ seconds: out.seconds, artifact: out.artifact }, 'task done');
    } else {
      const err = outcome.error;
      // A cancel (a deletion made the stage stale, or a drain) is expected: not an error.
      if (this.cancelled.has(a.taskId) || abort?.signal.aborted === true) log.info({ reason: err instanceof Error ? err.message : String(err) }, 'task stopped: cancelled by the coordinator');
      // A stage's parent artifact is gone when a deletion deactivated and purged it after the assignment: that same
      // deletion made this task stale (its prefix holds the parent's slices), so its cancel is on the way.
      else if (a.stage !== null && a.stage !== undefined && err instanceof LetheError && err.code === ErrorCode.NOT_FOUND) log.warn({ reason: err.message }, 'stage input gone (purged after a deletion); the coordinator discards this task');
      else log.error({ err }, 'task failed');
      result = { taskId: a.taskId, epoch: a.epoch, ok: false, error: err instanceof Error ? err.message : String(err), seconds: (performance.now() - started) / 1000 };
    }
    this.running.delete(a.taskId);
    this.aborts.delete(a.taskId);
    const cancelled = this.cancelled.delete(a.taskId);
    const kind = a.pretrain !== null && a.pretrain !== undefined ? 'pretrain' : 'stage';
    const ended = cancelled ? 'cancelled' : result.ok ? 'ok' : 'failed';
    this.metrics.taskEnded(kind, ended, (performance.now() - started) / 1000);
    if (kind === 'stage') this.metrics.stageSamplePasses(ended, outcome.ok ? outcome.output.samplePasses : samplesSeen);
    // A cancelled task that failed is of no interest; one that stored an artifact anyway (its cancel came too late)
    // is still reported, so the coordinator discards the result and deletes what it stored (it may name deleted ids).
    if (cancelled && !result.ok) return;
    this.unsent.set(a.taskId, result);
    if (this.send({ result })) this.unsent.delete(a.taskId);
  }

  get runningTasks(): number {
    return this.running.size;
  }

  /** Stops taking work, finishes current tasks (up to graceMs), reports them, revokes the lease, disconnects. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.stopping) return;
    this.draining = true;
    // Told at once, not at the next beat: assignments sent meanwhile would only come back (or, sent as the stream
    // ends, be lost until the coordinator sees this worker's lease go).
    this.shuttingDown = true;
    this.beat();
    this.log.info({ running: this.running.size, jobs: this.runningJobs }, 'shutting down: finishing current tasks');
    const jobsStopped = this.jobs?.stop(graceMs);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.running.values()), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer); // a pending grace timer would keep the process alive after a clean stop
    for (const id of this.running.keys()) this.send({ release: { taskId: id, reason: 'worker shut down' } });
    await new Promise((r) => setTimeout(r, 100)); // let the last results flush
    this.stopping = true;
    this.stopped.abort();
    clearInterval(this.heartbeat);
    this.stream?.end();
    this.client?.close();
    await jobsStopped;
    await this.lease?.revoke();
    await this.loop;
    this.log.info('worker stopped');
  }
}
