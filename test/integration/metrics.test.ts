import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { freePort } from '../../shared/src/adapters/process/local-servers.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { TestCluster, printLogsOnFailure, TIMEOUT, blobsRun, eventually } from '../support/cluster.js';

/** The value of one sample of a metric in Prometheus text (labels in any order), or undefined. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries((m[3] ?? '').split(',').filter((x) => x !== '').map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k, v.replace(/^"|"$/g, '')]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

const scrape = async (address: string): Promise<string> => {
  const res = await fetch(`http://${address}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
};

describe('Prometheus metrics, scraped from a running cluster (coordinator and worker processes, real etcd and NATS)', () => {
  let cluster: TestCluster;
  printLogsOnFailure(() => cluster);
  let client: LetheClient;
  let coordinatorMetrics: string;
  let workerMetrics: string;

  beforeAll(async () => {
    cluster = await TestCluster.start();
    coordinatorMetrics = `127.0.0.1:${await freePort()}`;
    workerMetrics = `127.0.0.1:${await freePort()}`;
    const { address } = await cluster.coordinator('coord', undefined, { LETHE_COORDINATOR_METRICS_LISTEN: coordinatorMetrics });
    await cluster.worker('mw0', [address], { LETHE_WORKER_METRICS_LISTEN: workerMetrics });
    client = cluster.client(address);
    await cluster.workersAttached(client, 1);
  });
  afterAll(async () => {
    client.close();
    await cluster[Symbol.asyncDispose]();
  });

  it('reports leadership, stages by state, serving depth, deletions, backlog, predictions and the worker\'s tasks', async () => {
    await client.waitForOperation((await client.createRun(blobsRun('metrics'))).name, TIMEOUT.training);
    let c = await scrape(coordinatorMetrics);
    expect(value(c, 'lethe_is_leader')).toBe(1);
    // blobsRun: 2 shards × 3 orderings × 3 stages, all active; both shards serve at full depth.
    expect(value(c, 'lethe_stages', { state: 'active' })).toBe(18);
    expect(value(c, 'lethe_shards_live', { run: 'metrics' })).toBe(2);
    expect(value(c, 'lethe_serving_depth', { run: 'metrics', shard: '0' })).toBe(3);
    expect(value(c, 'lethe_retraining_backlog_stages', { run: 'metrics' })).toBe(0);
    expect(value(c, 'lethe_failed_trainings', { run: 'metrics' })).toBe(0);
    expect(value(c, 'lethe_stage_results_total', { outcome: 'committed' })).toBeGreaterThan(0);
    expect(value(c, 'lethe_attached_worker_slots', { state: 'free' })).toBe(1);
    expect(value(c, 'lethe_worker_slots', { state: 'free' })).toBeUndefined(); // the worker's own metric, not the coordinator's
    // A pass takes milliseconds: the gauge reads 0 between passes, and far below the stall report's 30 s during one.
    expect(value(c, 'lethe_scheduler_pass_running_seconds')).toBeLessThan(5);
    expect(value(c, 'lethe_task_silence_seconds')).toBeUndefined(); // the run is trained: no task out, no series
    expect(value(c, 'lethe_task_timeouts_total')).toBe(0); // every task reported its epochs

    const d = makeBlobs({ samples: 1200, features: 12, classes: 3 });
    const victim = d.ids[d.split.user[0] as number] as string;
    await client.deleteSamples('m-del', 'runs/metrics', [victim]);
    await client.deleteSamples('m-del', 'runs/metrics', [victim]); // a replay adds no deleted sample
    await client.deleteSamples('', 'runs/metrics', ['no-such-id']).catch(() => undefined);
    await client.predict('runs/metrics', [1, 12], new Float32Array(12));
    c = await scrape(coordinatorMetrics);
    expect(value(c, 'lethe_deletion_requests_total', { outcome: 'ok' })).toBe(2);
    expect(value(c, 'lethe_deletion_requests_total', { outcome: 'INVALID_ARGUMENT' })).toBe(1);
    expect(value(c, 'lethe_deletion_duration_seconds_count')).toBe(3);
    expect(value(c, 'lethe_deleted_samples', { run: 'metrics' })).toBe(1);
    expect(value(c, 'lethe_predict_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(value(c, 'lethe_job_queue_depth')).toBe(0);
    // The deletion deactivated stages: until retraining ends, the backlog counts them (or they already retrained).
    await eventually('retrained', TIMEOUT.training, async () => value(await scrape(coordinatorMetrics), 'lethe_retraining_backlog_stages', { run: 'metrics' }) === 0);
    expect(value(await scrape(coordinatorMetrics), 'lethe_stages', { state: 'active' })).toBe(18);

    const w = await scrape(workerMetrics);
    expect(value(w, 'lethe_worker_tasks_total', { kind: 'stage', outcome: 'ok' })).toBeGreaterThanOrEqual(9);
    expect(value(w, 'lethe_worker_tasks_total', { kind: 'pretrain', outcome: 'ok' })).toBe(1);
    // What the worker trained for stages is what the coordinator counted: committed plus discarded results.
    const run = await client.getRun('runs/metrics');
    expect(value(w, 'lethe_worker_stage_sample_passes_total', { outcome: 'ok' })).toBe(Number(run.trainSamplePasses) + Number(run.discardedSamplePasses));
    expect(value(w, 'lethe_worker_slots', { state: 'free' })).toBe(1);
    expect(value(w, 'lethe_worker_draining')).toBe(0);
    // The frozen-prefix cache (wasm or cpu worker): later stages of a shard read rows earlier ones computed.
    expect(value(w, 'lethe_worker_frozen_cache_rows_total', { result: 'hit' })).toBeGreaterThan(0);
    expect(value(w, 'lethe_worker_frozen_cache_rows_total', { result: 'miss' })).toBeGreaterThan(0);
    expect(value(w, 'lethe_worker_frozen_cache_bytes')).toBeGreaterThan(0);
    expect(value(w, 'lethe_worker_training_threads_replaced_total')).toBeGreaterThanOrEqual(0);
    expect(w).toContain('lethe_worker_process_cpu_seconds_total');
    // Both expositions pass Prometheus's own linter (names, units, help, counters' _total), but for prom-client's
    // process gauges named *_active_*_total, which are not ours to rename.
    const promtool = execFileSync('bash', [fileURLToPath(new URL('../../deploy/helm/fetch-promtool.sh', import.meta.url))], { encoding: 'utf8' }).trim();
    for (const text of [await scrape(coordinatorMetrics), w]) {
      const lint = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(lint.error).toBeUndefined();
      const findings = `${lint.stdout}${lint.stderr}`.split('\n').filter((l) => l.trim() !== '' && !/^lethe_(coordinator|worker)_nodejs_active_[a-z]+_total non-counter/.test(l));
      expect(findings).toEqual([]);
    }
    const missing = await fetch(`http://${coordinatorMetrics}/nothing`);
    expect(missing.status).toBe(404);
  });
});
