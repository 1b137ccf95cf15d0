import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ErrorCode, LetheError } from '../errors/errors.js';
import type { BackendName } from './backend.js';
import {
  runFullJob,
  runPretrainJob,
  runShardJob,
  runShardJobs,
  type FullJobInput,
  type FullJobOutput,
  type PretrainJobInput,
  type PretrainJobOutput,
  type ShardJobInput,
  type ShardJobOutcome,
  type ShardJobProgress,
  type TrainedStage,
} from './shard-job.js';
import { runPredictJob, type PredictJobInput, type PredictJobOutput } from './predict-job.js';
import { runUnlearnJob, type UnlearnJobInput, type UnlearnJobOutput, type UnlearnJobProgress } from './unlearning/job.js';
import type { TrainProgress } from './training.js';

/** URL of tsx's ESM registration API, resolved from this package (an eval'd thread has no module context). */
function tsxEsmApi(): string {
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(cjs.replace(/index\.cjs$/, 'index.mjs')).href;
}

/** Runs training jobs; the engine does not care whether they run in this thread or in a pool. */
export interface Trainer extends AsyncDisposable {
  readonly parallelism: number;
  /** Training threads stopped mid-job and replaced so far (a pool of threads; absent in-thread). */
  readonly threadsReplaced?: number;
  /** `onProgress` is called after every epoch of every stage. */
  trainShard(job: ShardJobInput, onProgress?: (p: ShardJobProgress) => void, signal?: AbortSignal): Promise<TrainedStage[]>;
  /**
   * Several shard jobs of one run trained together, each stage level one batched computation (runShardJobs).
   * Aborting `jobSignals[i]` drops job i only; its outcome is `cancelled` and the others are unchanged.
   */
  trainShards(jobs: readonly ShardJobInput[], options?: TrainShardsOptions): Promise<ShardJobOutcome[]>;
  trainFull(job: FullJobInput): Promise<FullJobOutput>;
  /** Backbone pretraining; reports its start and every epoch, and stops when `signal` aborts (CANCELLED). */
  pretrain(job: PretrainJobInput, options?: PretrainOptions): Promise<PretrainJobOutput>;
  /** An ensemble forward pass (serving), off the caller's event loop in a pool. */
  predict(job: PredictJobInput): Promise<PredictJobOutput>;
  /** An approximate unlearning job (method, then its evaluation); the signal stops the computation. */
  unlearn(job: UnlearnJobInput, onProgress?: (p: UnlearnJobProgress) => void, signal?: AbortSignal): Promise<UnlearnJobOutput>;
  close(): Promise<void>;
}

export interface TrainShardsOptions {
  /** Called once, as the jobs begin training (a pool's jobs may first wait for a free thread). */
  readonly onStart?: () => void;
  readonly onProgress?: (job: number, p: ShardJobProgress) => void;
  readonly signal?: AbortSignal;
  readonly jobSignals?: readonly (AbortSignal | undefined)[];
}

export interface PretrainOptions {
  /** Called once, as the job begins training (a pool's job may first wait for a free thread). */
  readonly onStart?: () => void;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
}

/** Runs jobs in the calling thread (the backend must already be selected). */
export class InThreadTrainer implements Trainer {
  readonly parallelism = 1;
  trainShard(job: ShardJobInput, onProgress?: (p: ShardJobProgress) => void, signal?: AbortSignal): Promise<TrainedStage[]> {
    return runShardJob(job, onProgress, signal);
  }
  // async: a throwing onStart rejects the promise, as in the pool, instead of throwing past the caller's .catch
  async trainShards(jobs: readonly ShardJobInput[], options: TrainShardsOptions = {}): Promise<ShardJobOutcome[]> {
    options.onStart?.();
    return runShardJobs(jobs, options);
  }
  trainFull(job: FullJobInput): Promise<FullJobOutput> {
    return runFullJob(job);
  }
  async pretrain(job: PretrainJobInput, options: PretrainOptions = {}): Promise<PretrainJobOutput> {
    options.onStart?.();
    return runPretrainJob(job, options.onProgress, options.signal);
  }
  predict(job: PredictJobInput): Promise<PredictJobOutput> {
    return runPredictJob(job);
  }
  unlearn(job: UnlearnJobInput, onProgress?: (p: UnlearnJobProgress) => void, signal?: AbortSignal): Promise<UnlearnJobOutput> {
    return runUnlearnJob(job, onProgress, signal);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

type Request =
  | { id: number; kind: 'shard'; job: ShardJobInput }
  | { id: number; kind: 'shards'; job: readonly ShardJobInput[] }
  | { id: number; kind: 'full'; job: FullJobInput }
  | { id: number; kind: 'pretrain'; job: PretrainJobInput }
  | { id: number; kind: 'predict'; job: PredictJobInput }
  | { id: number; kind: 'unlearn'; job: UnlearnJobInput };
type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; code?: string }
  | { id: number; progress: ShardJobProgress | UnlearnJobProgress | TrainProgress | (ShardJobProgress & { job: number }) };

interface Slot {
  worker: Worker;
  busy: boolean;
}

/**
 * Grace a cancelled shard or unlearning job (or group of them) has to stop by itself (at its next epoch or batch
 * boundary) before its thread is replaced: longer than a typical stage epoch, about as long as a thread start costs.
 */
export const DEFAULT_CANCEL_GRACE_MS = 1000;

/**
 * A pool of worker threads, each with its own TF.js instance on the same backend: wasm has no threads under
 * Node, so parallelism across cores comes from one training thread per core (guides/compute.md).
 */
export class ThreadPoolTrainer implements Trainer {
  readonly parallelism: number;
  private readonly slots: Slot[] = [];
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private nextId = 0;
  private closed = false;
  private busyMs = 0;
  private replaced = 0;

  /**
   * Seconds the pool's threads have spent on jobs so far, finished or cut short (summed over threads), including
   * the start of every thread that replaced one stopped mid-job (its TF.js start is that job's cost too).
   */
  get busySeconds(): number {
    return this.busyMs / 1000;
  }

  /** Threads stopped mid-job and replaced so far (a cancelled job whose thread did not stop in time). */
  get threadsReplaced(): number {
    return this.replaced;
  }

  /** How long a cancelled job's thread has to stop at an epoch boundary before it is replaced. */
  private readonly cancelGraceMs: number;

  constructor(options: { readonly threads?: number; readonly backend: BackendName; readonly cancelGraceMs?: number }) {
    this.parallelism = Math.max(1, options.threads ?? availableParallelism());
    this.cancelGraceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    if (!Number.isInteger(this.cancelGraceMs) || this.cancelGraceMs < 0 || this.cancelGraceMs > 600_000) throw new RangeError(`cancelGraceMs must be an integer from 0 to 600000, got ${this.cancelGraceMs}`);
    this.backend = options.backend;
    for (let i = 0; i < this.parallelism; i++) this.slots.push({ worker: this.spawn(), busy: false });
  }

  private readonly backend: BackendName;

  private spawn(replacement = false): Worker {
    const spawned = performance.now();
    const here = new URL(import.meta.url);
    const fromSource = here.pathname.endsWith('.ts');
    const entry = new URL(fromSource ? './training-thread.ts' : './training-thread.js', here);
    // From TypeScript sources (tests, tsx) the thread registers tsx's loader before importing its entry.
    const worker = fromSource
      ? new Worker(`import(${JSON.stringify(tsxEsmApi())}).then((m) => m.register()).then(() => import(${JSON.stringify(entry.href)}));`, {
          eval: true,
          workerData: { backend: this.backend },
        })
      : new Worker(entry, { workerData: { backend: this.backend } });
    // A thread that dies fails the job it holds (see run); this keeps its error from crashing the process.
    worker.on('error', () => undefined);
    if (replacement) {
      this.replaced++;
      const onReady = (m: { ready?: boolean }): void => {
        if (m.ready !== true) return;
        worker.off('message', onReady);
        this.busyMs += performance.now() - spawned;
      };
      worker.on('message', onReady);
    }
    worker.unref();
    return worker;
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new LetheError(ErrorCode.UNAVAILABLE, 'trainer is closed'));
    const free = this.slots.find((s) => !s.busy);
    if (free !== undefined) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(slot);
    else slot.busy = false;
  }

  private async run<T, P = ShardJobProgress>(
    make: (id: number) => Request,
    onProgress?: (p: P) => void,
    signal?: AbortSignal,
    memberSignals?: readonly (AbortSignal | undefined)[],
    /**
     * Members the thread can stop at their next epoch boundary (a shard group's jobs; 1 for a lone shard or
     * unlearning job): a cancel first asks the thread to drop them all (see onAbort). Absent: a cancel replaces it.
     */
    members?: number,
    /** Called once a thread takes the request (after any wait for one). */
    onStart?: () => void,
  ): Promise<T> {
    if (signal?.aborted === true) throw new LetheError(ErrorCode.CANCELLED, 'training cancelled');
    const slot = await this.acquire();
    const id = this.nextId++;
    const held = performance.now();
    try {
      onStart?.(); // inside the try: a callback that throws still gives the thread back
      return await new Promise<T>((resolve, reject) => {
        const onMessage = (reply: Reply): void => {
          if (reply.id !== id) return;
          if ('progress' in reply) {
            if (signal?.aborted !== true) onProgress?.(reply.progress as P);
            return;
          }
          cleanup();
          // Stopped within the grace period: whatever it finished, the group was cancelled.
          if (signal?.aborted === true) reject(new LetheError(ErrorCode.CANCELLED, 'training cancelled'));
          else if (reply.ok) resolve(reply.result as T);
          else reject(new LetheError((reply.code as ErrorCode | undefined) ?? ErrorCode.INTERNAL, `training thread: ${reply.error}`));
        };
        const onError = (e: Error): void => {
          cleanup();
          reject(new LetheError(ErrorCode.INTERNAL, `training thread crashed: ${e.message}`, { cause: e }));
        };
        // Replacing stops the computation at once: the thread is terminated and a fresh one takes its slot.
        const replace = (): void => {
          cleanup();
          const old = slot.worker;
          slot.worker = this.spawn(true);
          void old.terminate();
          reject(new LetheError(ErrorCode.CANCELLED, 'training cancelled'));
        };
        // A shard or unlearning job is first asked to stop (every member of a group: at its next epoch boundary)
        // and keeps its thread: a replacement costs a thread start, a fresh TF.js (~0.8 s of CPU here), which a
        // deletion stream paid for most cancels. Only a thread that has not stopped within the grace is replaced.
        let grace: ReturnType<typeof setTimeout> | undefined;
        const onAbort = (): void => {
          if (members === undefined) {
            replace();
            return;
          }
          for (let member = 0; member < members; member++) worker.postMessage({ id, kind: 'cancel-member', member });
          grace = setTimeout(replace, this.cancelGraceMs);
        };
        const worker = slot.worker;
        // A member's cancel goes to the thread, which drops that member of the batched computation only.
        const memberAborts = (memberSignals ?? []).map((s, member) => {
          const onMemberAbort = (): void => worker.postMessage({ id, kind: 'cancel-member', member });
          if (s?.aborted === true) onMemberAbort();
          else s?.addEventListener('abort', onMemberAbort, { once: true });
          return () => s?.removeEventListener('abort', onMemberAbort);
        });
        const cleanup = (): void => {
          clearTimeout(grace);
          worker.off('message', onMessage);
          worker.off('error', onError);
          signal?.removeEventListener('abort', onAbort);
          for (const off of memberAborts) off();
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        signal?.addEventListener('abort', onAbort, { once: true });
        worker.ref();
        worker.postMessage(make(id));
      });
    } finally {
      this.busyMs += performance.now() - held;
      slot.worker.unref();
      this.release(slot);
    }
  }

  trainShard(job: ShardJobInput, onProgress?: (p: ShardJobProgress) => void, signal?: AbortSignal): Promise<TrainedStage[]> {
    return this.run((id) => ({ id, kind: 'shard', job }), onProgress, signal, undefined, 1);
  }

  trainShards(jobs: readonly ShardJobInput[], options: TrainShardsOptions = {}): Promise<ShardJobOutcome[]> {
    const onProgress = options.onProgress;
    return this.run<ShardJobOutcome[], ShardJobProgress & { job: number }>(
      (id) => ({ id, kind: 'shards', job: jobs }),
      onProgress === undefined ? undefined : ({ job, ...p }) => onProgress(job, p),
      options.signal,
      options.jobSignals,
      jobs.length,
      options.onStart,
    );
  }

  trainFull(job: FullJobInput): Promise<FullJobOutput> {
    return this.run((id) => ({ id, kind: 'full', job }));
  }

  pretrain(job: PretrainJobInput, options: PretrainOptions = {}): Promise<PretrainJobOutput> {
    // One member: a cancel asks the thread to stop at its next step, and replaces it past the grace.
    return this.run<PretrainJobOutput, TrainProgress>((id) => ({ id, kind: 'pretrain', job }), options.onProgress, options.signal, undefined, 1, options.onStart);
  }

  predict(job: PredictJobInput): Promise<PredictJobOutput> {
    return this.run((id) => ({ id, kind: 'predict', job }));
  }

  unlearn(job: UnlearnJobInput, onProgress?: (p: UnlearnJobProgress) => void, signal?: AbortSignal): Promise<UnlearnJobOutput> {
    return this.run<UnlearnJobOutput, UnlearnJobProgress>((id) => ({ id, kind: 'unlearn', job }), onProgress, signal, undefined, 1);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
