import { describe, expect, it } from 'vitest';
import { WorkerMetrics } from './worker-metrics.js';

describe('WorkerMetrics', () => {
  it("reports the frozen-prefix cache's and the training pool's counts as they are at each scrape (not summed over scrapes)", async () => {
    let stats = { rows: 3, bytes: 4096, hits: 5, misses: 7, evicted: 0, forgotten: 2 };
    let replaced = 1;
    const m = new WorkerMetrics(() => ({ stage: 0, job: 0, free: 1, draining: false }), () => stats, () => replaced);
    const scrape = async (): Promise<string> => m.metrics();
    let text = await scrape();
    text = await scrape(); // a second scrape must not add the counts again
    expect(text).toContain('lethe_worker_frozen_cache_rows_total{result="hit"} 5');
    expect(text).toContain('lethe_worker_frozen_cache_rows_total{result="miss"} 7');
    expect(text).toContain('lethe_worker_frozen_cache_bytes 4096');
    expect(text).toContain('lethe_worker_frozen_cache_forgotten_rows_total 2');
    expect(text).toContain('lethe_worker_training_threads_replaced_total 1');
    stats = { ...stats, hits: 9, bytes: 0, forgotten: 3 };
    replaced = 2;
    text = await scrape();
    expect(text).toContain('lethe_worker_frozen_cache_rows_total{result="hit"} 9');
    expect(text).toContain('lethe_worker_frozen_cache_bytes 0');
    expect(text).toContain('lethe_worker_frozen_cache_forgotten_rows_total 3');
    expect(text).toContain('lethe_worker_training_threads_replaced_total 2');
  });

  it('reports zeros for a worker without a cache or a pool', async () => {
    const text = await new WorkerMetrics(() => ({ stage: 0, job: 0, free: 1, draining: false })).metrics();
    expect(text).toContain('lethe_worker_frozen_cache_bytes 0');
    expect(text).toContain('lethe_worker_training_threads_replaced_total 0');
    expect(text).toContain('lethe_worker_frozen_cache_forgotten_rows_total 0');
    expect(text).not.toContain('lethe_worker_frozen_cache_rows_total{');
  });
});
