import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCoordinator, type EmbeddedCoordinator } from '../../../test/support/embedded-coordinator.js';
import { eventually } from '../../../test/support/eventually.js';
import type { ScriptedWorker } from '../../../test/support/scripted-worker.js';
import { loadDataset } from '../../../shared/src/ml/data/registry.js';
import { parseRunSpec } from '../../../shared/src/domain/run-spec.js';
import { LetheError } from '../../../shared/src/errors/errors.js';
import type { RetrainingPolicy } from '../../../shared/src/gen/lethe/v1/RetrainingPolicy.js';

const PREFIX = '/retraining-policy/';
/** Two shards of one ordering over two slices: every shard serves at depth 2 when trained. */
const dataset = { builtin: 'blobs', samples: 400, features: 4, classes: 2 };
const spec = (retraining: RetrainingPolicy, budget = 1) => ({ dataset, shards: 2, slices: 2, budget, retraining });

/**
 * Retraining policies through the real scheduler (embedded coordinator, a scripted worker over gRPC): when a
 * deactivated stage is handed out is the policy's choice; the deactivation itself is immediate whatever it is.
 */
describe('retraining policies: eager, coalesce, capacity, and priorities', () => {
  let cluster: EmbeddedCoordinator;
  let w: ScriptedWorker;
  const answered = new Set<string>();
  const users = loadDataset(parseRunSpec({ dataset, shards: 2, slices: 2, budget: 1 }).dataset);
  const userIds = Array.from(users.split.user, (r) => users.ids[r] as string);

  beforeAll(async () => {
    cluster = await startEmbeddedCoordinator(PREFIX);
    w = await cluster.worker('w-policy', { slots: 8 });
  });
  afterAll(async () => {
    w.close();
    await cluster.close();
  });

  /** Answers every assignment of `run` honestly until it serves (or, `everyStage`, until every stage is active). */
  async function trainAll(run: string, everyStage = false): Promise<void> {
    await eventually(`${run} serving`, 20_000, async () => {
      for (const a of w.assignments) {
        if (answered.has(a.taskId + a.epoch) || (a.stage?.run ?? a.pretrain?.run) !== `runs/${run}`) continue;
        answered.add(a.taskId + a.epoch);
        await w.result(a, true);
      }
      const r = await cluster.client.getRun(`runs/${run}`);
      if (everyStage) return r.shards.every((sh) => sh.orderings.every((o) => o.stages.every((st) => st.state === 'STAGE_STATE_ACTIVE'))) || undefined;
      return r.state === 'RUN_STATE_SERVING';
    });
  }
  /** User ids of `run` by shard and slice. */
  async function idsAt(run: string, shard: number, slice: number, n: number): Promise<string[]> {
    const out: string[] = [];
    for (const id of userIds) {
      const loc = await cluster.client.whereIs(`runs/${run}`, id);
      if (loc.shard === shard && loc.slice === slice) out.push(id);
      if (out.length === n) break;
    }
    return out;
  }
  /** The stage assignments of `run` that arrive within `ms` after `from` assignments had been seen. */
  async function assignedWithin(run: string, from: number, ms: number): Promise<number[]> {
    await new Promise((r) => setTimeout(r, ms));
    return w.assignments.slice(from).filter((a) => a.stage?.run === `runs/${run}`).map((a) => a.stage?.stage?.shard ?? -1);
  }
  const slices = async (run: string, shard: number): Promise<number[]> => (await cluster.client.getRun(`runs/${run}`)).shards[shard]?.orderings[0]?.stages.map((s) => s.trainedOn.at(-1)?.slice ?? -1) ?? [];

  it('coalesce: deletions wait out the window, then one retraining covers them; enough deletions go at once', async () => {
    await cluster.client.createRun({ requestId: '', runId: 'coalesced', spec: spec({ kind: 'RETRAINING_POLICY_KIND_COALESCE', windowMs: '1500', maxDeletions: 3, minServingDepth: 0 }) });
    await trainAll('coalesced');
    const [first, second] = await idsAt('coalesced', 0, (await slices('coalesced', 0))[0] as number, 2);
    let seen = w.assignments.length;
    const receipt = await cluster.client.deleteSamples('', 'runs/coalesced', [first as string]);
    // Deactivated at once (the receipt), but not retrained within the window...
    expect(receipt.serving.find((s) => s.shard === 0)?.depth).toBe(0);
    await cluster.client.deleteSamples('', 'runs/coalesced', [second as string]);
    expect(await assignedWithin('coalesced', seen, 900)).toEqual([]);
    // ...and once the window has passed, one retraining for both deletions.
    await eventually('retraining after the window', 5_000, () => Promise.resolve(w.assignments.slice(seen).some((a) => a.stage?.run === 'runs/coalesced') || undefined));
    const retrain = w.assignments.slice(seen).filter((a) => a.stage?.run === 'runs/coalesced');
    expect(retrain.map((a) => [a.stage?.stage?.shard, a.stage?.excludedSampleIds.length])).toEqual([[0, 2]]);
    await trainAll('coalesced');

    // Three deletions reach max_deletions: retraining starts without waiting for the window (a minute now, so
    // only the count can have triggered it, however busy the machine).
    await cluster.client.updateRetrainingPolicy('runs/coalesced', { kind: 'RETRAINING_POLICY_KIND_COALESCE', windowMs: '60000', maxDeletions: 3 });
    seen = w.assignments.length;
    const three = await idsAt('coalesced', 1, (await slices('coalesced', 1))[0] as number, 3);
    for (const id of three.slice(0, 2)) await cluster.client.deleteSamples('', 'runs/coalesced', [id]);
    expect(await assignedWithin('coalesced', seen, 900)).toEqual([]);
    await cluster.client.deleteSamples('', 'runs/coalesced', [three[2] as string]);
    const counted = await eventually('retraining on the third deletion', 10_000, () => Promise.resolve(w.assignments.slice(seen).filter((a) => a.stage?.run === 'runs/coalesced').map((a) => a.stage?.stage?.shard)).then((x) => (x.length > 0 ? x : undefined)));
    expect(counted).toEqual([1]);
    await trainAll('coalesced');
  });

  it('capacity by the run\'s deletion capacity left: pending shards wait until the run can absorb fewer deletions than the threshold', async () => {
    // Two shards, orderings [0,1] and [1,0]: four live first slices, capacity left 2·2·H(4) ≈ 8.3. Tainting one
    // shard's slice 0 leaves it serving [1,0] at depth 1 and the run 2·2·H(3) ≈ 7.3; the other shard's too, 6.
    await cluster.client.createRun({ requestId: '', runId: 'runcap', spec: spec({ kind: 'RETRAINING_POLICY_KIND_CAPACITY', windowMs: '0', maxDeletions: 0, minServingDepth: 0, minCapacityLeft: '7' }, 2) });
    await trainAll('runcap');
    const run = await cluster.client.getRun('runs/runcap');
    expect(run.spec?.retraining).toMatchObject({ kind: 'RETRAINING_POLICY_KIND_CAPACITY', minCapacityLeft: '7' });
    const firstSlice = (shard: number): number => run.shards[shard]?.orderings[0]?.stages[0]?.trainedOn.at(-1)?.slice ?? -1;
    let seen = w.assignments.length;
    const [a] = await idsAt('runcap', 0, firstSlice(0), 1);
    const receipt = await cluster.client.deleteSamples('', 'runs/runcap', [a as string]);
    expect(receipt.serving.find((s) => s.shard === 0)?.depth).toBe(1);
    expect(await assignedWithin('runcap', seen, 1200)).toEqual([]);
    seen = w.assignments.length;
    const [b] = await idsAt('runcap', 1, firstSlice(1), 1);
    await cluster.client.deleteSamples('', 'runs/runcap', [b as string]);
    const shards = await eventually('both pending shards retrained', 10_000, () =>
      Promise.resolve([...new Set(w.assignments.slice(seen).filter((x) => x.stage?.run === 'runs/runcap').map((x) => x.stage?.stage?.shard))].sort()).then((x) => (x.length === 2 ? x : undefined)),
    );
    expect(shards).toEqual([0, 1]);
    await trainAll('runcap');
  });

  it('capacity: a shard still serving deep enough is not retrained; one below the threshold is; the policy changes live', async () => {
    await cluster.client.createRun({ requestId: '', runId: 'capacity', spec: spec({ kind: 'RETRAINING_POLICY_KIND_EAGER', windowMs: '0', maxDeletions: 0, minServingDepth: 0 }) });
    await trainAll('capacity');
    // Bad policies are refused with the field; nothing changes.
    for (const bad of [{ kind: 'RETRAINING_POLICY_KIND_CAPACITY' as const, minServingDepth: 0 }, { kind: 'RETRAINING_POLICY_KIND_COALESCE' as const }, { kind: 'RETRAINING_POLICY_KIND_EAGER' as const, windowMs: '-5' }, { kind: 'RETRAINING_POLICY_KIND_EAGER' as const, scope: 7 as never }, { kind: 'RETRAINING_POLICY_KIND_EAGER' as const, reserveQuietMs: '1000' }]) {
      const code = await cluster.client.updateRetrainingPolicy('runs/capacity', bad).then(() => 'OK', (e: unknown) => (e instanceof LetheError ? e.code : String(e)));
      expect(code, JSON.stringify(bad)).toBe('INVALID_ARGUMENT');
    }
    const updated = await cluster.client.updateRetrainingPolicy('runs/capacity', { kind: 'RETRAINING_POLICY_KIND_CAPACITY', minServingDepth: 1 });
    expect(updated.spec?.retraining).toMatchObject({ kind: 'RETRAINING_POLICY_KIND_CAPACITY', minServingDepth: 1 });
    const order = await slices('capacity', 0);
    // A deletion in the last slice of the ordering: the shard still serves at depth 1, so it waits.
    let seen = w.assignments.length;
    const [late] = await idsAt('capacity', 0, order[1] as number, 1);
    expect((await cluster.client.deleteSamples('', 'runs/capacity', [late as string])).serving.find((s) => s.shard === 0)?.depth).toBe(1);
    expect(await assignedWithin('capacity', seen, 1200)).toEqual([]);
    // A deletion in the first slice: the shard is dead (depth 0 < 1), so it is retrained now.
    seen = w.assignments.length;
    const [early] = await idsAt('capacity', 0, order[0] as number, 1);
    await cluster.client.deleteSamples('', 'runs/capacity', [early as string]);
    await eventually('retraining of the dead shard', 5_000, () => Promise.resolve(w.assignments.slice(seen).some((a) => a.stage?.run === 'runs/capacity') || undefined));
    await trainAll('capacity');
  });

  it('priorities: with one free slot, the shard serving shallowest is retrained first', async () => {
    const single = await cluster.worker('w-single', { slots: 1, batchCapacity: 1 });
    w.close();
    await eventually('w-policy gone', 5_000, async () => (await cluster.client.listWorkers()).workers.every((x) => x.name !== 'workers/w-policy' || x.state === 'WORKER_STATE_LOST') || undefined);
    await cluster.client.createRun({ requestId: '', runId: 'priority', spec: spec({ kind: 'RETRAINING_POLICY_KIND_EAGER', windowMs: '0', maxDeletions: 0, minServingDepth: 0 }) });
    w = single;
    await trainAll('priority');
    const [late] = await idsAt('priority', 0, (await slices('priority', 0))[1] as number, 1);
    const [early] = await idsAt('priority', 1, (await slices('priority', 1))[0] as number, 1);
    const seen = w.assignments.length;
    // Shard 0 keeps depth 1, shard 1 is dead: shard 1's stage goes first although shard 0 sorts before it.
    await cluster.client.deleteSamples('', 'runs/priority', [late as string, early as string]);
    const first = await eventually('an assignment', 5_000, () => Promise.resolve(w.assignments.slice(seen).find((a) => a.stage?.run === 'runs/priority')));
    expect(first.stage?.stage?.shard).toBe(1);
  });

  it('scope deepest: with one free slot, the stage that restores the deepest ordering goes before the reserve\'s shallower stages, first stages go at once, the rest of the reserve waits for a quiet shard; scope all hands out the lowest stage first', async () => {
    await trainAll('priority', true); // frees the single slot
    const deepest = { kind: 'RETRAINING_POLICY_KIND_EAGER' as const, scope: 'RETRAINING_SCOPE_DEEPEST' as const, reserveQuietMs: '5000' };
    await cluster.client.createRun({ requestId: '', runId: 'deepest', spec: { dataset, shards: 1, slices: 3, budget: 2, retraining: deepest } });
    await trainAll('deepest', true);
    const run = await cluster.client.getRun('runs/deepest');
    expect(run.spec?.retraining).toMatchObject({ scope: 'RETRAINING_SCOPE_DEEPEST', reserveQuietMs: '5000' });
    const orders = (run.shards[0]?.orderings ?? []).map((o) => o.stages.map((st) => st.trainedOn.at(-1)?.slice ?? -1));
    expect(orders).toHaveLength(2);
    const key = (slices: number[]): string => slices.join('.');
    const stageOf = (o: number, depth: number): string => key((orders[o] as number[]).slice(0, depth));
    /** Deletes `id`, then answers the run's assignments until `ms` after the deletion; the prefixes in order. */
    const deleteAndAnswer = async (id: string, ms: number): Promise<string[]> => {
      const from = w.assignments.length;
      const at = Date.now();
      await cluster.client.deleteSamples('', 'runs/deepest', [id]);
      const got: string[] = [];
      let next = from;
      while (Date.now() < at + ms) {
        for (const x of w.assignments.slice(next)) {
          next++;
          if (x.stage?.run !== 'runs/deepest') continue;
          got.push(key(x.stage.slices.map((sl) => sl.slice)));
          answered.add(x.taskId + x.epoch);
          await w.result(x, true);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return got;
    };
    // x: the slice first in neither ordering (two orderings have at most two first slices); a deletion there leaves
    // both live, the one holding x later deeper. Its stages from x on alone restore full depth and go first; the
    // other's (the reserve) wait until the shard has been quiet for 5 s, then follow. (4 s of answering leave a
    // busy machine room for the restore's chain of up to two stages.)
    const x = [0, 1, 2].find((sl) => orders.every((o) => o[0] !== sl)) as number;
    const [px0, px1] = orders.map((o) => o.indexOf(x) + 1) as [number, number];
    expect(px0).not.toBe(px1);
    const [deep, shallow] = px0 > px1 ? [0, 1] : [1, 0];
    const [px, pShallow] = [Math.max(px0, px1), Math.min(px0, px1)];
    const [inX, inX2] = (await idsAt('deepest', 0, x, 2)) as [string, string];
    const restore = Array.from({ length: 3 - px + 1 }, (_, i) => stageOf(deep, px + i));
    expect(await deleteAndAnswer(inX, 4000)).toEqual(restore);
    await trainAll('deepest', true);
    // y: the shallow ordering's first slice. A deletion there kills that ordering and cuts the other to depth ≥ 1: the
    // dead one's first stage [y] (one slice: the insurance against a dead shard) goes at once, and then one ordering
    // only is brought back to full depth (either: both are one stage deep once [y] is back); the other waits for
    // the quiet.
    const y = (orders[shallow] as number[])[0] as number;
    const [inY] = (await idsAt('deepest', 0, y, 1)) as [string];
    const insured = await deleteAndAnswer(inY, 4000);
    expect(insured[0]).toBe(key([y]));
    const deeper = insured.filter((p) => p.includes('.'));
    const onOrdering = (o: number): boolean => deeper.every((p) => p === stageOf(o, p.split('.').length));
    expect(onOrdering(0) || onOrdering(1), JSON.stringify(insured)).toBe(true);
    await trainAll('deepest', true);
    // Scope all: every deactivated stage at once, the lowest stage first (the shallow ordering's, from x on).
    await cluster.client.updateRetrainingPolicy('runs/deepest', { kind: 'RETRAINING_POLICY_KIND_EAGER', scope: 'RETRAINING_SCOPE_ALL' });
    expect((await deleteAndAnswer(inX2, 3000))[0]).toBe(stageOf(shallow, pShallow));
    await trainAll('deepest', true);
  });
});
