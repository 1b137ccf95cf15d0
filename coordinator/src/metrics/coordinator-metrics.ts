import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { recordedLostDeletions } from '../deletion/lost-deletions.js';
import { isActive, serving, stageState, triePrefixes } from '../../../shared/src/domain/shard-machine.js';
import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import type { RunViews } from '../state/run-views.js';
import type { WorkerHub } from '../workers/worker-hub.js';
import { shardRecordOf } from '../runs/stage-state.js';

/** Latency buckets (seconds) from 1 ms to ~16 s: deletions and predictions. */
const LATENCY = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 16];

export interface CoordinatorMetricsSources {
  readonly views: RunViews;
  readonly hub: WorkerHub;
  readonly isLeader: () => boolean;
  /** Approximate jobs waiting for a worker (async: read from etcd at scrape time). */
  readonly pendingJobs: () => Promise<number>;
  /** How long the scheduling pass in progress has run, in seconds (0 between passes). */
  readonly schedulerPassSeconds: () => number;
  /** By run with a task on an attached worker: its tasks' longest silence and the silence timeout in force (0 never), in seconds. */
  readonly taskSilence: () => readonly { run: string; silentS: number; timeoutS: number }[];
}

/**
 * The coordinator's Prometheus metrics, in one registry per coordinator (several run in one test process). Event
 * metrics are counted where they happen; state metrics (stages, serving depth, backlog, slots, leader) are computed
 * from the mirror at scrape time, so they are never stale. No label carries a sample id.
 */
export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly deletionRequests: Counter<'outcome'>;
  readonly deletionSeconds: Histogram;
  readonly predictSeconds: Histogram<'outcome'>;
  readonly stageResults: Counter<'outcome'>;
  readonly stageTrainingSeconds: Histogram;
  readonly stageSamplePasses: Counter;
  readonly taskTimeouts: Counter;

  constructor(s: CoordinatorMetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'lethe_coordinator_' });
    this.deletionRequests = new Counter({ name: 'lethe_deletion_requests_total', help: 'DeleteSamples calls by outcome (ok or the error code)', labelNames: ['outcome'], registers });
    this.deletionSeconds = new Histogram({ name: 'lethe_deletion_duration_seconds', help: 'DeleteSamples latency on the coordinator, acknowledgement included', buckets: LATENCY, registers });
    this.predictSeconds = new Histogram({ name: 'lethe_predict_duration_seconds', help: 'Predict latency', labelNames: ['outcome'], buckets: LATENCY, registers });
    this.stageResults = new Counter({ name: 'lethe_stage_results_total', help: 'Stage results by outcome: committed, failed, discarded (stale or replaced), refused (failed verification)', labelNames: ['outcome'], registers });
    this.stageTrainingSeconds = new Histogram({ name: 'lethe_stage_training_seconds', help: 'Seconds a worker spent training a committed stage', buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800], registers });
    this.stageSamplePasses = new Counter({ name: 'lethe_stage_sample_passes_total', help: 'Sample-passes of committed stages (the training cost unit)', registers });
    this.taskTimeouts = new Counter({ name: 'lethe_task_timeouts_total', help: 'Started tasks (stage trainings, backbone pretrainings) taken back because they reported no progress for the task silence timeout (a failed try)', registers });

    const runsOf = (): { run: string; record: NonNullable<ReturnType<RunViews['run']>> }[] =>
      s.views.runNames().flatMap((run) => {
        const record = s.views.run(run);
        return record === undefined ? [] : [{ run, record }];
      });
    new Gauge({
      name: 'lethe_stages',
      help: 'Stages (ordering × depth) by state, over every run',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const { run, record } of runsOf()) {
          const ready = s.views.backbone(run)?.value.state === 'ready';
          for (let shard = 0; shard < record.spec.shards; shard++) {
            const rec = shardRecordOf(s.views, run, record, shard).value;
            for (const order of record.orderings) for (let st = 1; st <= order.length; st++) counts.set(stageState(rec, order, st, ready), (counts.get(stageState(rec, order, st, ready)) ?? 0) + 1);
          }
        }
        for (const [state, n] of counts) this.set({ state: state.toLowerCase() }, n);
      },
    });
    new Gauge({
      name: 'lethe_failed_trainings',
      help: 'By run, trainings out of tries: its FAILED stages (each distinct stage of a shard once), plus 1 for a FAILED backbone pretraining. The run cannot finish training, nor retrain them after deletions, until an operator retries them (RetryRun); 0 for a cancelled run',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const { run, record } of runsOf()) {
          let failed = 0;
          if (!s.views.cancelled(run)) {
            if (s.views.backbone(run)?.value.state === 'failed') failed++;
            for (let shard = 0; shard < record.spec.shards; shard++) failed += Object.values(shardRecordOf(s.views, run, record, shard).value.failures).filter((f) => f.final).length;
          }
          this.set({ run }, failed);
        }
      },
    });
    new Gauge({
      name: 'lethe_deletions_lost',
      help: 'By run, acknowledged deletions whose events NATS keeps (7 days) but etcd lacks, and whose requests were not replayed: etcd was restored from an older snapshot. The run serves stages they had switched off until they are replayed with the same request ids (the leader checks when elected and every 5 min and records what it finds; GetRun lists them)',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const { run } of runsOf()) this.set({ run }, recordedLostDeletions(s.views, run).count);
      },
    });
    new Gauge({
      name: 'lethe_serving_depth',
      help: 'Depth of the ordering each shard serves (0: the shard is not live)',
      labelNames: ['run', 'shard'],
      registers,
      collect() {
        this.reset();
        for (const { run, record } of runsOf()) {
          for (let shard = 0; shard < record.spec.shards; shard++) this.set({ run, shard: String(shard) }, serving(shardRecordOf(s.views, run, record, shard).value, shard, record.orderings).depth);
        }
      },
    });
    new Gauge({
      name: 'lethe_shards_live',
      help: 'Shards serving a model (at least one clean stage)',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const { run, record } of runsOf()) {
          let live = 0;
          for (let shard = 0; shard < record.spec.shards; shard++) if (serving(shardRecordOf(s.views, run, record, shard).value, shard, record.orderings).live) live++;
          this.set({ run }, live);
        }
      },
    });
    new Gauge({
      name: 'lethe_deleted_samples',
      help: 'Sample ids deleted from each run (its tombstones: a replayed request adds none)',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const { run, record } of runsOf()) {
          let n = 0;
          for (let shard = 0; shard < record.spec.shards; shard++) n += s.views.tombstones(run, shard).size;
          this.set({ run }, n);
        }
      },
    });
    new Gauge({
      name: 'lethe_shards',
      help: 'Shards of each run',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const { run, record } of runsOf()) this.set({ run }, record.spec.shards);
      },
    });
    const backlog = (): { run: string; stages: number; passes: number }[] =>
      runsOf().map(({ run, record }) => {
        let stages = 0;
        let passes = 0;
        const prefixes = triePrefixes(record.orderings);
        for (let shard = 0; shard < record.spec.shards; shard++) {
          const rec = shardRecordOf(s.views, run, record, shard).value;
          for (const p of prefixes) {
            if (isActive(rec, stagePrefixKey(p, p.length))) continue;
            stages++;
            passes += record.spec.epochs * p.reduce((n, slice) => n + (record.sliceSizes[shard]?.[slice] ?? 0), 0);
          }
        }
        return { run, stages, passes };
      });
    new Gauge({
      name: 'lethe_retraining_backlog_stages',
      help: 'Distinct stages not active (to train or retrain)',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const b of backlog()) this.set({ run: b.run }, b.stages);
      },
    });
    new Gauge({
      name: 'lethe_retraining_backlog_sample_passes',
      help: 'Sample-passes the stages not active cost to train (epochs × their samples)',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const b of backlog()) this.set({ run: b.run }, b.passes);
      },
    });
    new Gauge({
      name: 'lethe_is_leader',
      help: '1 while this coordinator leads',
      registers,
      collect() {
        this.set(s.isLeader() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'lethe_scheduler_pass_running_seconds',
      help: 'How long the leader\'s scheduling pass in progress has run (0 between passes; passes take milliseconds, and none is assigned or retrained while one hangs)',
      registers,
      collect() {
        this.set(s.schedulerPassSeconds());
      },
    });
    new Gauge({
      name: 'lethe_task_silence_seconds',
      help: 'By run, the longest any of its tasks sent to an attached worker has gone without a progress report or a result (workers report a task\'s start and each epoch): a hung training shows here while heartbeats go on. No series for a run with no task out',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const t of s.taskSilence()) this.set({ run: t.run }, t.silentS);
      },
    });
    new Gauge({
      name: 'lethe_task_silence_timeout_seconds',
      help: 'By run with a task out (as lethe_task_silence_seconds), the silence after which the leader takes a started task back: the run\'s own or the coordinator\'s, 0 never',
      labelNames: ['run'],
      registers,
      collect() {
        this.reset();
        for (const t of s.taskSilence()) this.set({ run: t.run }, t.timeoutS);
      },
    });
    new Gauge({
      // Not lethe_worker_slots: that is each worker's own view of its slots (other states), scraped beside this one.
      name: 'lethe_attached_worker_slots',
      help: 'Slots of the workers attached to this coordinator, by state: busy (stage tasks), free, draining (drained by an operator, or shutting down)',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        let busy = 0;
        let free = 0;
        let draining = 0;
        for (const w of s.hub.all()) {
          busy += Math.min(w.slots, w.running.size);
          if (w.draining || w.shuttingDown) draining += Math.max(0, w.slots - w.running.size);
          else free += Math.max(0, w.slots - w.running.size);
        }
        this.set({ state: 'busy' }, busy);
        this.set({ state: 'free' }, free);
        this.set({ state: 'draining' }, draining);
      },
    });
    new Gauge({
      name: 'lethe_job_queue_depth',
      help: 'Approximate unlearning jobs pending (queued, not yet running)',
      registers,
      async collect() {
        this.set(await s.pendingJobs());
      },
    });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
