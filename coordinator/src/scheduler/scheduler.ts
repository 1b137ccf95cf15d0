import { randomBytes } from 'node:crypto';
import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { EventBus } from '../../../shared/src/ports/event-bus.js';
import type { TaskResult__Output } from '../../../shared/src/gen/lethe/v1/TaskResult.js';
import { triePrefixes } from '../../../shared/src/ml/shard-job.js';
import type { FencedWriter } from '../state/fenced-writer.js';
import { DeletionRecordSchema, type RunRecord, type ShardRecord } from '../state/records.js';
import { isActive, type RunViews } from '../state/run-views.js';
import { emptyShard } from '../runs/stage-state.js';
import type { AttachedWorker, WorkerHub } from '../workers/worker-hub.js';

export interface SchedulerDeps {
  readonly views: RunViews;
  readonly writer: FencedWriter;
  readonly hub: WorkerHub;
  readonly events: EventBus;
  readonly logger: Logger;
  /** Period of the safety-net tick; wake-ups run sooner. @default 500 */
  readonly tickMs?: number;
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

const generationsOf = (shard: ShardRecord, prefix: readonly number[]): number[] => prefix.map((s) => shard.generations[s] ?? 0);
const sameGenerations = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((g, i) => g === b[i]);

/**
 * The leader's scheduler. A stage is ready when its parent stage is active (stage 1: when the backbone is); ready
 * stages are assigned to attached workers with free slots in a fenced compare-and-swap on the shard's key, then
 * sent. Assignments whose worker's lease expired, or whose slices lost samples since, are dropped and redone.
 * A result commits only if its assignment is still the same one and the generations it trained on are current.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private active = false;

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    this.active = true;
    this.timer = setInterval(() => this.wake(), this.deps.tickMs ?? 500);
    this.timer.unref();
    this.wake();
  }

  stop(): Promise<void> {
    this.active = false;
    clearInterval(this.timer);
    return this.running;
  }

  /** Runs one scheduling pass soon; passes never overlap. */
  wake(): void {
    if (!this.active || this.pending) return;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      if (!this.active) return;
      try {
        for (const run of this.deps.views.runNames()) await this.scheduleRun(run);
      } catch (err) {
        this.deps.logger.warn({ err }, 'scheduling pass failed');
      }
    });
  }

  private alive(workerId: string): boolean {
    return this.deps.views.mirror.get(this.deps.views.keys.worker(workerId)) !== undefined;
  }

  private pick(): AttachedWorker | undefined {
    return this.deps.hub.available().find((w) => this.alive(w.id));
  }

  private async scheduleRun(run: string): Promise<void> {
    const { views } = this.deps;
    const record = views.run(run);
    const backbone = views.backbone(run);
    if (record === undefined || backbone === undefined) return;
    if (backbone.value.state !== 'ready') {
      const b = backbone.value;
      if (b.state === 'training' && b.worker !== undefined && this.alive(b.worker)) return;
      const w = this.pick();
      if (w === undefined) return;
      const taskId = backboneTaskId(run);
      w.running.add(taskId);
      const rev = await this.deps.writer.write(
        [{ key: views.keys.backbone(run), target: 'modRevision', op: '==', value: backbone.modRevision }],
        [{ key: views.keys.backbone(run), value: JSON.stringify({ state: 'training', taskId, worker: w.id }) }],
      );
      if (rev === null) {
        w.running.delete(taskId);
        return;
      }
      this.deps.logger.info({ run, worker: w.id, taskId }, 'backbone pretraining assigned');
      w.send({ assignment: { taskId, epoch: String(rev), pretrain: { run: `runs/${run}`, runSpecJson: JSON.stringify(record.spec) } } });
      return;
    }
    for (let shard = 0; shard < record.spec.shards; shard++) await this.scheduleShard(run, record, shard, backbone.value.digest ?? '');
    await this.markRetrainedDeletions(run, record);
  }

  private async scheduleShard(run: string, record: RunRecord, shard: number, backboneDigest: string): Promise<void> {
    const { views, hub } = this.deps;
    const current = views.shard(run, shard);
    const rec: ShardRecord = structuredClone(current?.value ?? emptyShard(record.spec.slices));
    let changed = false;
    for (const [key, a] of Object.entries(rec.training)) {
      const staleGenerations = !sameGenerations(a.generations, generationsOf(rec, a.prefix));
      if (staleGenerations || !this.alive(a.worker)) {
        delete rec.training[key];
        changed = true;
        const w = hub.get(a.worker);
        if (w !== undefined && w.running.delete(a.taskId)) w.send({ cancel: { taskId: a.taskId, reason: staleGenerations ? 'slices changed by a deletion' : 'reassigned' } });
        this.deps.logger.info({ run, shard, stage: key, worker: a.worker, reason: staleGenerations ? 'stale' : 'worker lease expired' }, 'assignment dropped');
      }
    }
    const sends: { w: AttachedWorker; taskId: string; prefix: number[] }[] = [];
    for (const prefix of triePrefixes(record.orderings)) {
      const stage = prefix.length;
      const key = stagePrefixKey(prefix, stage);
      if (isActive(rec, key) || rec.training[key] !== undefined) continue;
      if (stage > 1 && !isActive(rec, stagePrefixKey(prefix, stage - 1))) continue;
      const w = this.pick();
      if (w === undefined) break;
      const taskId = stageTaskId(run, shard, key);
      w.running.add(taskId);
      rec.training[key] = { prefix, taskId, worker: w.id, epoch: views.mirror.revision, generations: generationsOf(rec, prefix), startedAt: new Date().toISOString() };
      sends.push({ w, taskId, prefix });
      changed = true;
    }
    if (!changed) return;
    const rev = await this.deps.writer.write(
      [{ key: views.keys.shard(run, shard), target: 'modRevision', op: '==', value: current?.modRevision ?? 0 }],
      [{ key: views.keys.shard(run, shard), value: JSON.stringify(rec) }],
    );
    if (rev === null) {
      for (const s of sends) s.w.running.delete(s.taskId);
      this.wake();
      return;
    }
    const tombstones = [...views.tombstones(run, shard)];
    for (const { w, taskId, prefix } of sends) {
      const stage = prefix.length;
      const key = stagePrefixKey(prefix, stage);
      const sharing = record.orderings.flatMap((o, i) => (stagePrefixKey(o, stage) === key ? [i] : []));
      const parent = stage > 1 ? (rec.committed[stagePrefixKey(prefix, stage - 1)]?.digest ?? '') : '';
      const order = record.orderings[sharing[0] ?? 0] ?? prefix;
      this.deps.logger.info({ run, shard, stage: key, worker: w.id, taskId }, 'stage assigned');
      w.send({
        assignment: {
          taskId,
          epoch: String(rev),
          stage: {
            run: `runs/${run}`,
            stage: { shard, ordering: sharing[0] ?? 0, stage },
            ordering: order,
            slices: prefix.map((slice) => ({ slice, generation: String(rec.generations[slice] ?? 0) })),
            parentArtifact: parent,
            backboneArtifact: backboneDigest,
            epochs: record.spec.epochs,
            seed: record.spec.seed,
            excludedSampleIds: tombstones,
            sharingOrderings: sharing,
            runSpecJson: JSON.stringify(record.spec),
            salt: record.salt,
          },
        },
      });
    }
  }

  /** Records when every stage a deletion deactivated is active again on cleaned slices. */
  private async markRetrainedDeletions(run: string, record: RunRecord): Promise<void> {
    const { views } = this.deps;
    const prefixes = triePrefixes(record.orderings);
    for (const d of views.deletions(run)) {
      if (d.value.retrainCompleteTime !== undefined) continue;
      const done = Object.entries(d.value.generations).every(([shard, gens]) => {
        const rec = views.shard(run, Number(shard))?.value;
        if (rec === undefined) return false;
        return gens.every((g, s) => (rec.generations[s] ?? 0) >= g) && prefixes.every((p) => isActive(rec, stagePrefixKey(p, p.length)));
      });
      if (!done) continue;
      const updated = DeletionRecordSchema.parse({ ...d.value, retrainCompleteTime: new Date().toISOString() });
      const key = views.keys.deletion(run, d.id);
      const rev = await this.deps.writer.write([{ key, target: 'modRevision', op: '==', value: d.modRevision }], [{ key, value: JSON.stringify(updated) }]);
      if (rev !== null) this.deps.logger.info({ run, deletion: d.id, revision: rev }, 'deletion retrained');
    }
  }

  /**
   * A worker (re)attached saying which tasks it still runs: assignments to it that it no longer runs (its result
   * was lost with the previous coordinator or stream) are dropped, so they are assigned again.
   */
  async reconcileWorker(workerId: string, running: ReadonlySet<string>): Promise<void> {
    const { views } = this.deps;
    for (const run of views.runNames()) {
      const record = views.run(run);
      if (record === undefined) continue;
      const b = views.backbone(run);
      if (b?.value.state === 'training' && b.value.worker === workerId && !running.has(b.value.taskId ?? '')) {
        await this.deps.writer.write([{ key: views.keys.backbone(run), target: 'modRevision', op: '==', value: b.modRevision }], [{ key: views.keys.backbone(run), value: JSON.stringify({ state: 'pending' }) }]);
      }
      for (let shard = 0; shard < record.spec.shards; shard++) {
        const current = views.shard(run, shard);
        if (current === undefined) continue;
        const lost = Object.entries(current.value.training).filter(([, a]) => a.worker === workerId && !running.has(a.taskId));
        if (lost.length === 0) continue;
        const rec: ShardRecord = structuredClone(current.value);
        for (const [key] of lost) delete rec.training[key];
        const rev = await this.deps.writer.write([{ key: views.keys.shard(run, shard), target: 'modRevision', op: '==', value: current.modRevision }], [{ key: views.keys.shard(run, shard), value: JSON.stringify(rec) }]);
        if (rev !== null) this.deps.logger.info({ run, shard, worker: workerId, stages: lost.map(([k]) => k) }, 'assignments the worker no longer runs were dropped');
      }
    }
    this.wake();
  }

  /** Applies a worker's result under the fencing rules; stale or foreign results are discarded and logged. */
  async handleResult(workerId: string, r: TaskResult__Output): Promise<'committed' | 'discarded' | 'failed'> {
    const { views } = this.deps;
    this.deps.hub.get(workerId)?.running.delete(r.taskId);
    const where = parseTaskId(r.taskId);
    if (where === null || views.run(where.run) === undefined) {
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
    const next = r.ok ? { state: 'ready', digest: r.artifact } : { state: 'pending' };
    const rev = await this.deps.writer.write([{ key: views.keys.backbone(run), target: 'modRevision', op: '==', value: b.modRevision }], [{ key: views.keys.backbone(run), value: JSON.stringify(next) }]);
    if (rev === null) return 'discarded';
    this.deps.logger.info({ run, worker: workerId, ok: r.ok, error: r.error, revision: rev }, r.ok ? 'backbone committed' : 'backbone pretraining failed');
    return r.ok ? 'committed' : 'failed';
  }

  private async commitStage(run: string, shard: number, key: string, workerId: string, r: TaskResult__Output): Promise<'committed' | 'discarded' | 'failed'> {
    const { views } = this.deps;
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = views.shard(run, shard);
      if (current === undefined) return 'discarded';
      const rec: ShardRecord = structuredClone(current.value);
      const a = rec.training[key];
      if (a === undefined || a.taskId !== r.taskId || a.worker !== workerId) {
        this.deps.logger.warn({ run, shard, stage: key, worker: workerId, taskId: r.taskId }, 'result of a replaced assignment discarded');
        return 'discarded';
      }
      delete rec.training[key];
      const fresh = sameGenerations(a.generations, generationsOf(rec, a.prefix));
      let outcome: 'committed' | 'discarded' | 'failed' = 'discarded';
      const passes = Number(r.samplePasses) || 0;
      if (!fresh) this.deps.logger.warn({ run, shard, stage: key, worker: workerId, trainedOn: a.generations, now: generationsOf(rec, a.prefix) }, 'stale result discarded: its slices lost samples while it trained');
      else if (!r.ok) {
        outcome = 'failed';
        this.deps.logger.warn({ run, shard, stage: key, worker: workerId, error: r.error }, 'stage training failed; will retry');
      } else {
        rec.committed[key] = {
          prefix: a.prefix,
          digest: r.artifact,
          manifestHash: r.manifestHash,
          generations: a.generations,
          worker: workerId,
          committedAt: new Date().toISOString(),
          samplePasses: Number(r.samplePasses),
        };
        outcome = 'committed';
        rec.samplePasses += passes;
      }
      if (outcome === 'discarded') rec.discardedSamplePasses += passes;
      const rev = await this.deps.writer.write([{ key: views.keys.shard(run, shard), target: 'modRevision', op: '==', value: current.modRevision }], [{ key: views.keys.shard(run, shard), value: JSON.stringify(rec) }]);
      if (rev === null) continue; // the shard changed (a deletion, another commit): re-check against the new state
      if (outcome === 'committed') {
        this.deps.logger.info({ run, shard, stage: key, worker: workerId, artifact: r.artifact, revision: rev }, 'stage committed');
        this.deps.events.publish(`lethe.events.stage.${run}`, { type: 'StageCommitted', run, shard, stage: key, artifact: r.artifact, revision: rev }, { msgId: `${run}/${shard}/${key}/${r.artifact}` }).catch(() => undefined);
      }
      return outcome;
    }
    return 'discarded';
  }
}
