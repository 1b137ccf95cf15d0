/**
 * bench:retrain — what one retraining task costs a worker. Stage tasks of one MNIST shard (conv stem, the setting of
 * bench:stream), each after a deletion in that shard, go through the worker's own TaskExecutor and one training
 * thread, with and without the frozen-prefix cache (taking turns round by round, so a shared machine's drift lands
 * on both). Then what a cancel costs: a group that stops at its next epoch boundary and keeps its thread, against
 * a replaced thread (a fresh TF.js).
 *
 *   npm run bench:retrain [-- --quick] [-- --json] [-- --rounds N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../shared/src/adapters/fs/fs-artifact-store.js';
import { ThreadPoolTrainer } from '../shared/src/ml/trainer.js';
import { parseRunSpec } from '../shared/src/domain/run-spec.js';
import { newSampleIdKey } from '../shared/src/domain/sample-digest.js';
import { loadDataset } from '../shared/src/ml/data/registry.js';
import { shardMembers } from '../shared/src/ml/data/shard-members.js';
import { FrozenPrefixCache } from '../shared/src/ml/frozen-prefix-cache.js';
import { DEFAULT_FROZEN_CACHE_MIB } from '../shared/src/config/schema.js';
import { TaskExecutor } from '../worker/src/task-executor.js';
import { stageTasksOf } from '../worker/src/testing/stage-tasks.js';
import { emit, fmt, hasFlag, numberFlag, table } from './lib/report.js';

const quick = hasFlag('--quick');
const asJson = hasFlag('--json');
const ROUNDS = numberFlag('--rounds', quick ? 2 : 6);
/** Tasks per stage, variant and round. */
const TASKS = quick ? 4 : 8;
const STAGES = [1, 4] as const;

const dir = mkdtempSync(join(tmpdir(), 'lethe-retrain-'));
const trainer = new ThreadPoolTrainer({ threads: 1, backend: 'wasm' });
const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
const spec = parseRunSpec({
  dataset: { builtin: 'mnist', stride: quick ? 6 : 2 },
  model: { hidden: 128, convStem: true },
  shards: 4,
  slices: 4,
  budget: 4,
  epochs: 3,
  pretrainEpochs: 1,
});
const runSpecJson = JSON.stringify(spec);
const variants = {
  'no cache': new TaskExecutor({ artifacts, trainer }),
  'frozen-prefix cache': new TaskExecutor({ artifacts, trainer, frozenCache: new FrozenPrefixCache(DEFAULT_FROZEN_CACHE_MIB * 2 ** 20) }),
};
const plain = variants['no cache'];
const backbone = await plain.pretrain(runSpecJson);
const salt = 'bench-retrain';
const sampleIdKey = newSampleIdKey();
const dataset = loadDataset(spec.dataset);
const shard = shardMembers(dataset, salt, spec.shards, spec.slices)[0] ?? { rows: [], sliceOf: [] };
const ordering = [0, 1, 2, 3];
const task = stageTasksOf({ run: 'bench', shard: 0, ordering, backboneArtifact: backbone.artifact, runSpecJson, salt, sampleIdKey });

// The shard's stages before any deletion (parents of the retrained ones), and one warm-up of each variant.
const parents = [''];
for (let s = 1; s <= 4; s++) parents.push((await plain.stage(task(s, parents[s - 1] as string, []))).artifact);
for (const ex of Object.values(variants)) for (const s of STAGES) await ex.stage(task(s, parents[s - 1] as string, []));

// Each task retrains after one deletion, a different sample of the shard's first slice (every stage trains on it).
const firstSlice = shard.rows.filter((_, i) => shard.sliceOf[i] === 0).map((r) => dataset.ids[r] as string);
let deletions = 0;
const totals = new Map<string, { tasks: number; passes: number; threadMs: number; wallMs: number }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, ex] of Object.entries(variants)) {
    for (const stage of STAGES) {
      const t = totals.get(`${name}|${stage}`) ?? { tasks: 0, passes: 0, threadMs: 0, wallMs: 0 };
      for (let i = 0; i < TASKS; i++) {
        const deleted = firstSlice[deletions++ % firstSlice.length] as string;
        const busy = trainer.busySeconds;
        const started = performance.now();
        const out = await ex.stage(task(stage, parents[stage - 1] as string, [deleted]));
        t.wallMs += performance.now() - started;
        t.threadMs += (trainer.busySeconds - busy) * 1000;
        t.passes += out.samplePasses;
        t.tasks++;
      }
      totals.set(`${name}|${stage}`, t);
    }
  }
}
await trainer.close();

/** A cancel of a whole group: ms from the abort to the group's end, and whether the thread was replaced. */
async function cancelCost(graceMs: number): Promise<{ stopMs: number; threadStartMs: number; replaced: number }> {
  const pool = new ThreadPoolTrainer({ threads: 1, backend: 'wasm', cancelGraceMs: graceMs });
  try {
    const ex = new TaskExecutor({ artifacts, trainer: pool });
    const stop = new AbortController();
    let abortedAt = 0;
    const long = { ...task(4, parents[3] as string, []), runSpecJson: JSON.stringify({ ...spec, epochs: 1000 }) };
    const group = ex.stageGroup([long], (_, p) => {
      if (p.fraction > 0 && abortedAt === 0) {
        abortedAt = performance.now();
        stop.abort();
      }
    }, [stop.signal]);
    await group;
    const stopMs = performance.now() - abortedAt;
    // The next task waits for a replacement thread's start (a fresh TF.js), or runs at once on the kept thread.
    const next = performance.now();
    await ex.stage(task(1, '', []));
    const nextMs = performance.now() - next;
    return { stopMs, threadStartMs: nextMs, replaced: pool.threadsReplaced };
  } finally {
    await pool.close();
  }
}
const kept = await cancelCost(1000);
const replaced = await cancelCost(0);
rmSync(dir, { recursive: true, force: true });

const rows = [...totals.entries()].map(([key, t]) => {
  const [variant, stage] = key.split('|') as [string, string];
  return { variant, stage: Number(stage), passesPerTask: t.passes / t.tasks, threadMsPerTask: t.threadMs / t.tasks, wallMsPerTask: t.wallMs / t.tasks, threadUsPerPass: (1000 * t.threadMs) / t.passes };
});
const base = (stage: number): number => rows.find((r) => r.variant === 'no cache' && r.stage === stage)?.threadMsPerTask ?? Number.NaN;
const text = [
  `One retraining task after a deletion, MNIST (stride ${spec.dataset.stride}), conv stem, hidden 128, a ${shard.rows.length}-row shard, ${spec.epochs} epochs, wasm, one training thread; ${ROUNDS} rounds × ${TASKS} tasks per row`,
  table(
    ['variant', 'stage', 'sample-passes / task', 'thread ms / task', 'vs no cache', 'wall ms / task', 'thread µs / pass'],
    rows.map((r) => [r.variant, String(r.stage), r.passesPerTask, r.threadMsPerTask, `${fmt(r.threadMsPerTask / base(r.stage))}×`, r.wallMsPerTask, r.threadUsPerPass]),
  ),
  'A cancelled group (a stage with 1,000 epochs, cancelled after its first):',
  table(
    ['on cancel', 'ms from abort to the end', 'threads replaced', 'ms to the next task done'],
    [
      ['stop at the epoch boundary (grace 1 s)', kept.stopMs, kept.replaced, kept.threadStartMs],
      ['replace the thread (grace 0)', replaced.stopMs, replaced.replaced, replaced.threadStartMs],
    ],
  ),
].join('\n');
emit(text, { retrain: rows, cancel: { kept, replaced } }, asJson);
