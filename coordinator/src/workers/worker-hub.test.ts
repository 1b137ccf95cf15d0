import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/src/log/logger.js';
import type { CoordinatorMessage } from '../../../shared/src/gen/lethe/v1/CoordinatorMessage.js';
import { MAX_DELETED_PER_MESSAGE, WorkerHub, longestSilenceMs, settle, silentTasks, stageShares, type AttachedWorker } from './worker-hub.js';

function worker(id: string, inbox: CoordinatorMessage[]): AttachedWorker {
  return { id, backend: 'wasm', gpu: '', slots: 1, batchCapacity: 1, version: 'test', leaseId: '1', running: new Map(), draining: false, shuttingDown: false, lastHeartbeat: new Date(), progress: new Map(), send: (m) => inbox.push(m) > 0, close: () => undefined };
}

describe('WorkerHub.announceDeleted', () => {
  it('tells every attached worker every deleted digest, by shard and slice, in messages of bounded size', () => {
    const hub = new WorkerHub(createLogger({ service: 'test', level: 'silent' }));
    const inboxes: CoordinatorMessage[][] = [[], []];
    hub.attach(worker('a', inboxes[0] as CoordinatorMessage[]));
    hub.attach(worker('b', inboxes[1] as CoordinatorMessage[]));
    const many = Array.from({ length: 2 * MAX_DELETED_PER_MESSAGE + 5 }, (_, i) => i.toString(16).padStart(32, '0'));
    const deleted = [
      { shard: 3, slice: 1, sampleIds: many },
      { shard: 0, slice: 0, sampleIds: ['f'.repeat(32)] },
    ];
    expect(hub.announceDeleted('runs/r', deleted)).toBe(2 * 4);
    for (const inbox of inboxes) {
      expect(inbox).toHaveLength(4);
      for (const m of inbox) {
        expect(m.deleted?.run).toBe('runs/r');
        expect(m.deleted?.sampleIds?.length).toBeLessThanOrEqual(MAX_DELETED_PER_MESSAGE);
      }
      const of = (shard: number, slice: number): string[] => inbox.filter((m) => m.deleted?.shard === shard && m.deleted.slice === slice).flatMap((m) => m.deleted?.sampleIds ?? []);
      expect(of(3, 1)).toEqual(many);
      expect(of(0, 0)).toEqual(['f'.repeat(32)]);
    }
    expect(hub.announceDeleted('runs/r', [])).toBe(0);
  });
});

describe('stageShares', () => {
  const holding = (id: string, slots: number, batchCapacity: number, tasks: number): AttachedWorker => ({
    ...worker(id, []),
    slots,
    batchCapacity,
    running: new Map(Array.from({ length: tasks }, (_, i) => [`${id}-t${i}`, 0])),
  });

  it('shares ready stages among free slots in proportion to their batch capacity', () => {
    const [a, b, c] = [holding('a', 1, 16, 0), holding('b', 1, 16, 0), holding('c', 1, 16, 0)];
    expect([a, b, c].map(stageShares(6, [a, b, c]))).toEqual([2, 2, 2]);
    // Alone, a worker of two slots trains two groups side by side.
    const two = holding('two', 2, 16, 0);
    expect(stageShares(6, [two])(two)).toBe(3);
    expect(stageShares(6, [holding('one', 1, 16, 0)])(holding('one', 1, 16, 0))).toBe(6);
    // A GPU worker announcing 64 beside two CPU workers of 16 gets two thirds.
    const [gpu, cpu] = [holding('gpu', 1, 64, 0), holding('cpu', 1, 16, 0)];
    const share = stageShares(96, [gpu, cpu, holding('cpu2', 1, 16, 0)]);
    expect([share(gpu), share(cpu)]).toEqual([64, 16]);
  });

  it('gives a worker whose slots are all taken only what the free slots leave (it queues behind its groups)', () => {
    const [busy, idle] = [holding('busy', 1, 16, 3), holding('idle', 1, 16, 0)];
    const share = stageShares(6, [busy, idle]);
    expect(share(idle)).toBe(6);
    expect(share(busy)).toBe(6);
  });
});

describe('task silence', () => {
  const at = (running: [string, number][], progress: [string, number][] = []): Pick<AttachedWorker, 'running' | 'progress'> => ({
    running: new Map(running),
    progress: new Map(progress.map(([id, atMs]) => [id, { fraction: 0.5, loss: 1, atMs }])),
  });

  it('is the longest any running task of a group has gone since it was sent or last reported progress; no entry for a group with none', () => {
    const one = (): string => 'r';
    expect(longestSilenceMs([], 10_000, one)).toEqual(new Map());
    expect(longestSilenceMs([at([])], 10_000, one)).toEqual(new Map());
    // t1 sent at 1 s, reported at 9 s: silent 1 s; t2 sent at 4 s, never reported: silent 6 s.
    const w = at([['t1', 1_000], ['t2', 4_000]], [['t1', 9_000]]);
    expect(longestSilenceMs([w], 10_000, one)).toEqual(new Map([['r', 6_000]]));
    expect(longestSilenceMs([w, at([['t3', 500]])], 10_000, one)).toEqual(new Map([['r', 9_500]]));
    // By group, across workers: t1 and t3 in a, t2 in b.
    const byTask = (id: string): string => (id === 't2' ? 'b' : 'a');
    expect(longestSilenceMs([w, at([['t3', 500]])], 10_000, byTask)).toEqual(new Map([['a', 9_500], ['b', 6_000]]));
    // A report older than the (re)sending does not count back before it.
    expect(longestSilenceMs([at([['t4', 8_000]], [['t4', 2_000]])], 10_000, one)).toEqual(new Map([['r', 2_000]]));
  });

  it('silentTasks lists started tasks silent past the limit, not those still waiting for a thread', () => {
    // t1 reported at 2 s; t2 at 7 s; t3 never started (sent at 0); t4 re-sent at 6 s after a report at 1 s.
    const w = at([['t1', 0], ['t2', 0], ['t3', 0], ['t4', 6_000]], [['t1', 2_000], ['t2', 7_000], ['t4', 1_000]]);
    expect(silentTasks(w, 10_000, () => 3_000)).toEqual([{ taskId: 't1', silentMs: 8_000 }, { taskId: 't4', silentMs: 4_000 }]);
    expect(silentTasks(w, 10_000, () => 8_000)).toEqual([]);
    expect(silentTasks(w, 10_000, () => 0).map((t) => t.taskId)).toEqual(['t1', 't2', 't4']);
    // Each task against its own limit (its run's); null: never timed.
    expect(silentTasks(w, 10_000, (id) => (id === 't1' ? null : id === 't4' ? 4_000 : 2_000))).toEqual([{ taskId: 't2', silentMs: 3_000 }]);
  });

  it('settle forgets a task and its progress, and says whether the worker ran it', () => {
    const w = at([['t1', 0]], [['t1', 5]]);
    expect(settle(w, 't1')).toBe(true);
    expect(w.running.size + w.progress.size).toBe(0);
    expect(settle(w, 't1')).toBe(false);
    expect(settle(undefined, 't1')).toBe(false);
  });
});
