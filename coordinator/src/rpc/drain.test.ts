import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '../coordinator.js';
import { LetheClient } from '../client/lethe-client.js';
import { Keys } from '../state/keys.js';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { InMemoryEventBus } from '../../../shared/src/testing/in-memory-event-bus.js';
import { FsArtifactStore } from '../../../shared/src/adapters/fs/fs-artifact-store.js';
import { createLogger } from '../../../shared/src/log/logger.js';
import { LetheError } from '../../../shared/src/errors/errors.js';
import { put } from '../../../shared/src/ports/state-store.js';
import { eventually } from '../../../test/support/eventually.js';
import { ScriptedWorker } from '../../../test/support/scripted-worker.js';
import { testSecurity } from '../../../shared/src/testing/test-security.js';

const PREFIX = '/drain/';
const oneStage = { dataset: { builtin: 'blobs', samples: 200, features: 4, classes: 2 }, shards: 1, slices: 1, budget: 1 };

describe('drain is stored in etcd: it outlives reconnects and coordinator restarts until lifted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-drain-'));
  const backend = new InMemoryStateBackend();
  const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
  const started: Coordinator[] = [];
  const workers: ScriptedWorker[] = [];

  async function coordinator(): Promise<{ c: Coordinator; client: LetheClient }> {
    const c = await Coordinator.start({ ...(await testSecurity()).local.server, store: backend.client(), events: new InMemoryEventBus(), artifacts, logger: createLogger({ service: 'test', level: 'silent' }), listen: '127.0.0.1:0', prefix: PREFIX, backend: 'cpu' });
    started.push(c);
    await eventually('leader', 15_000, () => Promise.resolve(c.isLeader));
    return { c, client: new LetheClient(c.address, (await testSecurity()).admin, 10_000) };
  }
  async function attach(c: Coordinator, client: LetheClient, id: string): Promise<ScriptedWorker> {
    await put(backend.client(), new Keys(PREFIX).worker(id), JSON.stringify({ id, backend: 'cpu', gpu: '', slots: 1, version: 'test', attachedAt: new Date().toISOString() }));
    const w = new ScriptedWorker(c.address, id, artifacts, {}, await (await testSecurity()).worker(id));
    workers.push(w);
    await eventually(`${id} attached`, 5_000, async () => (await client.listWorkers()).workers.some((x) => x.name === `workers/${id}` && x.state !== 'WORKER_STATE_LOST'));
    return w;
  }
  afterAll(async () => {
    for (const w of workers) w.close();
    for (const c of started) await c.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('assigns nothing to a drained worker after a coordinator restart, and work again once undrained', async () => {
    const first = await coordinator();
    const w = await attach(first.c, first.client, 'w-drained');
    expect((await first.client.drainWorker('workers/w-drained')).state).toBe('WORKER_STATE_DRAINING');
    expect(w.drains).toEqual([true]);
    const code = await first.client.undrainWorker('workers/nope').then(
      () => 'OK',
      (e: unknown) => (e instanceof LetheError ? e.code : 'other'),
    );
    expect(code).toBe('NOT_FOUND');
    first.client.close();
    await first.c.stop();
    w.close();

    // A new coordinator (the old one is gone); the worker reconnects under the same id.
    const second = await coordinator();
    const again = await attach(second.c, second.client, 'w-drained');
    await eventually('drain restored on re-attach', 5_000, () => Promise.resolve(again.drains[0] === true));
    expect((await second.client.listWorkers()).workers.find((x) => x.name === 'workers/w-drained')?.state).toBe('WORKER_STATE_DRAINING');
    await second.client.createRun({ requestId: '', runId: 'after-restart', spec: oneStage });
    // Scheduler passes run every 500 ms: several go by without an assignment to the drained worker.
    await new Promise((r) => setTimeout(r, 1500));
    expect(again.assignments).toEqual([]);

    expect((await second.client.undrainWorker('w-drained')).state).not.toBe('WORKER_STATE_DRAINING');
    expect(again.drains).toEqual([true, false]);
    const pretrain = await again.next('after-restart', new Set());
    expect(pretrain.pretrain?.run).toBe('runs/after-restart');
    second.client.close();
  });
});
