import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { startEmbeddedCoordinator, type EmbeddedCoordinator } from '../../../test/support/embedded-coordinator.js';
import { eventually } from '../../../test/support/eventually.js';
import { ScriptedWorker } from '../../../test/support/scripted-worker.js';
import { testSecurity, type TestSecurity } from '../../../shared/src/testing/test-security.js';
import type { ClientCredentials } from '../../../shared/src/security/tls.js';

const PREFIX = '/worker-identity/';
const oneStage = { dataset: { builtin: 'blobs', samples: 200, features: 4, classes: 2 }, shards: 1, slices: 1, budget: 1 };

/**
 * The attack the security issue reported: a client claiming a real worker's id was given tasks (the run spec and
 * the excluded ids) and its fabricated results committed. Now a worker is who its credential says.
 */
describe('worker identity: the impersonation that used to work now fails and commits nothing', () => {
  let cluster: EmbeddedCoordinator;
  let sec: TestSecurity;
  const opened: ScriptedWorker[] = [];
  const attach = (id: string, creds: ClientCredentials): ScriptedWorker => {
    const w = new ScriptedWorker(cluster.coordinator.address, id, cluster.artifacts, {}, creds);
    opened.push(w);
    return w;
  };

  beforeAll(async () => {
    cluster = await startEmbeddedCoordinator(PREFIX);
    sec = await testSecurity();
  });
  afterAll(async () => {
    for (const w of opened) w.close();
    await cluster.close();
  });

  it('refuses a stream that claims another identity, holds no credential, or is not a worker; the real worker trains alone', async () => {
    const real = await cluster.worker('w-real');
    opened.push(real);
    const impostors = [
      { why: 'another worker\'s certificate', w: attach('w-real', await sec.worker('w-evil')), code: status.PERMISSION_DENIED },
      { why: 'a reader token', w: attach('w-real', await sec.as('reader')), code: status.PERMISSION_DENIED },
      { why: 'an admin token (admins are not workers)', w: attach('w-real', sec.admin), code: status.PERMISSION_DENIED },
      { why: 'TLS but no credential', w: attach('w-real', { transport: { tls: { caFile: sec.local.pki.caFile } } }), code: status.UNAUTHENTICATED },
      { why: 'the real certificate while the real worker is attached', w: attach('w-real', await sec.worker('w-real')), code: status.ALREADY_EXISTS },
    ];
    for (const i of impostors) await eventually(`${i.why} refused`, 5_000, () => Promise.resolve(i.w.error));
    expect(impostors.map((i) => [i.why, i.w.error?.code])).toEqual(impostors.map((i) => [i.why, i.code]));

    await cluster.client.createRun({ requestId: '', runId: 'victim', spec: oneStage });
    const taken = new Set<string>();

    const pretrain = await real.next('victim', taken);
    taken.add(pretrain.taskId);

    // A legitimate worker of the cluster cannot report a task assigned to someone else: its result is discarded.
    const other = await cluster.worker('w-other');
    opened.push(other);
    await other.result(pretrain, true);
    await new Promise((r) => setTimeout(r, 300));
    expect((await cluster.client.getRun('runs/victim')).state).toBe('RUN_STATE_PRETRAINING');
    other.close();
    await eventually('w-other gone', 5_000, async () => !(await cluster.client.listWorkers()).workers.some((w) => w.name === 'workers/w-other' && w.state !== 'WORKER_STATE_LOST'));

    await real.result(pretrain, true);
    const stage = await real.next('victim', taken);
    await real.result(stage, true);
    const run = await eventually('the stage committed', 10_000, async () => {
      const r = await cluster.client.getRun('runs/victim');
      return r.state === 'RUN_STATE_SERVING' ? r : undefined;
    });
    // Nothing reached an impostor, and every stage was trained by the worker it was assigned to.
    expect(impostors.flatMap((i) => i.w.assignments)).toEqual([]);
    expect(run.shards.flatMap((s) => s.orderings.flatMap((o) => o.stages.map((st) => st.workerId)))).toEqual(['w-real']);
  });

  it('a worker token is an identity too: its subject is the only id it may attach as', async () => {
    const created = await cluster.client.createToken('w-token', ['worker']);
    const wrong = attach('w-someone-else', { transport: sec.admin.transport, token: created.secret });
    await eventually('refused', 5_000, () => Promise.resolve(wrong.error));
    expect(wrong.error?.code).toBe(status.PERMISSION_DENIED);
    const right = attach('w-token', { transport: sec.admin.transport, token: created.secret });
    await eventually('attached', 5_000, async () => (await cluster.client.listWorkers()).workers.some((w) => w.name === 'workers/w-token' && w.state !== 'WORKER_STATE_LOST'));
    expect(right.error).toBeUndefined();
  });
});
