import { describe, expect, it, onTestFinished } from 'vitest';
import { selectBackend, tryBackend } from './backend.js';
import { FrozenPrefixCache, frozenCacheOf, frozenPrefixCacheable, type FrozenRows } from './frozen-prefix-cache.js';
import { makeBlobs } from './data/synthetic.js';
import { gatherRows } from './data/dataset.js';
import { ModelConfigSchema, type ModelConfigInput } from './model-config.js';
import { backboneFromWeights, frozenBlockPass, initBackbone, backboneToWeights, disposeAll } from './model.js';
import { runPretrainJob, runShardJobs, type ShardJobInput, type TrainedStage } from './shard-job.js';
import { triePrefixes } from '../domain/shard-machine.js';
import { cyclicSelect } from '../domain/cyclic.js';
import { tf } from './tf.js';
import { LetheError, ErrorCode } from '../errors/errors.js';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Rows of `n` ids with L blocks of width H: row r, block b holds r·100 + b·10 + j (products: negated). */
function rowsOf(ids: readonly string[], L: number, H: number, products: boolean, tag = 0): FrozenRows {
  const fill = (sign: number): Float32Array[] =>
    Array.from({ length: L }, (_, b) => Float32Array.from({ length: ids.length * H }, (_, i) => sign * (Number(ids[Math.floor(i / H)]?.slice(1)) * 100 + b * 10 + (i % H) + tag)));
  return { inputs: fill(1), ...(products ? { products: fill(-1) } : {}) };
}

describe('FrozenPrefixCache', () => {
  it('gives back the rows it holds for the blocks asked for, marks the others unknown, and counts hits and misses', () => {
    const cache = new FrozenPrefixCache(1 << 20);
    const H = 3;
    cache.put('k', ['r1', 'r2', 'r3'], rowsOf(['r1', 'r2', 'r3'], 2, H, true));
    const got = cache.lookup('k', ['r3', 'r9', 'r1'], new Set([1]));
    expect(Array.from(got.known)).toEqual([1, 0, 1]);
    expect(got.inputs[0]?.length).toBe(0); // block 0 not asked for
    expect(Array.from(got.inputs[1] as Float32Array)).toEqual([310, 311, 312, 0, 0, 0, 110, 111, 112]);
    expect(Array.from(got.products?.[1] as Float32Array)).toEqual([-310, -311, -312, 0, 0, 0, -110, -111, -112]);
    expect(cache.stats).toMatchObject({ rows: 3, hits: 2, misses: 1, bytes: 3 * 2 * 2 * H * 4 });
    // Another key is another function: nothing shared.
    expect(Array.from(cache.lookup('other', ['r1'], new Set([0])).known)).toEqual([0]);
  });

  it('keeps within its budget, evicting the least recently used rows first', () => {
    const H = 4;
    const rowBytes = 2 * H * 4; // two blocks, no products
    const cache = new FrozenPrefixCache(3 * rowBytes);
    cache.put('k', ['r1', 'r2', 'r3'], rowsOf(['r1', 'r2', 'r3'], 2, H, false));
    cache.lookup('k', ['r1'], new Set([0])); // r1 is now the most recent: r2 goes first
    cache.put('k', ['r4'], rowsOf(['r4'], 2, H, false));
    expect(cache.stats).toMatchObject({ rows: 3, bytes: 3 * rowBytes, evicted: 1 });
    expect(Array.from(cache.lookup('k', ['r1', 'r2', 'r3', 'r4'], new Set([0])).known)).toEqual([1, 0, 1, 1]);
    // Rewriting a held row replaces it, without counting it twice.
    cache.put('k', ['r4'], rowsOf(['r4'], 2, H, false, 1000));
    expect(cache.stats.bytes).toBe(3 * rowBytes);
    expect(cache.lookup('k', ['r4'], new Set([0])).inputs[0]?.[0]).toBe(1400);
  });

  it('forgets deleted rows, refuses rows of another shape, and takes only a bounded integer budget', () => {
    const cache = new FrozenPrefixCache(1 << 20);
    cache.put('k', ['r1', 'r2'], rowsOf(['r1', 'r2'], 2, 2, false));
    cache.put('k2', ['r2'], rowsOf(['r2'], 2, 2, false));
    expect(cache.holds('k', 'r2')).toBe(true);
    expect(cache.forget('k', ['r2', 'r7'])).toBe(1);
    expect(Array.from(cache.lookup('k', ['r1', 'r2'], new Set([0])).known)).toEqual([1, 0]);
    expect(cache.holds('k', 'r2')).toBe(false);
    // Under another key the row is another function's value: kept until that key forgets it.
    expect(cache.holdsAnywhere('r2')).toBe(true);
    expect(cache.forget('k2', ['r2'])).toBe(1);
    expect(cache.holdsAnywhere('r2')).toBe(false);
    expect(cache.stats).toMatchObject({ rows: 1, forgotten: 2 });
    cache.put('k3', ['r5', 'r6'], rowsOf(['r5', 'r6'], 2, 2, false));
    expect([cache.rowsUnder('k'), cache.rowsUnder('k3'), cache.rowsUnder('none')]).toEqual([1, 2, 0]);
    expect(cache.dropKey('k3')).toBe(2);
    expect(cache.dropKey('none')).toBe(0);
    expect(cache.stats).toMatchObject({ rows: 1, forgotten: 2 }); // a dropped key is not a deletion
    expect(cache.holds('k', 'r1')).toBe(true);
    expect(cache.generation).toBe(0);
    cache.clear();
    expect(cache.stats).toMatchObject({ rows: 0, bytes: 0 });
    expect(cache.holdsAnywhere('r1')).toBe(false);
    expect(cache.generation).toBe(1);
    expect(() => cache.put('k', ['r3'], rowsOf(['r3'], 3, 2, false))).toThrow(/changed shape/);
    expect(() => cache.put('k', ['r3', 'r4'], { inputs: [new Float32Array(4), new Float32Array(3)] })).toThrow(/every adapter block/);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 40]) expect(() => new FrozenPrefixCache(bad)).toThrow(RangeError);
    const none = new FrozenPrefixCache(0);
    none.put('k', ['r1'], rowsOf(['r1'], 1, 2, false));
    expect(none.stats.rows).toBe(0);
  });

  it('is kept only on the backends where it is exact', () => {
    expect(frozenPrefixCacheable('wasm')).toBe(true);
    expect(frozenPrefixCacheable('cpu')).toBe(true);
    for (const gpu of ['webgpu', 'tensorflow', 'tensorflow-gpu'] as const) {
      expect(frozenPrefixCacheable(gpu)).toBe(false);
      expect(frozenCacheOf(gpu, 256).frozenCache).toBeUndefined();
    }
    expect(frozenCacheOf('wasm', 0).frozenCache).toBeUndefined();
    expect(frozenCacheOf('wasm', 2).frozenCache?.maxBytes).toBe(2 * 2 ** 20);
  });
});

const DENSE: ModelConfigInput = { inputShape: [64], task: 'classification', outputs: 3, hidden: 16, blocks: 3, adapterBlocks: 2, batchSize: 16 };
const CONV: ModelConfigInput = { inputShape: [8, 8, 1], task: 'classification', outputs: 3, hidden: 16, blocks: 3, adapterBlocks: 2, batchSize: 16, convStem: true, convFilters: 4 };

describe("the premise: a row's frozen prefix does not depend on the rows computed with it", () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [stem, input] of [['dense', DENSE], ['conv', CONV]] as const) {
      it(`${backend}, ${stem} stem: any subset of rows gives each row bit-equal block inputs and products`, async () => {
        // Switched here and back (the process's selected backend is wasm).
        expect((await tryBackend(backend)).ok).toBe(true);
        onTestFinished(async () => {
          await tryBackend('wasm');
        });
        const config = ModelConfigSchema.parse(input);
        const init = initBackbone(config, 7);
        const backbone = backboneFromWeights(config, await backboneToWeights(init.backbone));
        disposeAll(init.backbone, init.head);
        const N = 37;
        const x = tf.randomNormal<tf.Rank.R2>([N, 64], 0, 1, 'float32', 5);
        const read = async (from: number, n: number): Promise<Float32Array[]> => {
          const part = x.slice([from, 0], [n, 64]);
          const pass = frozenBlockPass(config, backbone, part, 1);
          const out = await Promise.all([...pass.inputs, ...(pass.products ?? [])].map(async (t) => (await t.data()) as Float32Array));
          tf.dispose([part, ...pass.inputs, ...(pass.products ?? [])]);
          return out;
        };
        const all = await read(0, N);
        expect(all.length).toBe(backend === 'wasm' ? 4 : 2); // wasm's pass also gives the products
        for (const [from, n] of [[0, 1], [5, 3], [9, 13], [36, 1], [2, 35]] as const) {
          const part = await read(from, n);
          part.forEach((p, b) => expect(bytes(p).equals(bytes((all[b] as Float32Array).subarray(from * 16, (from + n) * 16))), `rows ${from}..${from + n}, output ${b}`).toBe(true));
        }
        tf.dispose(x);
        disposeAll(backbone);
      });
    }
  }
});

/** One shard job over the given user rows of a blobs set, all orderings of B = 2 and every stage. */
async function shardJob(input: ModelConfigInput, rowsOfShard: (user: Int32Array) => number[]): Promise<{ job: ShardJobInput; features: (rows: readonly number[]) => Float32Array }> {
  const config = ModelConfigSchema.parse(input);
  const d = makeBlobs({ samples: 600, features: 64, classes: 3, seed: 9 });
  const pub = gatherRows(d, d.split.public);
  const pre = await runPretrainJob({ config, x: pub.x, y: pub.y, epochs: 1, seed: 2 });
  const rows = rowsOfShard(d.split.user);
  const user = gatherRows(d, rows);
  const job: ShardJobInput = {
    config,
    backbone: pre.backbone,
    pretrainedHead: pre.head,
    ids: rows.map((r) => d.ids[r] as string),
    x: user.x,
    y: user.y,
    sliceOf: Int32Array.from(rows, (_, i) => i % config.adapterBlocks),
    deleted: Uint8Array.from(rows, (_, i) => (i % 9 === 4 ? 1 : 0)),
    prefixes: triePrefixes(cyclicSelect(config.adapterBlocks, 2)),
    parents: {},
    epochs: 2,
    seed: 21,
  };
  return { job, features: (positions) => gatherRows(d, positions.map((i) => rows[i] as number)).x };
}

function expectSameWeights(a: readonly TrainedStage[], b: readonly TrainedStage[]): void {
  expect(b.map((s) => s.prefix)).toEqual(a.map((s) => s.prefix));
  a.forEach((s, i) => {
    const t = b[i] as TrainedStage;
    expect(t.sampleIds).toEqual(s.sampleIds);
    for (const part of ['adapter', 'head'] as const) {
      for (const [name, w] of Object.entries(s[part])) expect(Buffer.from(t[part][name]?.data.buffer ?? new ArrayBuffer(0)).equals(Buffer.from(w.data.buffer)), `${t.prefix.join('.')} ${part}.${name}`).toBe(true);
    }
  });
}

describe('shard jobs with known frozen rows', () => {
  for (const [stem, input] of [['dense', DENSE], ['conv', CONV]] as const) {
    it(`${stem} stem: rows served from an earlier job's pass train the very weights the job's own pass gives`, async () => {
      await selectBackend({ forced: 'wasm' });
      const { job, features } = await shardJob(input, (user) => Array.from(user.slice(0, 90)));
      const [plain] = await runShardJobs([{ ...job, returnFrozen: true }]);
      if (plain?.ok !== true || plain.frozen === undefined) throw new Error('expected stages and frozen rows');
      expect(plain.frozen.inputs.map((a) => a.length)).toEqual([90 * 16, 90 * 16]);
      // A cache filled by a job over another set of rows (every third row, with rows outside this shard).
      const cache = new FrozenPrefixCache(1 << 20);
      const { job: other } = await shardJob(input, (user) => [...Array.from(user.slice(0, 90)).filter((_, i) => i % 3 === 0), ...Array.from(user.slice(200, 230))]);
      const [warm] = await runShardJobs([{ ...other, prefixes: [[0]], returnFrozen: true }]);
      if (warm?.ok !== true || warm.frozen === undefined) throw new Error('expected frozen rows');
      cache.put('k', other.ids, warm.frozen);
      const frozen = cache.lookup('k', job.ids, new Set([0, 1]));
      expect(frozen.known.reduce((a, b) => a + b, 0)).toBe(30);
      const unknown = job.ids.flatMap((_, i) => (frozen.known[i] === 1 ? [] : [i]));
      const [cached] = await runShardJobs([{ ...job, x: features(unknown), frozen, returnFrozen: true }]);
      if (cached?.ok !== true || cached.frozen === undefined) throw new Error('expected stages');
      expectSameWeights(plain.stages, cached.stages);
      // What it computed is exactly the plain pass's values of the rows it did not know.
      cached.frozen.inputs.forEach((a, b) => {
        const want = Float32Array.from(unknown.flatMap((r) => Array.from((plain.frozen?.inputs[b] as Float32Array).subarray(r * 16, (r + 1) * 16))));
        expect(bytes(a).equals(bytes(want))).toBe(true);
      });
      // Every row known: no pass at all, the same weights.
      cache.put('k', unknown.map((i) => job.ids[i] as string), cached.frozen);
      const full = cache.lookup('k', job.ids, new Set([0, 1]));
      expect(full.known.every((k) => k === 1)).toBe(true);
      const [all] = await runShardJobs([{ ...job, x: new Float32Array(0), frozen: full }]);
      if (all?.ok !== true) throw new Error('expected stages');
      expectSameWeights(plain.stages, all.stages);
    });
  }

  it('refuses frozen rows that do not fit the job, with a clear error', async () => {
    await selectBackend({ forced: 'wasm' });
    const { job } = await shardJob(DENSE, (user) => Array.from(user.slice(0, 20)));
    const H = 16;
    const known = new Uint8Array(20).fill(1);
    const full = (n: number): Float32Array => new Float32Array(n * H);
    for (const [frozen, x, why] of [
      [{ known: new Uint8Array(19).fill(1), inputs: [full(20), full(20)] }, new Float32Array(0), /known marks 19 rows/],
      [{ known, inputs: [full(20)] }, new Float32Array(0), /2 adapter blocks/],
      [{ known, inputs: [full(20), full(19)] }, new Float32Array(0), /adapter block 1 must hold 20×16/],
      [{ known: Uint8Array.from({ length: 20 }, (_, i) => (i < 10 ? 1 : 0)), inputs: [full(20), full(20)] }, new Float32Array(64), /the 10 rows to compute need 10×64/],
    ] as const) {
      const error = await runShardJobs([{ ...job, x, frozen }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LetheError);
      expect((error as LetheError).code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect((error as Error).message).toMatch(why);
    }
  });
});
