import { EventEmitter } from 'node:events';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { CoordinatorMessage } from '../../../shared/src/gen/lethe/v1/CoordinatorMessage.js';
import type { DeletedSamples } from '../deletion/deletion-service.js';

/** A worker attached over the bidirectional stream. */
export interface AttachedWorker {
  readonly id: string;
  readonly backend: string;
  readonly gpu: string;
  readonly slots: number;
  /** Stage tasks of one stage number trained together per slot (batched training); 1 for one at a time. */
  readonly batchCapacity: number;
  readonly version: string;
  readonly leaseId: string;
  /** Task ids this coordinator sent (or the worker said it runs) and has not yet seen finish, with when (ms). */
  readonly running: Map<string, number>;
  draining: boolean;
  /** The worker said it is shutting down (Heartbeat.shutting_down): it gets nothing new, whatever an operator does. */
  shuttingDown: boolean;
  lastHeartbeat: Date;
  /** Latest progress report of each running task, with when it came (ms). */
  readonly progress: Map<string, { fraction: number; loss: number; atMs: number }>;
  send(msg: CoordinatorMessage): boolean;
  close(): void;
}

/** Most stage tasks a worker may train in one batched computation (WorkerHello.batch_capacity). */
export const MAX_BATCH_CAPACITY = 256;

/** Tasks a worker holds at most: every slot full of a batched group. */
export function capacityOf(w: Pick<AttachedWorker, 'slots' | 'batchCapacity'>): number {
  return w.slots * w.batchCapacity;
}

/**
 * Slots of `w` that hold no group yet: its tasks fill slots a batch capacity at a time (the coordinator does not see
 * how the worker grouped them, so this counts the fewest slots they can occupy).
 */
export function freeSlots(w: Pick<AttachedWorker, 'slots' | 'batchCapacity' | 'running'>): number {
  return Math.max(0, w.slots - Math.ceil(w.running.size / w.batchCapacity));
}

type Sharing = Pick<AttachedWorker, 'id' | 'slots' | 'batchCapacity' | 'running'>;

/**
 * How many of `ready` stage tasks the next group for each of `workers` (those with room) takes: a free slot's share,
 * in proportion to its batch capacity over that of every free slot. So idle workers and slots train side by side
 * instead of the first taking every ready stage into one batch (on wasm a group of 16 trains 1.9× the stage
 * samples/s of one task; three workers train 3×), and a worker announcing a larger capacity (a GPU) gets a larger
 * share. A worker with no free slot gets what is left once the free slots have theirs (it queues behind its groups).
 */
export function stageShares(ready: number, workers: readonly Sharing[]): (w: Sharing) => number {
  const total = workers.reduce((n, w) => n + freeSlots(w) * w.batchCapacity, 0);
  return (w) => (freeSlots(w) === 0 ? ready : Math.ceil((ready * w.batchCapacity) / total));
}

/** The worker no longer runs `taskId` (a result, a hand-back, a cancel, a loss): forget it and its progress. */
export function settle(w: Pick<AttachedWorker, 'running' | 'progress'> | undefined, taskId: string): boolean {
  w?.progress.delete(taskId);
  return w?.running.delete(taskId) === true;
}

/**
 * The longest any task sent to `workers` has gone without news, in ms, by the group `groupOf` puts it in (its run):
 * since it was sent (or held at attach), or since its latest progress report (workers report a task's start and each
 * of its epochs). A group with no running task is absent. A training that hangs shows here, as the worker's
 * heartbeats keep listing its task.
 */
export function longestSilenceMs(workers: readonly Pick<AttachedWorker, 'running' | 'progress'>[], nowMs: number, groupOf: (taskId: string) => string): Map<string, number> {
  const longest = new Map<string, number>();
  for (const w of workers) {
    for (const [taskId, sentMs] of w.running) {
      const group = groupOf(taskId);
      longest.set(group, Math.max(longest.get(group) ?? 0, nowMs - lastNewsMs(w, taskId, sentMs)));
    }
  }
  return longest;
}

/** When `w` last gave news of a task it was sent at `sentMs`: that sending, or its latest progress report if later. */
export function lastNewsMs(w: Pick<AttachedWorker, 'progress'>, taskId: string, sentMs: number): number {
  return Math.max(sentMs, w.progress.get(taskId)?.atMs ?? 0);
}

/**
 * Tasks of `w` that started (a progress report came: workers report a start when a training thread takes a task,
 * then each epoch) and have been silent longer than their limit since, with how long; `limitMsOf` gives a task's
 * limit, null for a task that is never timed. A task still waiting for a thread is not among them: it has nothing to
 * report, and the group ahead of it is timed itself.
 */
export function silentTasks(w: Pick<AttachedWorker, 'running' | 'progress'>, nowMs: number, limitMsOf: (taskId: string) => number | null): { taskId: string; silentMs: number }[] {
  const out: { taskId: string; silentMs: number }[] = [];
  for (const taskId of w.progress.keys()) {
    const sentMs = w.running.get(taskId);
    if (sentMs === undefined) continue;
    const silentMs = nowMs - lastNewsMs(w, taskId, sentMs);
    const limitMs = limitMsOf(taskId);
    if (limitMs !== null && silentMs > limitMs) out.push({ taskId, silentMs });
  }
  return out;
}

/** Most digests one SamplesDeleted message carries (4,096 × 32 hex digits: far below gRPC's 4 MB message limit). */
export const MAX_DELETED_PER_MESSAGE = 4096;

/** The workers currently attached to this coordinator, and their free task slots. */
export class WorkerHub extends EventEmitter<{ attached: [id: string]; detached: [id: string] }> {
  private readonly workers = new Map<string, AttachedWorker>();

  constructor(private readonly logger: Logger) {
    super();
    this.setMaxListeners(0);
  }

  attach(w: AttachedWorker): void {
    const old = this.workers.get(w.id);
    if (old !== undefined) old.close(); // a reconnect replaces the stale stream
    this.workers.set(w.id, w);
    this.logger.info({ worker: w.id, backend: w.backend, slots: w.slots, running: w.running.size }, 'worker attached');
    this.emit('attached', w.id);
  }

  detach(id: string, w: AttachedWorker): void {
    if (this.workers.get(id) !== w) return;
    this.workers.delete(id);
    this.logger.warn({ worker: id }, 'worker detached');
    this.emit('detached', id);
  }

  get(id: string): AttachedWorker | undefined {
    return this.workers.get(id);
  }

  all(): AttachedWorker[] {
    return [...this.workers.values()];
  }

  /** Attached workers, neither draining nor shutting down, with room for another task, least loaded first. */
  available(): AttachedWorker[] {
    return this.all()
      .filter((w) => !w.draining && !w.shuttingDown && w.running.size < capacityOf(w))
      .sort((a, b) => a.running.size / capacityOf(a) - b.running.size / capacityOf(b) || a.id.localeCompare(b.id));
  }

  /**
   * Tells every attached worker which samples of `run` a deletion removed, in messages of at most
   * MAX_DELETED_PER_MESSAGE digests, so each drops what it derived from them. Returns the messages sent.
   */
  announceDeleted(run: string, deleted: readonly DeletedSamples[]): number {
    let sent = 0;
    for (const w of this.workers.values()) {
      for (const { shard, slice, sampleIds } of deleted) {
        for (let at = 0; at < sampleIds.length; at += MAX_DELETED_PER_MESSAGE) {
          w.send({ deleted: { run, shard, slice, sampleIds: sampleIds.slice(at, at + MAX_DELETED_PER_MESSAGE) } });
          sent++;
        }
      }
    }
    return sent;
  }

  /** Tells every attached worker that `run` was deleted, so each drops what it keeps for it. */
  announceRunDeleted(run: string): void {
    for (const w of this.workers.values()) w.send({ runDeleted: { run } });
  }

  closeAll(): void {
    for (const w of this.workers.values()) w.close();
    this.workers.clear();
  }
}
