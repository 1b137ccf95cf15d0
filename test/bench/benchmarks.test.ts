import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a benchmark's --quick --json variant and returns the JSON object on its last line. Asynchronously: a test
 * process blocked for minutes in spawnSync misses vitest's own RPC deadlines.
 */
async function bench(script: string, extra: string[] = []): Promise<unknown> {
  const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--quick', '--json', ...extra], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as unknown;
}

// Shapes only: speed and accuracy targets are read from the full benchmarks, not asserted in tests.
describe('benchmarks (--quick)', () => {
  it('bench:train prints its table and a JSON summary, with batched rows and the batched = alone check', async () => {
    // k = 1 and 16 (the full bench adds 4 and 64): the rows and the batched = alone check are what is tested here.
    // wasm only: the cpu backend's rows run the same code and cost 30 s more here (10 s for wasm alone).
    const out = (await bench('bench/train.ts', ['--k', '1,16', '--backends', 'wasm'])) as {
      backends: Record<string, unknown>[];
      wasmSpeedupFromFixes: number;
      batched: { backend: string; k: number; stageSamplesPerSec: number; roundRatio?: { median: number; min: number; max: number; rounds: number } }[];
      exactness: { backend: string; bitEqual: boolean; stages: number }[];
    };
    const wasm = out.backends.find((b) => b['name'] === 'wasm');
    expect(wasm).toBeDefined();
    for (const key of ['trainSamplesPerSec', 'trainGflops', 'matmulGflops', 'fractionOfMatmul']) expect(typeof wasm?.[key]).toBe('number');
    expect(out.wasmSpeedupFromFixes).toBeGreaterThan(0);
    const rows = out.batched.filter((b) => b.backend === 'wasm');
    expect(rows.map((b) => b.k)).toEqual([1, 16]);
    for (const b of rows) expect(b.stageSamplesPerSec).toBeGreaterThan(0);
    // Round by round against k = 1: k = 1 itself is exactly 1 every round; k = 16's median lies in its range.
    expect(rows[0]?.roundRatio).toMatchObject({ median: 1, min: 1, max: 1 });
    const r16 = rows[1]?.roundRatio;
    expect(r16?.rounds).toBe(rows[0]?.roundRatio?.rounds);
    expect(r16 !== undefined && r16.min > 0 && r16.min <= r16.median && r16.median <= r16.max).toBe(true);
    expect(out.exactness.find((e) => e.backend === 'wasm')).toMatchObject({ bitEqual: true, stages: 32 });
  }, 120_000); // the rows and two batched trainings compared with 32 lone ones: ~10 s here

  it('bench:accuracy reports full, S3T and SISA with deletions before and after retraining', async () => {
    const out = await bench('bench/accuracy.ts') as Record<string, { accuracy: number; trainSamplePasses: number; afterDeletions: Record<string, number>[] }>;
    for (const name of ['full', 's3t', 'sisa']) {
      const a = out[name];
      expect(a?.accuracy).toBeGreaterThan(0.5);
      expect(a?.trainSamplePasses).toBeGreaterThan(0);
      expect(a?.afterDeletions.map((d) => d['fraction'])).toEqual([0.01, 0.02, 0.05]);
      for (const d of a?.afterDeletions ?? []) {
        for (const key of ['accuracyBefore', 'accuracyAfterRetrain', 'retrainSamplePasses']) expect(typeof d[key]).toBe('number');
      }
    }
    // S3T trains B orderings per shard: it pays more up front than SISA.
    expect(out['s3t']?.trainSamplePasses).toBeGreaterThan(out['sisa']?.trainSamplePasses ?? Infinity);
  });

  it('bench:scale reports RSS, deletion and bare-transaction p99 at both points, and etcd bytes per deletion', async () => {
    const out = await bench('bench/scale.ts') as { samples: number; shards: number; rssMb: number; deleteP99Ms: Record<string, number>; etcdTxnP99Ms: Record<string, number>; bytesPerDeletion: number };
    expect(out).toMatchObject({ samples: 100_000, shards: 64 });
    for (const key of ['at0', 'at100k']) {
      expect(out.deleteP99Ms[key]).toBeGreaterThan(0);
      expect(out.etcdTxnP99Ms[key]).toBeGreaterThan(0);
    }
    expect(out.rssMb).toBeGreaterThan(0);
    // The one size that does not depend on the machine: what a single-id deletion writes to etcd.
    expect(out.bytesPerDeletion).toBeLessThanOrEqual(2048);
  });

  it('bench:stream streams deletions into live runs of S3T, SISA and full retraining and reports each (a tiny setting)', async () => {
    const out = (await bench('bench/stream.ts', ['--stride', '20', '--stream-s', '3', '--rates', '240', '--policies', 'eager'])) as {
      rates: { lambdaPerMin: number; systems: Record<string, unknown>[] }[];
    };
    expect(out.rates.map((r) => r.lambdaPerMin)).toEqual([240]);
    const systems = out.rates[0]?.systems ?? [];
    expect(systems.map((s) => `${String(s['name'])} ${String(s['policy'])}`)).toEqual(['S3T eager', 'SISA eager', 'full eager']);
    for (const s of systems) {
      for (const key of ['timeWeightedAccuracy', 'minAccuracy', 'notLiveFraction', 'samplePassesPerDeletion', 'committedPassesPerDeletion', 'threadSecondsPerDeletion', 'ackP99Ms']) expect(typeof s[key], key).toBe('number');
      // What the workers spent includes every committed pass (and whatever was cancelled or discarded).
      expect(s['samplePassesPerDeletion'] as number).toBeGreaterThanOrEqual(s['committedPassesPerDeletion'] as number);
      expect(s['timeWeightedAccuracy']).toBeGreaterThan(0.3);
      expect(s['deletions']).toBeGreaterThan(0);
    }
  });

  it('bench:unlearn runs every method as jobs for its scenarios, with the gap to Retrain, IAU on a GR original and DRU on the regression tables', async () => {
    type Row = { method: string; ua: number; ra: number; seconds: number; samplePasses: number; avgGap: number | null };
    type Reg = { method: string; wasserstein: number; retainTestMae: number; forgetTestMae: number };
    // MNIST only: Fashion-MNIST runs the same code on another file (the full bench runs both).
    const out = (await bench('bench/unlearn.ts', ['--datasets', 'mnist'])) as {
      scenarios: { dataset: string; kind: string; original: { ra: number }; methods: Row[] }[];
      iauGr: { restricted: { iau: Row }; plain: { iau: Row } };
      regression: { dataset: string; original: Reg; methods: Reg[] }[];
      parallel: { ratio: number };
    };
    expect(out.scenarios.map((s) => `${s.dataset}/${s.kind}`)).toEqual(['mnist/class', 'mnist/random']);
    const classification = ['ft', 'ga', 'iau', 'iu', 'l1-sparse', 'laf', 'omp', 'retrain', 'rl', 'ssd'];
    for (const s of out.scenarios) {
      expect(s.methods.map((m) => m.method).sort()).toEqual(s.kind === 'class' ? ['class-poisoning', ...classification].sort() : classification);
      for (const m of s.methods) {
        expect(m.samplePasses).toBeGreaterThan(0);
        expect(m.avgGap).not.toBeNull();
      }
      expect(s.methods.find((m) => m.method === 'retrain')?.avgGap).toBe(0);
    }
    // Retrain forgets a whole class completely: its model never saw one; so does class poisoning, keeping RA.
    const mnistClass = out.scenarios[0] as (typeof out.scenarios)[number];
    expect(mnistClass.methods.find((m) => m.method === 'retrain')?.ua).toBe(100);
    const cidp = mnistClass.methods.find((m) => m.method === 'class-poisoning') as Row;
    expect(cidp.ua).toBeGreaterThanOrEqual(90);
    expect(mnistClass.original.ra - cidp.ra).toBeLessThanOrEqual(5);
    expect(out.iauGr.restricted.iau.samplePasses).toBeGreaterThan(0);
    expect(out.iauGr.plain.iau.avgGap).not.toBeNull();
    expect(out.regression.map((r) => r.dataset)).toEqual(['boston-housing', 'cps-wages-1985']);
    for (const r of out.regression) {
      expect(r.methods.map((m) => m.method)).toEqual(['retrain', 'ft', 'gaussian-ft', 'blindspot']);
      const blindspot = r.methods.find((m) => m.method === 'blindspot') as Reg;
      // DRU's acceptance: Blindspot's forget-set predictions are closer to Retrain's than the original's.
      expect(blindspot.wasserstein).toBeLessThan(r.original.wasserstein);
    }
    expect(out.parallel.ratio).toBeGreaterThan(0);
  }, 240_000); // A dozen jobs on four scenarios plus three more runs: ~55 s here, more on a busy machine.
});
