import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FrozenPrefixCacheStats } from '../../shared/src/ml/frozen-prefix-cache.js';

export type TaskKind = 'stage' | 'pretrain' | 'job';
export type TaskOutcome = 'ok' | 'failed' | 'cancelled' | 'handed_back';

/** A worker's Prometheus metrics (one registry per agent: several run in one test process). */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly tasks: Counter<'kind' | 'outcome'>;
  private readonly seconds: Histogram<'kind'>;
  private readonly stagePasses: Counter<'outcome'>;

  constructor(
    slots: () => { stage: number; job: number; free: number; draining: boolean },
    /** The frozen-prefix cache's figures, where the worker keeps one. */
    frozenCache?: () => FrozenPrefixCacheStats | undefined,
    /** Training threads replaced so far, where training runs in a pool of threads. */
    threadsReplaced?: () => number | undefined,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'lethe_worker_' });
    this.tasks = new Counter({ name: 'lethe_worker_tasks_total', help: 'Tasks this worker ended, by kind (stage, pretrain, job) and outcome', labelNames: ['kind', 'outcome'], registers });
    this.seconds = new Histogram({ name: 'lethe_worker_task_duration_seconds', help: 'Seconds a task ran on this worker', labelNames: ['kind'], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600], registers });
    this.stagePasses = new Counter({
      name: 'lethe_worker_stage_sample_passes_total',
      help: 'Sample-passes this worker trained for stages, by how the task ended: ok, or cancelled/failed (work that committed nothing, counted to the last epoch reported)',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'lethe_worker_slots',
      help: "This worker's slots by what holds them: stage (exact retraining), job (approximate), free",
      labelNames: ['state'],
      registers,
      collect() {
        const s = slots();
        this.set({ state: 'stage' }, s.stage);
        this.set({ state: 'job' }, s.job);
        this.set({ state: 'free' }, s.free);
      },
    });
    new Counter({
      name: 'lethe_worker_frozen_cache_rows_total',
      help: 'Training rows stage tasks looked up in the frozen-prefix cache, by result: hit (not recomputed) or miss',
      labelNames: ['result'],
      registers,
      collect() {
        const s = frozenCache?.();
        this.reset();
        if (s === undefined) return;
        this.inc({ result: 'hit' }, s.hits);
        this.inc({ result: 'miss' }, s.misses);
      },
    });
    new Counter({
      name: 'lethe_worker_frozen_cache_forgotten_rows_total',
      help: "Frozen-prefix rows dropped because their sample was deleted (announced by the coordinator, or in a retraining task's data)",
      registers,
      collect() {
        this.reset();
        this.inc(frozenCache?.()?.forgotten ?? 0);
      },
    });
    new Counter({
      name: 'lethe_worker_training_threads_replaced_total',
      help: 'Training threads stopped mid-job and replaced (a cancelled group that did not stop at an epoch boundary within the grace; each costs a fresh TF.js)',
      registers,
      collect() {
        this.reset();
        this.inc(threadsReplaced?.() ?? 0);
      },
    });
    new Gauge({
      name: 'lethe_worker_frozen_cache_bytes',
      help: 'Bytes of frozen-prefix rows the worker holds (bounded by worker.frozenCacheMiB)',
      registers,
      collect() {
        this.set(frozenCache?.()?.bytes ?? 0);
      },
    });
    new Gauge({
      name: 'lethe_worker_draining',
      help: '1 while the worker takes no new work',
      registers,
      collect() {
        this.set(slots().draining ? 1 : 0);
      },
    });
  }

  taskEnded(kind: TaskKind, outcome: TaskOutcome, seconds: number): void {
    this.tasks.inc({ kind, outcome });
    this.seconds.observe({ kind }, seconds);
  }

  stageSamplePasses(outcome: TaskOutcome, passes: number): void {
    if (passes > 0) this.stagePasses.inc({ outcome }, passes);
  }

  /** Stage sample-passes trained so far with that outcome, or over every outcome: what the worker spent, committed or not. */
  async stageSamplePassesTotal(outcome?: TaskOutcome): Promise<number> {
    return (await this.stagePasses.get()).values.filter((v) => outcome === undefined || v.labels['outcome'] === outcome).reduce((n, v) => n + v.value, 0);
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
