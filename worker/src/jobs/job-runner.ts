import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, LetheError, toLetheError } from '../../../shared/src/errors/errors.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import type { JobMessage, JobQueue } from '../../../shared/src/ports/job-queue.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';
import type { Trainer } from '../../../shared/src/ml/trainer.js';
import { JobStatusSchema, isTerminal, jobKeys, parseJson, readJob, type JobSpec, type JobStatus } from '../../../shared/src/jobs/records.js';
import { prepareJob, storeUnlearned } from './job-inputs.js';

export interface JobRunnerOptions {
  readonly workerId: string;
  readonly queue: JobQueue;
  readonly store: StateStore;
  /** etcd key prefix. */
  readonly prefix: string;
  readonly artifacts: ArtifactStore;
  readonly trainer: Trainer;
  readonly logger: Logger;
  /** Whether a slot is free for a job now; stage tasks are counted first (they have priority). */
  readonly hasFreeSlot: () => boolean;
  /** A running job whose worker has not written for this long is orphaned and taken over. @default 15000 */
  readonly takeoverMs?: number;
  /** Heartbeat, progress and cancel-check period while a job runs. @default 1000 */
  readonly heartbeatMs?: number;
  /** How each run of a job ended on this worker (metrics). */
  readonly onJobEnded?: (outcome: 'ok' | 'failed' | 'cancelled' | 'handed_back', seconds: number) => void;
}

/** Errors that running the job again cannot fix: it fails at once. */
const PERMANENT = new Set<string>([ErrorCode.INVALID_ARGUMENT, ErrorCode.FAILED_PRECONDITION, ErrorCode.NOT_FOUND]);

interface Running {
  readonly id: string;
  readonly abort: AbortController;
  /** Why it is being stopped, when it is: a cancel, or a hand-back (preemption, shutdown). */
  stop?: 'cancel' | 'handback';
  readonly done: Promise<void>;
  readonly startedAt: number;
}

/**
 * Pulls approximate unlearning jobs from the work queue while the worker has a free slot, runs each on the
 * worker's training threads, and keeps its status in etcd: start (attempt counted), progress and heartbeat every
 * second, result or failure. A cancel is seen within a heartbeat and stops the computation; a job is handed back
 * (attempt not counted) when stage training needs the slot or the worker shuts down. A job whose worker died is
 * redelivered by the queue and taken over once its heartbeat is older than `takeoverMs`; after `maxAttempts`
 * runs without a result it fails with the reason.
 */
export class JobRunner {
  private readonly keys;
  private readonly log: Logger;
  private readonly running = new Map<string, Running>();
  private readonly stopped = new AbortController();
  private loop: Promise<void> | undefined;
  private paused = false;

  constructor(private readonly o: JobRunnerOptions) {
    this.keys = jobKeys(o.prefix);
    this.log = o.logger.child({ component: 'job-runner', worker: o.workerId });
  }

  get runningJobs(): number {
    return this.running.size;
  }

  start(): void {
    this.loop ??= this.pull();
  }

  /** Stop taking jobs (drain) or resume. */
  pause(paused: boolean): void {
    this.paused = paused;
  }

  private async pull(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      if (this.paused || !this.o.hasFreeSlot()) {
        await sleep(100, undefined, { signal: this.stopped.signal }).catch(() => undefined);
        continue;
      }
      let msg: JobMessage | null = null;
      try {
        msg = await this.o.queue.next({ expiresMs: 1000, signal: this.stopped.signal });
      } catch (err) {
        if (this.stopped.signal.aborted) break;
        this.log.warn({ err }, 'job queue unavailable; retrying');
        await sleep(1000, undefined, { signal: this.stopped.signal }).catch(() => undefined);
        continue;
      }
      if (msg === null) continue;
      if (this.stopped.signal.aborted) {
        await msg.nak().catch(() => undefined);
        break;
      }
      await this.handle(msg).catch((err: unknown) => {
        this.log.error({ err, job: msg.id }, 'job delivery not handled; it will be redelivered');
        return msg.nak(1000).catch(() => undefined);
      });
    }
  }

  private read(id: string): Promise<{ spec: JobSpec; status: JobStatus; revision: number } | null> {
    return readJob(this.o.store, this.keys, id);
  }

  /** Compare-and-swap on the job's status; `f` returns null to leave it. Returns the written status or null. */
  private async update(id: string, f: (s: JobStatus) => JobStatus | null): Promise<JobStatus | null> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const kv = await this.o.store.get(this.keys.status(id));
      if (kv === null) return null;
      const next = f(parseJson(JobStatusSchema, kv.value, 'job status'));
      if (next === null) return null;
      const r = await this.o.store.txn({
        compare: [{ key: kv.key, target: 'modRevision', op: '==', value: kv.modRevision }],
        success: [{ type: 'put', key: kv.key, value: JSON.stringify(next) }],
      });
      if (r.succeeded) return next;
    }
    throw new LetheError(ErrorCode.REVISION_CONFLICT, `job ${id}: status kept changing under this worker`);
  }

  private async handle(msg: JobMessage): Promise<void> {
    const id = msg.id;
    if (this.running.has(id)) {
      await msg.nak(this.o.takeoverMs ?? 15_000); // a duplicate delivery of what this worker runs
      return;
    }
    const job = await this.read(id);
    if (job === null) {
      this.log.warn({ job: id }, 'queued job has no record; dropped');
      await msg.term();
      return;
    }
    const { spec, status } = job;
    if (isTerminal(status.state)) {
      await msg.ack();
      return;
    }
    const now = Date.now();
    if (status.cancelRequested) {
      await this.update(id, (s) => (isTerminal(s.state) ? null : { ...s, state: 'CANCELLED', endTime: new Date(now).toISOString() }));
      await msg.ack();
      return;
    }
    const heartbeat = Date.parse(status.heartbeatAt);
    const takeover = this.o.takeoverMs ?? 15_000;
    if (status.state === 'RUNNING' && Number.isFinite(heartbeat) && now - heartbeat < takeover) {
      // Another worker is on it and alive (a duplicate delivery, or a redelivery before its heartbeat went stale).
      await msg.nak(takeover);
      return;
    }
    if (status.attempt >= spec.maxAttempts) {
      const why = `gave up after ${status.attempt} attempts (max_deliver ${spec.maxAttempts}): the last run${status.workerId === '' ? '' : ` on worker ${status.workerId}`} ended without a result (worker died or was killed)`;
      await this.update(id, (s) => (isTerminal(s.state) ? null : { ...s, state: 'FAILED', failure: why, endTime: new Date().toISOString() }));
      this.log.warn({ job: id, attempts: status.attempt }, why);
      await msg.ack();
      return;
    }
    const started = await this.update(id, (s) =>
      isTerminal(s.state) || s.cancelRequested
        ? null
        : { ...s, state: 'RUNNING', attempt: s.attempt + 1, workerId: this.o.workerId, progress: 0, phase: 'preparing', startTime: new Date().toISOString(), heartbeatAt: new Date().toISOString(), failure: '' },
    );
    if (started === null) {
      await msg.ack();
      return;
    }
    this.log.info({ job: id, method: spec.method, attempt: started.attempt, delivery: msg.deliveryCount }, 'job started');
    const abort = new AbortController();
    const entry: Running = { id, abort, startedAt: Date.now(), done: Promise.resolve() };
    const done = this.execute(msg, spec, entry).finally(() => this.running.delete(id));
    this.running.set(id, Object.assign(entry, { done }));
  }

  private async execute(msg: JobMessage, spec: JobSpec, entry: Running): Promise<void> {
    const id = spec.id;
    let progress = { fraction: 0, phase: 'preparing', loss: null as number | null };
    const beat = setInterval(() => {
      void msg.working().catch(() => undefined);
      void this.update(id, (s) => {
        if (s.cancelRequested && entry.stop === undefined) {
          entry.stop = 'cancel';
          entry.abort.abort(new LetheError(ErrorCode.CANCELLED, 'job cancelled'));
        }
        if (isTerminal(s.state) || s.workerId !== this.o.workerId) return null;
        return { ...s, progress: progress.fraction, phase: progress.phase, loss: progress.loss, heartbeatAt: new Date().toISOString() };
      }).catch((err: unknown) => this.log.warn({ err, job: id }, 'job heartbeat not written'));
    }, this.o.heartbeatMs ?? 1000);
    try {
      const prepared = await prepareJob({ store: this.o.store, keys: this.keys, artifacts: this.o.artifacts, trainer: this.o.trainer }, spec);
      if (entry.abort.signal.aborted) throw entry.abort.signal.reason;
      const out = await this.o.trainer.unlearn(
        prepared.input,
        (p) => {
          progress = { fraction: p.phase === 'evaluating' ? 1 : p.fraction, phase: p.phase, loss: Number.isFinite(p.loss) ? p.loss : progress.loss };
        },
        entry.abort.signal,
      );
      const artifact = await storeUnlearned(this.o.artifacts, spec, prepared, out.params);
      clearInterval(beat);
      await this.update(id, (s) =>
        isTerminal(s.state)
          ? null
          : {
              ...s,
              state: 'SUCCEEDED',
              progress: 1,
              phase: 'done',
              resultArtifact: artifact,
              originalArtifact: prepared.modelArtifact,
              metrics: out.metrics,
              originalMetrics: out.originalMetrics,
              seconds: out.seconds,
              oneOffSeconds: out.oneOffSeconds,
              evaluationSeconds: out.evaluationSeconds,
              samplePasses: out.samplePasses,
              diagnostics: { ...out.diagnostics, trainedOriginal: prepared.trainedOriginal ? 1 : 0, forget: prepared.rows.forget.length, retain: prepared.rows.retain.length, test: prepared.rows.test.length },
              endTime: new Date().toISOString(),
              heartbeatAt: new Date().toISOString(),
            },
      );
      await msg.ack();
      this.o.onJobEnded?.('ok', (Date.now() - entry.startedAt) / 1000);
      this.log.info({ job: id, method: spec.method, seconds: out.seconds, artifact }, 'job succeeded');
    } catch (e) {
      clearInterval(beat);
      const err = toLetheError(e);
      this.o.onJobEnded?.(entry.stop === 'cancel' ? 'cancelled' : entry.stop === 'handback' ? 'handed_back' : 'failed', (Date.now() - entry.startedAt) / 1000);
      if (entry.stop === 'cancel') {
        await this.update(id, (s) => (isTerminal(s.state) ? null : { ...s, state: 'CANCELLED', endTime: new Date().toISOString() }));
        await msg.ack();
        this.log.info({ job: id }, 'job cancelled');
      } else if (entry.stop === 'handback') {
        // Not the job's fault: the attempt is not counted, and the job goes back to the queue at once.
        await this.update(id, (s) => (isTerminal(s.state) ? null : { ...s, state: s.cancelRequested ? 'CANCELLED' : 'PENDING', attempt: Math.max(0, s.attempt - 1), preemptions: s.preemptions + 1, workerId: '', phase: 'handed back', heartbeatAt: '' }));
        await msg.nak(200);
        this.log.info({ job: id }, 'job handed back');
      } else {
        const status = await this.read(id).catch(() => null);
        const attempts = status?.status.attempt ?? spec.maxAttempts;
        const final = PERMANENT.has(err.code) || attempts >= spec.maxAttempts;
        const why = `${err.code}: ${err.message}`.slice(0, 1024);
        await this.update(id, (s) => (isTerminal(s.state) ? null : final ? { ...s, state: 'FAILED', failure: why, endTime: new Date().toISOString() } : { ...s, state: 'PENDING', failure: why, workerId: '', heartbeatAt: '' }));
        if (final) await msg.ack();
        else await msg.nak(1000);
        this.log.error({ err, job: id, final }, 'job failed');
      }
    }
  }

  /** Hands back the most recently started job (stage training needs its slot); false when none runs. */
  preemptNewest(): boolean {
    const newest = [...this.running.values()].filter((r) => r.stop === undefined).sort((a, b) => b.startedAt - a.startedAt)[0];
    if (newest === undefined) return false;
    newest.stop = 'handback';
    newest.abort.abort(new LetheError(ErrorCode.CANCELLED, 'handed back: stage training has priority'));
    this.log.info({ job: newest.id }, 'job preempted for stage training');
    return true;
  }

  /** Stops pulling; jobs still running after `graceMs` are handed back to the queue. */
  async stop(graceMs = 0): Promise<void> {
    this.stopped.abort();
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const r of this.running.values()) {
      if (r.stop === undefined) {
        r.stop = 'handback';
        r.abort.abort(new LetheError(ErrorCode.CANCELLED, 'worker shutting down'));
      }
    }
    await all;
    await this.loop;
  }
}
