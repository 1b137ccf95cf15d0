import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/src/log/logger.js';
import type { CoordinatorMessage } from '../../../shared/src/gen/lethe/v1/CoordinatorMessage.js';
import { MAX_DELETED_PER_MESSAGE, WorkerHub, type AttachedWorker } from './worker-hub.js';

function worker(id: string, inbox: CoordinatorMessage[]): AttachedWorker {
  return { id, backend: 'wasm', gpu: '', slots: 1, batchCapacity: 1, version: 'test', leaseId: '1', running: new Map(), draining: false, lastHeartbeat: new Date(), progress: new Map(), send: (m) => inbox.push(m) > 0, close: () => undefined };
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
