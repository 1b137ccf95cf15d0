import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
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
import { makeBlobs } from '../../../shared/src/ml/data/synthetic.js';
import { placeSample } from '../../../shared/src/domain/placement.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';
import type { RunSpec } from '../../../shared/src/gen/lethe/v1/RunSpec.js';
import { eventually } from '../../../test/support/eventually.js';
import { testSecurity } from '../../../shared/src/testing/test-security.js';

/** The status code a call ends with ('OK' when it succeeds), and its message. */
async function outcome(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (e) {
    return e instanceof LetheError ? { code: e.code, message: e.message } : { code: 'THROWN', message: String(e) };
  }
}

const PREFIX = '/edges/';
/** A well-formed dataset file the coordinator could read, but outside its data roots. */
const OUTSIDE = join(mkdtempSync(join(tmpdir(), 'lethe-outside-')), 'rows.csv');
writeFileSync(OUTSIDE, `id,label,a\n${Array.from({ length: 300 }, (_, i) => `r${i},${i % 2},${i}`).join('\n')}\n`);
const blobs = { builtin: 'blobs', samples: 300, features: 4, classes: 2 };
const spec = (over: Record<string, unknown> = {}): RunSpec => ({ dataset: blobs, shards: 2, slices: 2, budget: 2, ...over });

/**
 * The v1 API's edges, as a black-box client found them: huge strings, request-id reuse, repeated and
 * already-deleted ids, held-out ids, read-your-writes on GetRun, out-of-range run specs and page tokens. No
 * workers are needed: deletions apply to a planned run exactly as to a trained one.
 */
describe('API edges (embedded coordinator on the in-memory store)', () => {
  let coordinator: Coordinator;
  let store: StateStore;
  let client: LetheClient;
  let dir: string;
  const dataset = makeBlobs({ samples: 300, features: 4, classes: 2 });
  const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lethe-edges-'));
    execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
    const backend = new InMemoryStateBackend();
    store = backend.client();
    coordinator = await Coordinator.start({ ...(await testSecurity()).local.server,
      store: backend.client(),
      events: new InMemoryEventBus(),
      artifacts: new FsArtifactStore(join(dir, 'artifacts')),
      logger: createLogger({ service: 'test', level: 'silent' }),
      listen: '127.0.0.1:0',
      prefix: PREFIX,
      backend: 'cpu',
      dataRoots: [dir],
    });
    await eventually('leader', 10_000, () => Promise.resolve(coordinator.isLeader));
    client = new LetheClient(coordinator.address, (await testSecurity()).admin, 10_000);
    await client.createRun({ requestId: 'create-edges', runId: 'edges', spec: spec() });
  });
  afterAll(async () => {
    client.close();
    await coordinator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The revision once the system's own background writes have settled (the outbox relay removes published events
   * within a second): after this, only a request that writes can move it.
   */
  async function settledRevision(): Promise<string> {
    await eventually('outbox drained', 5_000, async () => (await store.list(`${PREFIX}outbox/`)).kvs.length === 0);
    return (await client.getRun('runs/edges')).revision;
  }

  it('answers 100,000-character strings at once with a short INVALID_ARGUMENT, without stalling the shared connection', async () => {
    // A strict client (grpc C-core accepts 8 KiB of metadata): an echoed 100 kB string in the status trailer
    // would reset its stream. All calls share one connection.
    const strict = new LetheClient(coordinator.address, (await testSecurity()).admin, 5_000, { 'grpc.max_metadata_size': 8192 });
    const huge = 'x'.repeat(100_000);
    try {
      const results = await Promise.all([
        outcome(strict.whereIs('runs/edges', huge)),
        outcome(strict.getRun(huge)),
        outcome(strict.deleteSamples('', huge, ['a'])),
        outcome(strict.getDeletion(huge)),
        outcome(strict.getDeletion(`runs/edges/deletions/${huge}`)),
        outcome(strict.deleteSamples(huge, 'runs/edges', ['a'])),
        outcome(strict.drainWorker(huge)),
        outcome(strict.getOperation(huge)),
        outcome(strict.getRun('runs/edges')),
      ]);
      const ok = results.pop();
      expect(ok?.code).toBe('OK');
      for (const r of results) {
        expect(r.code).toBe('INVALID_ARGUMENT');
        expect(r.message.length).toBeLessThan(300);
        expect(r.message).toMatch(/at most|characters/);
      }
      // An unknown id of bounded length is still echoed, but cut short.
      const long = `${'y'.repeat(500)}`;
      const unknown = await outcome(strict.deleteSamples('', 'runs/edges', [long]));
      expect(unknown.code).toBe('INVALID_ARGUMENT');
      expect(unknown.message).toContain('(500 characters)');
      expect(unknown.message.length).toBeLessThan(300);
    } finally {
      strict.close();
    }
  });

  it('refuses a request id reused for another set of ids, and replays it for the same set in any order', async () => {
    const [a, b, c] = userIds;
    const first = await client.deleteSamples('reuse-1', 'runs/edges', [a as string, b as string]);
    const replay = await client.deleteSamples('reuse-1', 'runs/edges', [b as string, a as string, a as string]);
    expect(replay.name).toBe(first.name);
    expect(replay.revision).toBe(first.revision);
    const other = await outcome(client.deleteSamples('reuse-1', 'runs/edges', [c as string]));
    expect(other.code).toBe('ALREADY_EXISTS');
    expect(other.message).toContain(first.name);
    expect((await client.whereIs('runs/edges', c as string)).deleted).toBe(false);
    // CreateRun likewise: the same request id with another spec is refused, with the same spec replayed.
    expect((await outcome(client.createRun({ requestId: 'create-edges', runId: 'edges', spec: spec({ budget: 1 }) }))).code).toBe('ALREADY_EXISTS');
    expect((await outcome(client.createRun({ requestId: 'create-edges', runId: 'other', spec: spec() }))).code).toBe('ALREADY_EXISTS');
    expect((await client.createRun({ requestId: 'create-edges', runId: 'edges', spec: spec() })).name).toBe('operations/runs/edges');
  });

  it('honours a request id for 30 days: past that window the id may be used again', async () => {
    const keys = new Keys(PREFIX);
    const expired = { deletion: '0000000000000-00000000', fingerprint: 'f'.repeat(64), at: Date.now() - 31 * 24 * 3600 * 1000 };
    const { revision } = await store.txn({ compare: [], success: [{ type: 'put', key: keys.request('edges', 'from-last-month'), value: JSON.stringify(expired) }] });
    await client.getRun('runs/edges', String(revision)); // the coordinator has applied it
    const r = await client.deleteSamples('from-last-month', 'runs/edges', [userIds[60] as string]);
    expect(r.sampleCount).toBe(1);
    // The id now names the new deletion, and replays it.
    expect((await client.deleteSamples('from-last-month', 'runs/edges', [userIds[60] as string])).name).toBe(r.name);
  });

  it.each([
    { name: 'a space', id: 'has space' },
    { name: '129 characters', id: 'r'.repeat(129) },
    { name: 'a replacement character (what invalid UTF-8 decodes to)', id: 'req-\uFFFD' },
    { name: 'a control character', id: 'req\u0001' },
  ])('refuses a request id with $name', async ({ id }) => {
    const before = await settledRevision();
    expect((await outcome(client.deleteSamples(id, 'runs/edges', [userIds[20] as string]))).code).toBe('INVALID_ARGUMENT');
    expect((await outcome(client.createRun({ requestId: id, runId: 'bad-request-id', spec: spec() }))).code).toBe('INVALID_ARGUMENT');
    expect((await client.getRun('runs/edges')).revision).toBe(before);
  });

  it('counts distinct ids actually deleted, and writes nothing when every id was deleted before', async () => {
    const [x, y] = [userIds[30] as string, userIds[31] as string];
    const r = await client.deleteSamples('', 'runs/edges', [x, x, y, x]);
    expect(r.sampleCount).toBe(2);
    expect(r.alreadyDeleted).toBe(0);
    const before = await settledRevision();
    const again = await client.deleteSamples('count-again', 'runs/edges', [y, x, y]);
    expect(again).toMatchObject({ name: '', sampleCount: 0, alreadyDeleted: 2, deactivated: [], shards: [] });
    expect((await client.getRun('runs/edges')).revision).toBe(before);
    const z = userIds[32] as string;
    const mixed = await client.deleteSamples('', 'runs/edges', [x, z]);
    expect(mixed).toMatchObject({ sampleCount: 1, alreadyDeleted: 1 });
  });

  it('locates public and test samples alike: part of the run, never trained on, not deletable', async () => {
    const pub = await client.whereIs('runs/edges', dataset.ids[dataset.split.public[0] as number] as string);
    const test = await client.whereIs('runs/edges', dataset.ids[dataset.split.test[0] as number] as string);
    expect(pub).toMatchObject({ public: true, test: false, shard: -1, slice: -1, deleted: false, stages: [] });
    expect(test).toMatchObject({ public: false, test: true, shard: -1, slice: -1, deleted: false, stages: [] });
    const user = userIds[40] as string;
    const at = placeSample('edges', user, 2, 2);
    expect(await client.whereIs('runs/edges', user)).toMatchObject({ public: false, test: false, shard: at.shard, slice: at.slice });
  });

  it('GetRun waits for min_revision up to the call deadline', async () => {
    const now = Number((await client.getRun('runs/edges')).revision);
    const short = new LetheClient(coordinator.address, (await testSecurity()).admin, 300);
    try {
      expect((await outcome(short.getRun('runs/edges', String(now + 1000)))).code).toBe('DEADLINE_EXCEEDED');
    } finally {
      short.close();
    }
    // A wait longer than the server's default (5 s) would also be honoured; here the revision arrives meanwhile.
    const waiting = client.getRun('runs/edges', String(now + 1));
    setTimeout(() => void client.deleteSamples('', 'runs/edges', [userIds[50] as string]), 200);
    expect(Number((await waiting).revision)).toBeGreaterThanOrEqual(now + 1);
    expect((await outcome(client.getRun('runs/edges', '-1'))).code).toBe('INVALID_ARGUMENT');
  });

  it.each([
    { name: 'a budget past the limit', spec: spec({ slices: 64, budget: 2 ** 31 - 1 }), field: 'budget' },
    { name: 'too many stages', spec: spec({ shards: 4096, slices: 64, budget: 1 }), field: 'shards' },
    { name: 'a device file as dataset', spec: spec({ dataset: { uri: '/dev/zero' } }), field: 'dataset.uri' },
    { name: 'a FIFO with a csv name', spec: () => spec({ dataset: { uri: join(dir, 'pipe.csv') } }), field: 'dataset.uri' },
    { name: 'a missing file', spec: () => spec({ dataset: { uri: join(dir, 'missing.jsonl') } }), field: 'dataset.uri' },
    { name: 'a readable file outside the data roots', spec: () => spec({ dataset: { uri: OUTSIDE } }), field: 'dataset.uri' },
    { name: 'no user data left', spec: spec({ dataset: { ...blobs, publicFraction: 0.5, testFraction: 0.5 } }), field: 'dataset.testFraction' },
    { name: 'epochs = 0', spec: spec({ epochs: 0 }), field: 'epochs' },
    { name: 'pretrain_epochs = 0', spec: spec({ pretrainEpochs: 0 }), field: 'pretrainEpochs' },
    { name: 'a silence timeout past a week', spec: spec({ taskSilenceTimeoutS: 604_801 }), field: 'taskSilenceTimeoutS' },
    { name: 'an unknown selection', spec: spec({ selection: 7 }), field: 'selection' },
    { name: 'an unknown task', spec: spec({ dataset: { ...blobs, task: 9 } }), field: 'dataset.task' },
    { name: 'a model task unlike the dataset', spec: spec({ model: { task: 'TASK_KIND_REGRESSION' } }), field: 'model.task' },
    { name: 'hidden_units = 0', spec: spec({ model: { hiddenUnits: 0 } }), field: 'model.hidden' },
    { name: 'more slices than user samples fill', spec: spec({ dataset: { ...blobs, samples: 10 }, shards: 8, slices: 8 }), field: 'shards' },
  ])('refuses a run spec with $name, naming the field, and creates nothing', async ({ spec: bad, field }) => {
    const r = await outcome(client.createRun({ requestId: '', runId: 'bad-spec', spec: typeof bad === 'function' ? bad() : bad }));
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.message).toContain(field);
    expect((await outcome(client.getRun('runs/bad-spec'))).code).toBe('NOT_FOUND');
  });

  it('accepts explicit values the old encoding mistook for "use the default" (seed 0)', async () => {
    await client.createRun({ requestId: '', runId: 'seed-zero', spec: spec({ seed: 0, dataset: { ...blobs, testFraction: 0 } }) });
    const run = await client.getRun('runs/seed-zero');
    expect(run.spec?.seed).toBe(0);
    expect(run.spec?.dataset?.testFraction).toBe(0);
  });

  it('keeps a run\'s own silence timeout, 0 (never) included, and leaves it unset when not given', async () => {
    for (const [id, timeout] of [['silence-zero', 0], ['silence-week', 604_800]] as const) {
      await client.createRun({ requestId: '', runId: id, spec: spec({ taskSilenceTimeoutS: timeout }) });
      expect((await client.getRun(`runs/${id}`)).spec?.taskSilenceTimeoutS).toBe(timeout);
    }
    expect((await client.getRun('runs/seed-zero')).spec?.taskSilenceTimeoutS).toBeUndefined();
  });

  it("changes a live run's silence timeout within 0..604,800 s or back to the coordinator's, and refuses the rest naming the field", async () => {
    for (const timeout of [0, 604_800, 90]) expect((await client.updateTaskSilenceTimeout('runs/silence-zero', timeout)).spec?.taskSilenceTimeoutS).toBe(timeout);
    const past = await outcome(client.updateTaskSilenceTimeout('runs/silence-zero', 604_801));
    expect(past.code).toBe('INVALID_ARGUMENT');
    expect(past.message).toContain('task_silence_timeout_s');
    expect(past.message).toContain('604801');
    expect((await client.getRun('runs/silence-zero')).spec?.taskSilenceTimeoutS).toBe(90); // the refused change wrote nothing
    expect((await client.updateTaskSilenceTimeout('runs/silence-zero', undefined)).spec?.taskSilenceTimeoutS).toBeUndefined();
    for (const name of ['runs/no-such-run', 'runs/Not_A_Run', '']) expect((await outcome(client.updateTaskSilenceTimeout(name, 60))).code).toBe(name === 'runs/no-such-run' ? 'NOT_FOUND' : 'INVALID_ARGUMENT');
  });

  it('names a file dataset by its sha256 at creation, so every worker reads the same bytes', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `row-${i},${i % 2},${Math.sin(i)},${Math.cos(i)}`);
    const text = `id,label,a,b\n${rows.join('\n')}\n`;
    const path = join(dir, 'rows.csv');
    writeFileSync(path, text);
    await client.createRun({ requestId: '', runId: 'from-file', spec: { dataset: { uri: path }, shards: 2, slices: 2, budget: 2 } });
    expect((await client.getRun('runs/from-file')).spec?.dataset?.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    // A sha256 given by the caller is checked, not trusted.
    const wrong = await outcome(client.createRun({ requestId: '', runId: 'wrong-digest', spec: { dataset: { uri: path, sha256: 'a'.repeat(64) }, shards: 2, slices: 2, budget: 2 } }));
    expect(wrong.code).toBe('FAILED_PRECONDITION');
  });

  it('refuses garbage page sizes and tokens, and pages deletions', async () => {
    expect((await outcome(client.listRuns(-1))).code).toBe('INVALID_ARGUMENT');
    expect((await outcome(client.listRuns(0, 'garbage token'))).code).toBe('INVALID_ARGUMENT');
    expect((await outcome(client.listDeletions('runs/edges', 0, 'garbage'))).code).toBe('INVALID_ARGUMENT');
    expect((await outcome(client.listDeletions('runs/edges', 5000))).code).toBe('INVALID_ARGUMENT');
    const all = (await client.listDeletions('runs/edges', 1000)).deletions.map((d) => d.receipt?.name);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const pages: (string | undefined)[] = [];
    let token = '';
    do {
      const page = await client.listDeletions('runs/edges', 2, token);
      expect(page.deletions.length).toBeLessThanOrEqual(2);
      pages.push(...page.deletions.map((d) => d.receipt?.name));
      token = page.nextPageToken;
    } while (token !== '');
    expect(pages).toEqual(all);
  });

  it('reports SERVING only when every shard serves a clean stage', async () => {
    await client.createRun({ requestId: '', runId: 'states', spec: spec() });
    expect((await client.getRun('runs/states')).state).toBe('RUN_STATE_PLANNED');
    const keys = new Keys(PREFIX);
    const run = await client.getRun('runs/states');
    const order = run.shards[0]?.orderings[0]?.slices ?? [];
    // Shard 0 has a committed first stage on current generations; shard 1 has nothing yet.
    const shard0 = {
      generations: [0, 0],
      committed: { [String(order[0])]: { prefix: [order[0]], digest: 'd', manifestHash: 'm', generations: [0], worker: 'w', committedAt: new Date().toISOString(), samplePasses: 1 } },
      training: {},
      samplePasses: 1,
      discardedSamplePasses: 0,
    };
    await store.txn({ compare: [], success: [{ type: 'put', key: keys.backbone('states'), value: JSON.stringify({ state: 'ready', digest: 'b' }) }, { type: 'put', key: keys.shard('states', 0), value: JSON.stringify(shard0) }] });
    await eventually('backbone applied', 5_000, async () => (await client.getRun('runs/states')).state !== 'RUN_STATE_PLANNED');
    const partial = await client.getRun('runs/states');
    expect(partial.shards.map((s) => s.serving?.live)).toEqual([true, false]);
    expect(partial.state).toBe('RUN_STATE_TRAINING');
    await store.txn({ compare: [], success: [{ type: 'put', key: keys.shard('states', 1), value: JSON.stringify(shard0) }] });
    await eventually('both shards live', 5_000, async () => (await client.getRun('runs/states')).state === 'RUN_STATE_SERVING');
  });
});
