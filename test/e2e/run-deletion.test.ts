import { describe, expect, it } from 'vitest';
import { jsonToStruct } from '../../coordinator/src/rpc/job-convert.js';
import { InMemoryJobQueue } from '../../shared/src/testing/in-memory-job-queue.js';
import { LetheError } from '../../shared/src/errors/errors.js';
import { decodeArtifact } from '../../shared/src/ml/artifact-codec.js';
import { eventually } from '../support/eventually.js';
import { useInProcessCluster } from '../support/in-process.js';

const PREFIX = '/rundel/';
const spec = { dataset: { builtin: 'blobs', samples: 1200, features: 8, classes: 3 }, shards: 2, slices: 2, budget: 2, epochs: 2, pretrainEpochs: 2, model: { hidden: 16, loraRank: 2 } };

describe('DeleteRun: a run\'s state and every artifact trained for it go; the id is never reused', () => {
  const queue = new InMemoryJobQueue({ ackWaitMs: 2000, maxDeliver: 30 });
  const cluster = useInProcessCluster({ name: 'rundel', prefix: PREFIX, workerId: 'rd-w', backend: 'cpu', coordinator: { jobs: queue }, worker: { jobs: queue } });
  const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'OK', (e: unknown) => (e instanceof LetheError ? e.code : 'other'));

  it('removes its state and artifacts (stages, id lists, backbone, original, job results), refuses it afterwards, and keeps other runs', async () => {
    const { client, artifacts } = cluster;
    for (const runId of ['doomed', 'kept']) await client.waitForOperation((await client.createRun({ requestId: '', runId, spec })).name, 60_000);
    await client.deleteSamples('', 'runs/doomed', ['blob-300']);
    await eventually('retrained', 60_000, async () => (await client.getOperation('operations/runs/doomed')).done === true);
    const job = (await client.submitJob({ requestId: '', method: 'UNLEARNING_METHOD_SSD', model: 'runs/doomed', forget: { classLabel: 1 }, parameters: jsonToStruct({ alpha: 'inf' }) })).name.replace(/^operations\//, '');
    await eventually('job done', 60_000, async () => (await client.getJob(job)).state === 'JOB_STATE_SUCCEEDED');
    const before = (await artifacts.list()).length;
    const keptRun = await client.getRun('runs/kept');
    const { executor } = cluster.worker;
    expect(executor.cachedRows('doomed')).toBeGreaterThan(0);

    await client.deleteRun('runs/doomed');
    // The worker is told, and drops the rows it kept for the run.
    await eventually('the worker dropping the run\'s cached rows', 10_000, () => Promise.resolve(executor.cachedRows('doomed') === 0 || undefined));
    expect(await codeOf(client.getRun('runs/doomed'))).toBe('NOT_FOUND');
    expect(await codeOf(client.predict('runs/doomed', [1, 8], new Float32Array(8)))).toBe('NOT_FOUND');
    expect(await codeOf(client.deleteSamples('', 'runs/doomed', ['blob-301']))).toBe('NOT_FOUND');
    expect((await client.listRuns()).runs.map((r) => r.name)).toEqual(['runs/kept']);
    expect(await codeOf(client.createRun({ requestId: '', runId: 'doomed', spec }))).toBe('ALREADY_EXISTS');
    expect(await codeOf(client.deleteRun('runs/doomed'))).toBe('NOT_FOUND');
    // In etcd only the marker is left under the run.
    const { kvs } = await cluster.state.client().list(`${PREFIX}runs/doomed/`);
    expect(kvs.map((kv) => kv.key)).toEqual([`${PREFIX}runs/doomed/deleted`]);
    // No artifact names the deleted run any more; the other run's are all there and it still serves.
    const remaining = await Promise.all((await artifacts.list()).map(async (d) => decodeArtifact(await artifacts.get(d)).manifest).map((p) => p.catch(() => null)));
    expect(remaining.filter((m) => m !== null && (m.kind === 'stage' || m.kind === 'model') && m.run === 'doomed')).toEqual([]);
    expect((await artifacts.list()).length).toBeLessThan(before);
    expect(remaining.filter((m) => m !== null && m.kind === 'stage' && m.run === 'kept').length).toBeGreaterThan(0);
    expect((await client.getRun('runs/kept')).state).toBe(keptRun.state);
    expect((await client.predict('runs/kept', [1, 8], new Float32Array(8))).predictedClasses).toHaveLength(1);
  });
});
