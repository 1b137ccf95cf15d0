import { randomBytes } from 'node:crypto';
import { reserveNow, retrainNow, type PendingDeletions } from '../../../shared/src/domain/retraining-policy.js';
import { capacityLeft } from '../../../shared/src/domain/capacity.js';
import { SerialPass } from '../util/serial-pass.js';
import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import {
  assign,
  commit,
  drop,
  fullyTrained,
  purge,
  purged,
  reap,
  release,
  resultOutcome,
  liveFirstSlices,
  retrainPlan,
  restoreFirst,
  retryDelayMs,
  serving as shardServing,
  timeOut,
  MAX_STAGE_ATTEMPTS,
  type ShardEffect,
  type ShardRecord,
  type Transition,
} from '../../../shared/src/domain/shard-machine.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { TaskResult__Output } from '../../../shared/src/gen/lethe/v1/TaskResult.js';
import type { FencedWriter, Put } from '../state/fenced-writer.js';
import { outboxPut } from '../events/outbox.js';
import { DeletionRecordSchema, type BackboneRecord, type RunRecord } from '../state/records.js';
import { shardBody, shardCompares, type RunViews, type StoredShard } from '../state/run-views.js';
import { shardRecordOf } from '../runs/stage-state.js';
import { requestExpired, type RequestRecord, type StageCancel } from '../deletion/deletion-service.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import { verifyBackboneResult, verifyStageResult } from './verify-result.js';
import { getStage } from '../../../shared/src/ml/run-model.js';
import { capacityOf, lastNewsMs, longestSilenceMs, settle, silentTasks, stageShares, type AttachedWorker, type WorkerHub } from '../workers/worker-hub.js';

export interface SchedulerDeps {
  readonly views: RunViews;
  /** Where workers store artifacts: every result is checked against it before it commits. */
  readonly artifacts: ArtifactStore;
  readonly writer: FencedWriter;
  readonly hub: WorkerHub;
  readonly logger: Logger;
  /** Period of the safety-net tick; wake-ups run sooner. @default 500 */
  readonly tickMs?: number;
  /** The clock of backoffs and grace periods (ms since the epoch). @default Date.now */
  readonly now?: () => number;
  /** Every stage result's outcome (committed, failed, discarded, refused), for metrics. */
  readonly onStageResult?: (outcome: 'committed' | 'failed' | 'discarded' | 'refused', seconds: number, samplePasses: number) => void;
  /**
   * A started task (stage or pretraining) silent this long (no progress report, while its worker heartbeats: a
   * training that hangs) is taken back as a failed try; 0 never. @default DEFAULT_TASK_SILENCE_TIMEOUT_MS
   */
  readonly taskSilenceTimeoutMs?: number;
  /** A task was taken back for its silence, for metrics. */
  readonly onTaskTimedOut?: () => void;
}

/** A running task as ListWorkers shows it: what it trains (shard null: a backbone pretraining) and its latest news. */
export interface WorkerTaskView {
  readonly taskId: string;
  readonly run: string;
  readonly shard: number | null;
  readonly stage: string;
  readonly sentMs: number;
  /** Its latest report; fraction null for a task held at attach that has not reported since. */
  readonly progress: { readonly atMs: number; readonly fraction: number | null } | null;
  readonly silentMs: number;
}

const SEP = '|';

/** Task ids name what they train, so a result locates its stage without extra state. */
function stageTaskId(run: string, shard: number, key: string): string {
  return [run, String(shard), key, randomBytes(4).toString('hex')].join(SEP);
}
function backboneTaskId(run: string): string {
  return [run, 'backbone', randomBytes(4).toString('hex')].join(SEP);
}
function parseTaskId(id: string): { run: string; shard: number | null; key: string } | null {
  const parts = id.split(SEP);
  if (parts.length === 3 && parts[1] === 'backbone') return { run: parts[0] as string, shard: null, key: '' };
  if (parts.length === 4 && /^\d+$/.test(parts[1] as string)) return { run: parts[0] as string, shard: Number(parts[1]), key: parts[2] as string };
  return null;
}

const REQUEST_SWEEP_MS = 10 * 60 * 1000;

interface PlannedSend {
  readonly w: AttachedWorker;
  readonly taskId: string;
  readonly prefix: readonly number[];
  /** Empty when the task trains on its own. */
  readonly groupId: string;
  /** The orderings (indices) whose stage this prefix is. */
  readonly sharing: readonly number[];
}

/** One shard's transition being planned in a scheduling pass. */
interface PlannedShard {
  readonly shard: number;
  readonly current: StoredShard;
  record: ShardRecord;
  readonly effects: ShardEffect[];
  readonly sends: PlannedSend[];
}

/** How long an assignment may be missing from its worker's heartbeats before it is taken back (never received). */
export const ASSIGNMENT_GRACE_MS = 10_000;

/** How long a started task may go without a progress report before it is taken back: 30 minutes. */
export const DEFAULT_TASK_SILENCE_TIMEOUT_MS = 30 * 60 * 1000;

/** A scheduling pass takes milliseconds; one still running after this long is logged as an error, and again after each. */
export const PASS_STALL_MS = 30_000;

/**
 * The leader's scheduler: it carries out the shard state machine's transitions (`shard-machine.ts`) and decides
 * nothing about stage states itself. Each pass reaps assignments the machine says are dead (stale generations, lost
 * worker), then assigns the machine's retrain plan to attached workers with free slots, in one fenced
 * compare-and-swap per shard, and sends the tasks. Results go through the machine's `commit`; failures back off and
 * end FAILED after MAX_STAGE_ATTEMPTS. Every write is a CAS on the record read, so a concurrent deletion or a
 * deposed leader can never make a transition apply to a record it was not computed from.
 */
export class Scheduler {
  private readonly passes: SerialPass;
  private readonly now: () => number;
  /**
   * Deletions each shard took since its retraining last started ("run/shard"), for the retraining policy. Kept in
   * memory: a new leader starts without it and retrains what is pending at once (holding back is an optimisation,
   * never a condition of exactness).
   */
  private readonly pending = new Map<string, PendingDeletions>();
  /** When each shard ("run/shard") last took a deletion (in memory, like `pending`): when its reserve may rebuild. */
  private readonly lastDeletion = new Map<string, number>();
  /** The run the pass in progress is scheduling (for the stall report). */
  private passRun: string | undefined;

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now;
    this.passes = new SerialPass(
      async () => {
        await this.timeOutSilentTasks();
        for (const run of this.deps.views.runNames()) {
          this.passRun = run;
          await this.scheduleRun(run);
        }
        this.passRun = undefined;
        await this.sweepRequestIds();
      },
      (err) => this.deps.logger.warn({ err }, 'scheduling pass failed'),
      {
        afterMs: PASS_STALL_MS,
        onStall: (ms) => this.deps.logger.error({ runningMs: ms, run: this.passRun ?? null }, 'scheduling pass still running: nothing is assigned or taken back until it ends'),
      },
    );
  }

  /** How long the scheduling pass in progress has run (0 between passes): one that does not end stops all scheduling. */
  passRunningMs(): number {
    return this.passes.runningMs();
  }

  /**
   * By run with a task on an attached worker: the longest its tasks have gone without news (since sent or their
   * latest report), and the silence timeout in force for them (0: never), in seconds. Tasks naming no run of this
   * cluster (its run deleted) are under run '' with the coordinator's timeout, so a worker cannot add label values.
   */
  taskSilence(): { run: string; silentS: number; timeoutS: number }[] {
    const { views } = this.deps;
    const runOf = (taskId: string): string => {
      const run = parseTaskId(taskId)?.run;
      return run !== undefined && views.run(run) !== undefined ? run : '';
    };
    return [...longestSilenceMs(this.deps.hub.all(), this.now(), runOf)].map(([run, ms]) => ({ run, silentS: ms / 1000, timeoutS: (this.silenceLimitMs(run) ?? 0) / 1000 }));
  }

  /**
   * The tasks attached worker `workerId` runs, what each trains and when it last gave news (by this scheduler's
   * clock), the longest silent first, at most `limit`. Empty for a worker not attached here.
   */
  tasksOf(workerId: string, limit: number): WorkerTaskView[] {
    const w = this.deps.hub.get(workerId);
    if (w === undefined) return [];
    const nowMs = this.now();
    const tasks = [...w.running].map(([taskId, sentMs]): WorkerTaskView => {
      const where = parseTaskId(taskId);
      const progress = w.progress.get(taskId);
      return {
        taskId,
        run: where?.run ?? '',
        shard: where?.shard ?? null,
        stage: where?.key ?? '',
        sentMs,
        // A task held at attach is counted as started then, with no fraction (NaN) until it reports.
        progress: progress === undefined ? null : { atMs: progress.atMs, fraction: Number.isNaN(progress.fraction) ? null : progress.fraction },
        silentMs: nowMs - lastNewsMs(w, taskId, sentMs),
      };
    });
    return tasks.sort((a, b) => b.silentMs - a.silentMs || a.taskId.localeCompare(b.taskId)).slice(0, limit);
  }

  start(): void {
    this.passes.start(this.deps.tickMs ?? 500);
  }

  stop(): Promise<void> {
    return this.passes.stop();
  }

  /** Runs one scheduling pass soon; passes never overlap. */
  wake(): void {
    this.passes.wake();
  }

  private alive(workerId: string): boolean {
    return this.deps.views.mirror.get(this.deps.views.keys.worker(workerId)) !== undefined;
  }

  private pick(): AttachedWorker | undefined {
    return this.deps.hub.available().find((w) => this.alive(w.id));
  }

  /** A deletion touched these shards: their retraining now waits on the run's policy. */
  noteDeletion(run: string, shards: readonly number[]): void {
    const now = this.now();
    for (const shard of shards) {
      const key = `${run}/${shard}`;
      const p = this.pending.get(key);
      this.pending.set(key, { sinceMs: p?.sinceMs ?? now, deletions: (p?.deletions ?? 0) + 1 });
      this.lastDeletion.set(key, now);
    }
  }

  /** Carries out cancel effects: the worker holding a taken-back task is told to stop it. */
  cancel(cancels: readonly StageCancel[]): void {
    for (const c of cancels) {
      const w = this.deps.hub.get(c.worker);
      if (settle(w, c.taskId)) w?.send({ cancel: { taskId: c.taskId, reason: c.reason } });
    }
  }

  private cancelEffects(effects: readonly ShardEffect[]): void {
    const reasons = { stale: 'slices changed by a deletion', 'worker-lost': 'reassigned', 'not-running': 'reassigned', 'handed-back': 'handed back', timeout: 'timed out', cancelled: 'the run was cancelled' } as const;
    this.cancel(effects.flatMap((e) => (e.type === 'cancel' ? [{ worker: e.worker, taskId: e.taskId, reason: reasons[e.reason] }] : [])));
  }

  /** Writes a run's backbone record with CAS on the revision it was read at; null when it changed. */
  private writeBackbone(run: string, modRevision: number, next: BackboneRecord): Promise<number | null> {
    const key = this.deps.views.keys.backbone(run);
    return this.deps.writer.write([{ key, target: 'modRevision', op: '==', value: modRevision }], [{ key, value: JSON.stringify(next) }]);
  }

  /**
   * Writes a shard transition with CAS on the record it was computed from (both its keys); null when the record
   * changed. The scheduler's transitions never change generations: only the body is written.
   */
  private async writeShard(run: string, shard: number, stored: StoredShard, t: Transition, extra: readonly Put[] = []): Promise<number | null> {
    const { keys } = this.deps.views;
    return this.deps.writer.write(shardCompares(keys, run, shard, stored), [{ key: keys.shard(run, shard), value: shardBody(t.record) }, ...extra]);
  }

  private lastSweep = 0;

  /**
   * Every 10 minutes, removes the records of request ids past their retention window (in batches that fit one
   * transaction). The only scan of every request record, and a rare one.
   */
  private async sweepRequestIds(): Promise<void> {
    if (this.now() - this.lastSweep < REQUEST_SWEEP_MS) return;
    this.lastSweep = this.now();
    const { views } = this.deps;
    for (const run of views.runNames()) {
      const base = `${views.keys.run(run)}requests/`;
      const expired = views.mirror.keys(base).filter((key) => {
        const kv = views.mirror.get(key);
        return kv !== undefined && requestExpired(JSON.parse(kv.value) as RequestRecord, this.now());
      });
      for (let i = 0; i < expired.length; i += 100) {
        const batch = expired.slice(i, i + 100);
        await this.deps.writer.write(batch.map((key) => ({ key, target: 'modRevision' as const, op: '==' as const, value: views.mirror.get(key)?.modRevision ?? 0 })), [], batch);
      }
      if (expired.length > 0) this.deps.logger.info({ run, removed: expired.length }, 'expired request ids removed');
    }
  }

  private async scheduleRun(run: string): Promise<void> {
    const { views } = this.deps;
    const record = views.run(run);
    const backbone = views.backbone(run);
    if (record === undefined || backbone === undefined) return;
    if (views.cancelled(run)) {
      await this.stopCancelledRun(run, record, backbone.value, backbone.modRevision);
      return;
    }
    if (backbone.value.state !== 'ready') {
      await this.scheduleBackbone(run, record, backbone.value, backbone.modRevision);
      return;
    }
    for (let shard = 0; shard < record.spec.shards; shard++) await this.purgeShard(run, shard);
    await this.scheduleStages(run, record, backbone.value.digest ?? '');
    await this.markRetrainedDeletions(run, record);
  }

  /**
   * A cancelled run: every stage assignment is taken back (its worker told to stop; a late result is then stale and
   * discarded) and its backbone, if pretraining, goes back to pending. Nothing is assigned for it again.
   */
  private async stopCancelledRun(run: string, record: RunRecord, b: BackboneRecord, backboneRevision: number): Promise<void> {
    const { views } = this.deps;
    for (let shard = 0; shard < record.spec.shards; shard++) {
      const current = shardRecordOf(views, run, record, shard);
      let rec = current.value;
      const effects: ShardEffect[] = [];
      for (const key of Object.keys(rec.training)) {
        const t = drop(rec, key, 'cancelled');
        rec = t.record;
        effects.push(...t.effects);
      }
      if (effects.length === 0) continue;
      if ((await this.writeShard(run, shard, current, { record: rec, effects })) === null) {
        this.wake();
        continue;
      }
      this.cancelEffects(effects);
    }
    if (b.state === 'training' && b.taskId !== undefined && b.worker !== undefined) {
      const next: BackboneRecord = { state: 'pending', attempts: b.attempts };
      const rev = await this.writeBackbone(run, backboneRevision, next);
      if (rev !== null) this.cancel([{ worker: b.worker, taskId: b.taskId, reason: 'the run was cancelled' }]);
    }
  }

  private async scheduleBackbone(run: string, record: RunRecord, b: BackboneRecord, modRevision: number): Promise<void> {
    if (b.state === 'failed') return;
    if (b.state === 'training' && b.worker !== undefined && this.alive(b.worker)) return;
    if (b.retryAtMs !== undefined && b.retryAtMs > this.now()) return;
    const w = this.pick();
    if (w === undefined) return;
    const taskId = backboneTaskId(run);
    w.running.set(taskId, this.now());
    const next: BackboneRecord = { ...b, state: 'training', taskId, worker: w.id };
    const rev = await this.writeBackbone(run, modRevision, next);
    if (rev === null) {
      w.running.delete(taskId);
      return;
    }
    this.deps.logger.info({ run, worker: w.id, taskId, attempt: b.attempts + 1 }, 'backbone pretraining assigned');
    w.send({ assignment: { taskId, epoch: String(rev), pretrain: { run: `runs/${run}`, runSpecJson: JSON.stringify(record.spec) } } });
  }

  /**
   * Assigns every shard's ready stages. Stages of one stage number (from any shard: the same block of the same
   * backbone) go to a worker in groups of up to its batch capacity, which it trains in one batched computation,
   * shared among the workers with room in proportion to what each can take at once;
   * lowest stage numbers first (they restore the most serving depth). Each shard's transition is still its own
   * fenced CAS: a group is only a delivery, every member commits or is dropped on its own.
   */
  private async scheduleStages(run: string, record: RunRecord, backboneDigest: string): Promise<void> {
    const { views } = this.deps;
    const nowMs = this.now();
    const shards: PlannedShard[] = [];
    for (let shard = 0; shard < record.spec.shards; shard++) {
      const current = shardRecordOf(views, run, record, shard);
      const reaped = reap(current.value, (worker) => this.alive(worker));
      shards.push({ shard, current, record: reaped.record, effects: [...reaped.effects], sends: [] });
    }
    const policy = views.retraining(run, record.spec);
    const left = capacityLeft(record.spec.shards, record.spec.slices, shards.reduce((n, s) => n + liveFirstSlices(s.record, record.orderings), 0));
    // Two tiers of per-stage queues: stages that restore serving depth, then (scope `deepest`) the reserve.
    type Queued = { s: PlannedShard; prefix: readonly number[]; depth: number; sharing: number[] };
    const tiers = [new Map<number, Queued[]>(), new Map<number, Queued[]>()] as const;
    const enqueue = (tier: Map<number, Queued[]>, s: PlannedShard, prefix: readonly number[], depth: number): void => {
      const queue = tier.get(prefix.length) ?? [];
      const key = stagePrefixKey(prefix, prefix.length);
      queue.push({ s, prefix, depth, sharing: record.orderings.flatMap((o, i) => (stagePrefixKey(o, prefix.length) === key ? [i] : [])) });
      tier.set(prefix.length, queue);
    };
    for (const s of shards) {
      const plan = retrainPlan(s.record, record.orderings, nowMs);
      if (plan.length === 0) continue;
      const depth = shardServing(s.record, s.shard, record.orderings).depth;
      // Held back by the run's policy (coalescing deletions, or serving deep enough): the next pass looks again.
      if (!retrainNow(policy, this.pending.get(`${run}/${s.shard}`), depth, nowMs, left).go) continue;
      const { restore, reserve } = policy.scope === 'deepest' ? restoreFirst(plan, s.record, record.orderings) : { restore: plan, reserve: [] };
      for (const prefix of restore) enqueue(tiers[0], s, prefix, depth);
      if (reserveNow(policy, this.lastDeletion.get(`${run}/${s.shard}`), nowMs)) for (const prefix of reserve) enqueue(tiers[1], s, prefix, depth);
    }
    const queues = tiers.flatMap((tier) => [...tier.keys()].sort((a, b) => a - b).map((stage) => tier.get(stage) ?? []));
    for (const unsorted of queues) {
      // Priorities: shards serving shallowest first; within a shard, the stage that restores the most orderings.
      const queue = unsorted.sort((a, b) => a.depth - b.depth || b.sharing.length - a.sharing.length || a.s.shard - b.s.shard);
      const shareOf = stageShares(queue.length, this.deps.hub.available().filter((w) => this.alive(w.id)));
      while (queue.length > 0) {
        const w = this.pick();
        if (w === undefined) break;
        const members = queue.splice(0, Math.max(1, Math.min(w.batchCapacity, capacityOf(w) - w.running.size, shareOf(w))));
        const groupId = members.length > 1 ? randomBytes(6).toString('hex') : '';
        for (const { s, prefix, sharing } of members) {
          const taskId = stageTaskId(run, s.shard, stagePrefixKey(prefix, prefix.length));
          w.running.set(taskId, nowMs);
          s.record = assign(s.record, { prefix, taskId, worker: w.id, epoch: views.mirror.revision, now: new Date(nowMs).toISOString(), nowMs, orderings: record.orderings }).record;
          s.sends.push({ w, taskId, prefix, groupId, sharing });
        }
      }
    }
    const sent: { s: PlannedShard; send: PlannedSend; rev: number }[] = [];
    for (const s of shards) {
      if (s.effects.length === 0 && s.sends.length === 0) continue;
      const rev = await this.writeShard(run, s.shard, s.current, { record: s.record, effects: s.effects });
      if (rev === null) {
        for (const x of s.sends) x.w.running.delete(x.taskId);
        this.wake();
        continue;
      }
      for (const e of s.effects) if (e.type === 'cancel') this.deps.logger.info({ run, shard: s.shard, stage: e.key, worker: e.worker, reason: e.reason }, 'assignment dropped');
      this.cancelEffects(s.effects);
      // Its retraining has started: deletions from now on are the next retraining's to cover.
      if (s.sends.length > 0) this.pending.delete(`${run}/${s.shard}`);
      for (const send of s.sends) sent.push({ s, send, rev });
    }
    // A group's size counts the members whose shard write went through: the worker waits for exactly those.
    const groupSize = new Map<string, number>();
    for (const { send } of sent) if (send.groupId !== '') groupSize.set(send.groupId, (groupSize.get(send.groupId) ?? 0) + 1);
    for (const { s, send, rev } of sent) {
      const { w, taskId, prefix, groupId, sharing } = send;
      const rec = s.record;
      const stage = prefix.length;
      const key = stagePrefixKey(prefix, stage);
      const parent = stage > 1 ? (rec.committed[stagePrefixKey(prefix, stage - 1)]?.digest ?? '') : '';
      const order = record.orderings[sharing[0] ?? 0] ?? prefix;
      this.deps.logger.info({ run, shard: s.shard, stage: key, worker: w.id, taskId, attempt: rec.training[key]?.attempt, group: groupId || undefined }, 'stage assigned');
      w.send({
        assignment: {
          taskId,
          epoch: String(rev),
          groupId,
          groupSize: groupSize.get(groupId) ?? 0,
          stage: {
            run: `runs/${run}`,
            stage: { shard: s.shard, ordering: sharing[0] ?? 0, stage },
            ordering: [...order],
            slices: prefix.map((slice) => ({ slice, generation: String(rec.generations[slice] ?? 0) })),
            parentArtifact: parent,
            backboneArtifact: backboneDigest,
            epochs: record.spec.epochs,
            seed: record.spec.seed,
            // Only the tombstones of the stage's own slices: a task's size grows with what it trains on.
            excludedSampleIds: views.sliceTombstones(run, s.shard, prefix),
            sharingOrderings: [...sharing],
            runSpecJson: JSON.stringify(record.spec),
            salt: record.salt,
            sampleIdKey: record.sampleIdKey,
          },
        },
      });
    }
  }

  /**
   * Deletes the artifacts and id lists of deactivated stages (they trained on deleted data and can never serve
   * again), then records them as purged. Blobs go first: a crash in between leaves a record that names deleted
   * blobs of stages that never serve, and the next pass finishes the job.
   */
  private async purgeShard(run: string, shard: number): Promise<void> {
    const current = this.deps.views.shard(run, shard);
    if (current === undefined) return;
    const t = purge(current.value);
    if (t.effects.length === 0) return;
    try {
      for (const e of t.effects) if (e.type === 'purge') for (const digest of e.digests) await this.deps.artifacts.delete(digest);
    } catch (err) {
      this.deps.logger.warn({ err, run, shard }, 'purge of deactivated artifacts failed; will retry');
      return;
    }
    const rev = await this.writeShard(run, shard, current, t);
    if (rev !== null) this.deps.logger.info({ run, shard, stages: t.effects.map((e) => (e.type === 'purge' ? e.key : '')) }, 'artifacts trained on deleted data purged');
  }

  /**
   * A result that did not commit (stale, replaced, refused) leaves its artifact behind, possibly trained on data
   * deleted meanwhile: delete it and its id list, if its manifest says it is this stage's and no committed stage
   * names them. (Anything else a worker claims is not ours to delete.)
   */
  /** Deletes an artifact and, for a stage, its id list. */
  private async forgetArtifact(digest: string): Promise<void> {
    const list = await getStage(this.deps.artifacts, digest).then(
      (s) => s.manifest.sampleIdsHash,
      () => '',
    );
    for (const d of [digest, list]) if (d !== '') await this.deps.artifacts.delete(d).catch(() => undefined);
  }

  private async forgetResult(run: string, shard: number, key: string, r: TaskResult__Output): Promise<void> {
    let manifest;
    try {
      manifest = (await getStage(this.deps.artifacts, r.artifact)).manifest;
    } catch {
      return;
    }
    if (manifest.run !== run || manifest.shard !== shard || stagePrefixKey(manifest.prefix, manifest.stage) !== key) return;
    const referenced = new Set(Object.values(this.deps.views.shard(run, shard)?.value.committed ?? {}).flatMap((c) => [c.digest, c.manifestHash]));
    for (const digest of [r.artifact, manifest.sampleIdsHash]) if (!referenced.has(digest)) await this.deps.artifacts.delete(digest).catch(() => undefined);
  }

  /**
   * Records when every stage a deletion deactivated is active again on cleaned slices (RETRAINED), and then when
   * every artifact trained on the deleted samples is gone (PURGED).
   */
  private async markRetrainedDeletions(run: string, record: RunRecord): Promise<void> {
    const { views } = this.deps;
    for (const id of views.pendingDeletions(run)) {
      const d = views.deletion(run, id);
      if (d === undefined || d.value.purgeCompleteTime !== undefined) continue;
      const generations = views.deletionParts(run, id).flatMap((p) => Object.entries(p.generations));
      const shards = generations.map(([shard, gens]) => ({ gens, rec: views.shard(run, Number(shard))?.value }));
      const retrained = shards.every(({ gens, rec }) => rec !== undefined && gens.every((g, s) => (rec.generations[s] ?? 0) >= g) && fullyTrained(rec, record.orderings));
      if (!retrained) continue;
      const now = new Date(this.now()).toISOString();
      const forgotten = shards.every(({ rec }) => rec !== undefined && purged(rec));
      if (d.value.retrainCompleteTime !== undefined && !forgotten) continue;
      const updated = DeletionRecordSchema.parse({ ...d.value, retrainCompleteTime: d.value.retrainCompleteTime ?? now, ...(forgotten ? { purgeCompleteTime: now } : {}) });
      const key = views.keys.deletion(run, d.id);
      const rev = await this.deps.writer.write([{ key, target: 'modRevision', op: '==', value: d.modRevision }], [{ key, value: JSON.stringify(updated) }]);
      if (rev !== null) this.deps.logger.info({ run, deletion: d.id, revision: rev, purged: forgotten }, forgotten ? 'deletion retrained and purged' : 'deletion retrained');
    }
  }

  /**
   * Applies one machine transition to the shard a task belongs to, retrying the CAS on a changed record; `extra`
   * adds puts to the same transaction (the outbox event of what the transition did).
   */
  private async transitionOf(taskId: string, f: (rec: ShardRecord) => Transition, extra: (t: Transition) => Put[] = () => []): Promise<Transition | null> {
    const { views } = this.deps;
    const where = parseTaskId(taskId);
    if (where === null || where.shard === null) return null;
    const record = views.run(where.run);
    if (record === undefined) return null;
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = shardRecordOf(views, where.run, record, where.shard);
      const t = f(current.value);
      if (t.record === current.value) return t;
      if ((await this.writeShard(where.run, where.shard, current, t, extra(t))) !== null) return t;
    }
    return null;
  }

  /**
   * A worker (re)attached saying which tasks it still runs: assignments to it that it no longer runs (its result
   * was lost with the previous coordinator or stream) are taken back, so they are assigned again.
   */
  async reconcileWorker(workerId: string, running: ReadonlySet<string>): Promise<void> {
    const { views } = this.deps;
    // Whether a task it holds has started training, a new stream cannot tell: it counts as started now, so a
    // training that hung before a failover or a reconnect is still timed (one that only waits for a thread is timed
    // too, a rare false try, rather than a hung one never).
    const w = this.deps.hub.get(workerId);
    for (const taskId of running) {
      if (w?.running.has(taskId) !== true || w.progress.has(taskId)) continue;
      w.running.set(taskId, this.now()); // on the scheduler's clock, as every time it compares
      w.progress.set(taskId, { fraction: Number.NaN, loss: Number.NaN, atMs: this.now() });
    }
    for (const run of views.runNames()) {
      const record = views.run(run);
      if (record === undefined) continue;
      const b = views.backbone(run);
      if (b?.value.state === 'training' && b.value.worker === workerId && !running.has(b.value.taskId ?? '')) {
        await this.writeBackbone(run, b.modRevision, { ...b.value, state: 'pending' });
      }
      for (let shard = 0; shard < record.spec.shards; shard++) {
        const current = views.shard(run, shard);
        if (current === undefined) continue;
        const t = release(current.value, workerId, running);
        if (t.effects.length === 0) continue;
        const rev = await this.writeShard(run, shard, current, t);
        if (rev !== null) this.deps.logger.info({ run, shard, worker: workerId, stages: t.effects.map((e) => (e.type === 'cancel' ? e.key : '')) }, 'assignments the worker no longer runs were dropped');
      }
    }
    this.wake();
  }

  /**
   * A heartbeat lists every task the worker holds. A task this coordinator sent more than ASSIGNMENT_GRACE_MS ago
   * that the worker does not hold never reached it (a lost message, a stream that broke mid-send): take it back.
   */
  async heartbeat(workerId: string, held: ReadonlySet<string>): Promise<void> {
    const w = this.deps.hub.get(workerId);
    if (w === undefined) return;
    const cutoff = this.now() - ASSIGNMENT_GRACE_MS;
    const lost = [...w.running].filter(([taskId, at]) => at < cutoff && !held.has(taskId)).map(([taskId]) => taskId);
    for (const taskId of lost) {
      settle(w, taskId);
      await this.takeBack(workerId, taskId, 'not-running');
    }
    if (lost.length > 0) this.wake();
  }

  /** A worker's progress report on a task it was sent: the task is alive (its silence starts again). */
  progressed(workerId: string, taskId: string, fraction: number, loss: number): void {
    const w = this.deps.hub.get(workerId);
    // Only a task this worker was sent: a report for another would stay in the map forever.
    if (w?.running.has(taskId) === true) w.progress.set(taskId, { fraction, loss, atMs: this.now() });
  }

  /**
   * Started tasks whose worker keeps heartbeating but has reported nothing on them for the silence timeout (a
   * training that hangs would otherwise hold its stage, or its run's backbone, for good): a stage through the
   * machine's `timeOut`, a pretraining as a failed result would, each a failed try that backs off and counts towards
   * FAILED; its worker is told to stop it (a thread that does not stop is replaced). Should the hung training wake
   * up, its result answers a replaced assignment and is discarded.
   */
  private async timeOutSilentTasks(): Promise<void> {
    const nowMs = this.now();
    for (const w of this.deps.hub.all()) {
      for (const { taskId, silentMs } of silentTasks(w, nowMs, (id) => this.silenceLimitMs(parseTaskId(id)?.run))) {
        const where = parseTaskId(taskId);
        if (where === null) continue;
        const error = `no progress for ${Math.round(silentMs / 1000)} s on worker ${w.id}: taken back`;
        if (where.shard === null) {
          await this.timeOutBackbone(where.run, w.id, taskId, error);
          continue;
        }
        const runGone = this.deps.views.run(where.run) === undefined;
        const t = runGone ? null : await this.transitionOf(taskId, (rec) => timeOut(rec, { key: where.key, taskId, worker: w.id, silentMs, nowMs }));
        if (t === null && !runGone) continue; // the record kept changing under us: the next pass tries again
        // Told to stop even when the record no longer names it (taken back meanwhile, or its run deleted): it trains
        // for nothing.
        this.cancel([{ worker: w.id, taskId, reason: error }]);
        const failure = t?.effects.find((e) => e.type === 'failed');
        if (failure?.type !== 'failed') continue;
        this.deps.onTaskTimedOut?.();
        this.deps.logger.warn(
          { run: where.run, shard: where.shard, stage: where.key, worker: w.id, taskId, silentMs, attempts: failure.failure.attempts, final: failure.failure.final },
          failure.failure.final ? 'silent stage task taken back; stage FAILED: no more retries' : 'silent stage task taken back; will retry after a backoff',
        );
      }
    }
  }

  /**
   * How long a task of `run` may be silent: its run's own timeout where the run sets one (or an operator set one on it),
   * else the coordinator's; null when that is 0 (never). A task of a run that is gone gets the coordinator's (it is
   * stopped when found silent).
   */
  private silenceLimitMs(run: string | undefined): number | null {
    const { views } = this.deps;
    const record = run === undefined ? undefined : views.run(run);
    const own = run === undefined || record === undefined ? undefined : views.taskSilenceTimeoutS(run, record.spec);
    const limitMs = own === undefined ? (this.deps.taskSilenceTimeoutMs ?? DEFAULT_TASK_SILENCE_TIMEOUT_MS) : own * 1000;
    return limitMs > 0 ? limitMs : null;
  }

  /** A silent backbone pretraining: its try fails as a failed result would (backoff, FAILED at the last), and it is stopped. */
  private async timeOutBackbone(run: string, workerId: string, taskId: string, error: string): Promise<void> {
    const { views } = this.deps;
    const b = views.backbone(run);
    const ours = b?.value.state === 'training' && b.value.taskId === taskId && b.value.worker === workerId;
    if (b !== undefined && ours) {
      const next = this.failedBackbone(b.value, error);
      if ((await this.writeBackbone(run, b.modRevision, next)) === null) return; // the next pass tries again
      this.deps.onTaskTimedOut?.();
      this.deps.logger.warn({ run, worker: workerId, taskId, error, attempts: next.attempts, final: next.state === 'failed' }, next.state === 'failed' ? 'silent backbone pretraining taken back; FAILED: no more retries' : 'silent backbone pretraining taken back; will retry after a backoff');
    }
    // Told to stop whether or not the record still names it: it trains for nothing.
    this.cancel([{ worker: workerId, taskId, reason: error }]);
  }

  /** The worker handed a task back without a result (drain, shutdown): free the stage for another worker. */
  async handedBack(workerId: string, taskId: string): Promise<void> {
    settle(this.deps.hub.get(workerId), taskId);
    await this.takeBack(workerId, taskId, 'handed-back');
    this.wake();
  }

  private async takeBack(workerId: string, taskId: string, reason: 'not-running' | 'handed-back'): Promise<void> {
    const { views } = this.deps;
    const where = parseTaskId(taskId);
    if (where === null) return;
    if (where.shard === null) {
      const b = views.backbone(where.run);
      if (b?.value.state === 'training' && b.value.taskId === taskId && b.value.worker === workerId) {
        await this.writeBackbone(where.run, b.modRevision, { ...b.value, state: 'pending' });
      }
      return;
    }
    const t = await this.transitionOf(taskId, (rec) => {
      const a = rec.training[where.key];
      return a !== undefined && a.taskId === taskId && a.worker === workerId ? drop(rec, where.key, reason) : { record: rec, effects: [] };
    });
    if (t !== null && t.effects.length > 0) this.deps.logger.warn({ run: where.run, shard: where.shard, stage: where.key, worker: workerId, taskId, reason }, 'assignment taken back');
  }

  /** Applies a worker's result through the state machine; stale or foreign results are discarded and logged. */
  async handleResult(workerId: string, r: TaskResult__Output): Promise<'committed' | 'discarded' | 'failed'> {
    const { views } = this.deps;
    settle(this.deps.hub.get(workerId), r.taskId);
    const where = parseTaskId(r.taskId);
    if (where === null || views.run(where.run) === undefined) {
      // A deleted run's late result is forgotten: nothing trained on its data stays behind.
      if (where !== null && views.mirror.get(views.keys.runDeleted(where.run)) !== undefined && r.artifact !== '') await this.forgetArtifact(r.artifact);
      this.deps.logger.warn({ worker: workerId, taskId: r.taskId }, 'result for an unknown task discarded');
      return 'discarded';
    }
    try {
      return where.shard === null ? await this.commitBackbone(where.run, workerId, r) : await this.commitStage(where.run, where.shard, where.key, workerId, r);
    } finally {
      this.wake();
    }
  }

  private async commitBackbone(run: string, workerId: string, r: TaskResult__Output): Promise<'committed' | 'discarded' | 'failed'> {
    const { views } = this.deps;
    const b = views.backbone(run);
    if (b === undefined || b.value.taskId !== r.taskId || b.value.worker !== workerId) return 'discarded';
    const refused = r.ok ? await verifyBackboneResult(this.deps.artifacts, r.artifact) : null;
    if (refused !== null) this.deps.logger.warn({ run, worker: workerId, artifact: r.artifact, reason: refused }, 'backbone result refused');
    const ok = r.ok && refused === null;
    const error = refused === null ? r.error : `result refused: ${refused}`;
    const next: BackboneRecord = ok ? { state: 'ready', digest: r.artifact, worker: workerId, attempts: 0 } : this.failedBackbone(b.value, error);
    const attempts = next.attempts;
    const rev = await this.writeBackbone(run, b.modRevision, next);
    if (rev === null) return 'discarded';
    if (ok) this.deps.logger.info({ run, worker: workerId, revision: rev }, 'backbone committed');
    else this.deps.logger.warn({ run, worker: workerId, error, attempts, final: next.state === 'failed' }, next.state === 'failed' ? 'backbone pretraining FAILED: no more retries' : 'backbone pretraining failed; will retry');
    return ok ? 'committed' : 'failed';
  }

  /** A failed try of a backbone pretraining: it counts, backs off, and is final at MAX_STAGE_ATTEMPTS. */
  private failedBackbone(b: BackboneRecord, error: string): BackboneRecord {
    const attempts = b.attempts + 1;
    return { state: attempts >= MAX_STAGE_ATTEMPTS ? 'failed' : 'pending', attempts, lastError: error.slice(0, 500), retryAtMs: this.now() + retryDelayMs(attempts) };
  }

  /** Why a successful stage result must not commit (its artifact fails verification), or null. */
  private async refusal(run: string, shard: number, key: string, workerId: string, r: TaskResult__Output): Promise<string | null> {
    const { views } = this.deps;
    const record = views.run(run);
    if (record === undefined) return null;
    const current = shardRecordOf(views, run, record, shard).value;
    const assignment = current.training[key];
    // Only a result that would commit is worth checking; the machine discards the others anyway.
    if (assignment === undefined || resultOutcome(current, key, r.taskId, workerId) !== 'commit') return null;
    return verifyStageResult(this.deps.artifacts, {
      run,
      record,
      shard,
      assignment,
      shardRecord: current,
      backboneDigest: views.backbone(run)?.value.digest ?? '',
      deleted: views.tombstones(run, shard),
      artifact: r.artifact,
      manifestHash: r.manifestHash,
    });
  }

  private async commitStage(run: string, shard: number, key: string, workerId: string, r: TaskResult__Output): Promise<'committed' | 'discarded' | 'failed'> {
    const refused = r.ok ? await this.refusal(run, shard, key, workerId, r) : null;
    if (refused !== null) this.deps.logger.warn({ run, shard, stage: key, worker: workerId, artifact: r.artifact, reason: refused }, 'stage result refused: it fails verification');
    const ok = r.ok && refused === null;
    const error = refused === null ? r.error : `result refused: ${refused}`;
    const now = new Date(this.now());
    const passes = Number(r.samplePasses) || 0;
    const t = await this.transitionOf(
      r.taskId,
      (rec) => commit(rec, { key, taskId: r.taskId, worker: workerId, ok, digest: r.artifact, manifestHash: r.manifestHash, samplePasses: passes, error, now: now.toISOString(), nowMs: now.getTime() }),
      // The StageCommitted event commits with the stage (the outbox): never lost, whatever the bus does.
      (tr) => (tr.effects[0]?.type === 'committed' ? [outboxPut(this.deps.views.keys, { subject: `lethe.events.stage.${run}`, data: { type: 'StageCommitted', run, shard, stage: key, artifact: r.artifact }, msgId: `${run}/${shard}/${key}/${r.artifact}` })] : []),
    );
    const e = t?.effects[0];
    if (r.ok && r.artifact !== '' && e?.type !== 'committed') await this.forgetResult(run, shard, key, r);
    this.deps.onStageResult?.(refused !== null ? 'refused' : e?.type === 'committed' ? 'committed' : e?.type === 'failed' ? 'failed' : 'discarded', r.seconds, passes);
    if (e === undefined) return 'discarded';
    const log = this.deps.logger;
    switch (e.type) {
      case 'committed':
        log.info({ run, shard, stage: key, worker: workerId, artifact: r.artifact }, 'stage committed');
        return 'committed';
      case 'failed':
        log.warn({ run, shard, stage: key, worker: workerId, error, attempts: e.failure.attempts, final: e.failure.final }, e.failure.final ? 'stage FAILED: no more retries' : 'stage training failed; will retry after a backoff');
        return 'failed';
      case 'discarded':
        log.warn({ run, shard, stage: key, worker: workerId, taskId: r.taskId, reason: e.reason }, e.reason === 'stale' ? 'stale result discarded: its slices lost samples while it trained' : 'result of a replaced assignment discarded');
        return 'discarded';
      default:
        return 'discarded';
    }
  }
}
