/**
 * bench:train — stage-training throughput per available TF.js backend, next to the same backend's forward matmul
 * rate on the same layer sizes, the wasm fixes before/after, and batched stage training (k stages of k shards in
 * one computation) for k = 1, 4, 16, 64, all measured in one run.
 *
 *   npm run bench:train [-- --quick] [-- --json] [-- --synthetic] [-- --batched-only] [-- --backends webgpu,wasm] [-- --k 1,4,16,64]
 *                       [-- --seconds 3]
 */
import { tf } from '../shared/src/ml/tf.js';
import { BACKEND_PREFERENCE, detectGpu, tryBackend, type BackendName } from '../shared/src/ml/backend.js';
import { denseMatMul, plainMatMul, type MatMul } from '../shared/src/ml/dense.js';
import { loadMnist } from '../shared/src/ml/data/mnist.js';
import { makeBlobs } from '../shared/src/ml/data/synthetic.js';
import { gatherRows } from '../shared/src/ml/data/dataset.js';
import { ModelConfigSchema } from '../shared/src/ml/model-config.js';
import { pretrainBackbone } from '../shared/src/ml/training.js';
import { backboneToWeights, disposeAll, headToWeights } from '../shared/src/ml/model.js';
import { runShardJob, runShardJobs, triePrefixes, type ShardJobInput, type ShardJobsOptions } from '../shared/src/ml/shard-job.js';
import { cyclicSelect } from '../shared/src/domain/cyclic.js';
import { emit, fmt, hasFlag, table } from './lib/report.js';

const quick = hasFlag('--quick');
const asJson = hasFlag('--json');
/** Stage training on seeded blobs instead of MNIST (for machines without the dataset package). */
const synthetic = hasFlag('--synthetic');
/** Only the matmul rate and the batched rows (what a GPU check needs). */
const batchedOnly = hasFlag('--batched-only');
const backendsArg = process.argv.indexOf('--backends');
const onlyBackends = backendsArg < 0 ? null : new Set((process.argv[backendsArg + 1] ?? '').split(','));
const kArg = process.argv.indexOf('--k');
/** Group sizes of the batched rows (`--k 1,4,16,64,256` to add more). */
/** `--flags '{"WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE":64}'`: TF.js environment flags set on each backend (experiments). */
const flagsArg = process.argv.indexOf('--flags');
const tfFlags = flagsArg < 0 ? {} : (JSON.parse(process.argv[flagsArg + 1] ?? '{}') as Record<string, number | boolean>);
/** `--profile K`: per-kernel time of one group of K (TF.js's profiler; GPU kernel times where the backend has them). */
/** `--engine '{"autodiffProducts":true}'`: options of the batched engine for the batched rows (experiments). */
const engineArg = process.argv.indexOf('--engine');
const engine = engineArg < 0 ? {} : (JSON.parse(process.argv[engineArg + 1] ?? '{}') as ShardJobsOptions['engine']);
/** `--seconds S`: time each group size gets in the batched rows (3 by default; more rounds, a firmer median). */
const secondsArg = process.argv.indexOf('--seconds');
const batchedSeconds = secondsArg < 0 ? undefined : Number(process.argv[secondsArg + 1]);
if (batchedSeconds !== undefined && !(batchedSeconds > 0 && batchedSeconds <= 3600)) throw new Error('--seconds takes a number of seconds in (0, 3600]');
const profileArg = process.argv.indexOf('--profile');
const profileK = profileArg < 0 ? 0 : Number(process.argv[profileArg + 1]);
const BATCH_SIZES = kArg < 0 ? [1, 4, 16, 64] : (process.argv[kArg + 1] ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
/** The measured MLP: 784-512-512-10, batch 256 (the guide's reference layer sizes). */
const LAYERS = [784, 512, 512, 10] as const;
const BATCH = 256;

function forwardFlopsPerSample(): number {
  let f = 0;
  for (let i = 0; i + 1 < LAYERS.length; i++) f += 2 * (LAYERS[i] as number) * (LAYERS[i + 1] as number);
  return f;
}
/** Training = forward + dW for every layer + dX for every layer but the first. */
function trainFlopsPerSample(): number {
  let f = 0;
  for (let i = 0; i + 1 < LAYERS.length; i++) {
    const mac = 2 * (LAYERS[i] as number) * (LAYERS[i + 1] as number);
    f += mac * (i === 0 ? 2 : 3);
  }
  return f;
}

/** Runs `step` (which returns a tensor to read back, or null) for at least `seconds`; reads force completion. */
async function timeLoop(seconds: number, minIters: number, step: () => tf.Tensor): Promise<{ perSec: number; iters: number }> {
  const finish = async (t: tf.Tensor): Promise<void> => {
    await t.data();
    t.dispose();
  };
  for (let i = 0; i < 2; i++) await finish(step()); // warm-up (and shader compilation on GPUs)
  const start = performance.now();
  let iters = 0;
  while (iters < minIters || performance.now() - start < seconds * 1000) {
    await finish(step());
    iters++;
  }
  return { perSec: iters / ((performance.now() - start) / 1000), iters };
}

function mlpParams(): tf.Variable[] {
  const vars: tf.Variable[] = [];
  for (let i = 0; i + 1 < LAYERS.length; i++) {
    vars.push(tf.variable(tf.randomNormal([LAYERS[i] as number, LAYERS[i + 1] as number], 0, 0.05, 'float32', i)));
    vars.push(tf.variable(tf.zeros([LAYERS[i + 1] as number])));
  }
  return vars;
}

function mlp(x: tf.Tensor2D, vars: tf.Variable[], mm: MatMul): tf.Tensor2D {
  let h = x;
  for (let i = 0; i + 1 < LAYERS.length; i++) {
    h = tf.add<tf.Tensor2D>(mm(h, vars[2 * i] as unknown as tf.Tensor2D), vars[2 * i + 1] as tf.Tensor);
    if (i + 2 < LAYERS.length) h = tf.relu(h);
  }
  return h;
}

async function measureMatmul(seconds: number): Promise<number> {
  const vars = mlpParams();
  const x = tf.randomNormal<tf.Rank.R2>([BATCH, LAYERS[0]]);
  const { perSec } = await timeLoop(seconds, 3, () => tf.tidy(() => mlp(x, vars, (a, b) => tf.matMul(a, b))));
  tf.dispose([x, ...vars]);
  return (perSec * BATCH * forwardFlopsPerSample()) / 1e9;
}

async function measureTrain(seconds: number, mm: MatMul): Promise<number> {
  const vars = mlpParams();
  const x = tf.randomNormal<tf.Rank.R2>([BATCH, LAYERS[0]]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), 'int32'), 10);
  const opt = tf.train.adam(0.001);
  const { perSec } = await timeLoop(seconds, 3, () =>
    tf.tidy(() => opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, mlp(x, vars, mm)), true, vars) ?? tf.scalar(0)),
  );
  opt.dispose();
  tf.dispose([x, labels, ...vars]);
  return perSec * BATCH;
}

const STAGE_CONFIG = ModelConfigSchema.parse({ inputShape: [784], task: 'classification', outputs: 10, hidden: 128, blocks: 4, adapterBlocks: 4 });

/** User data and a pretrained backbone for the stage measurements (pretrained once per backend). */
async function stageSetup(): Promise<{ d: ReturnType<typeof loadMnist>; backbone: ShardJobInput['backbone']; pretrainedHead: ShardJobInput['pretrainedHead'] }> {
  const d = synthetic ? makeBlobs({ samples: 10_000, features: 784, classes: 10, seed: 1 }) : loadMnist();
  const pub = gatherRows(d, d.split.public.slice(0, 500));
  const px = tf.tensor2d(pub.x, [pub.y.length, 784]);
  const py = tf.tensor1d(pub.y, 'int32');
  const pre = await pretrainBackbone({ config: STAGE_CONFIG, x: px, y: py, epochs: 1, seed: 1 });
  tf.dispose([px, py]);
  const out = { d, backbone: await backboneToWeights(pre.backbone), pretrainedHead: await headToWeights(pre.head) };
  disposeAll(pre.backbone, pre.head);
  return out;
}

type StageSetup = Awaited<ReturnType<typeof stageSetup>>;

/** One shard job: `samples` user rows (taken cyclically from `offset`), four slices, the stages of `orderings`. */
function shardJob(setup: StageSetup, samples: number, offset: number, orderings: readonly (readonly number[])[], fastDense: boolean): ShardJobInput {
  const { d } = setup;
  const rows = Array.from({ length: samples }, (_, i) => d.split.user[(offset + i) % d.split.user.length] as number);
  const user = gatherRows(d, rows);
  return {
    config: STAGE_CONFIG,
    backbone: setup.backbone,
    pretrainedHead: setup.pretrainedHead,
    ids: rows.map((r) => d.ids[r] as string),
    x: user.x,
    y: user.y,
    sliceOf: Int32Array.from(rows, (_, i) => i % 4),
    deleted: new Uint8Array(rows.length),
    prefixes: triePrefixes(orderings),
    parents: {},
    epochs: 1,
    seed: 1 + offset,
    fastDense,
  };
}

/** Real S3T stage training (frozen-prefix cache, one adapter block + head per stage) on MNIST user data. */
async function measureStageTraining(setup: StageSetup, fastDense: boolean, samples: number): Promise<{ samplesPerSec: number; seconds: number }> {
  const job = shardJob(setup, samples, 0, cyclicSelect(4, 1), fastDense);
  const started = performance.now();
  const stages = await runShardJob(job);
  const seconds = (performance.now() - started) / 1000;
  return { samplesPerSec: stages.reduce((a, s) => a + s.samplePasses, 0) / seconds, seconds };
}

/**
 * k shard jobs (one ordering each, all four stages) trained as one group, for every k: each stage level is one
 * batched computation of k stages. Stage sample-passes summed over the k tasks, per second of the batched training
 * computations, and per second of wall time for the whole group (frozen-prefix forward of every shard, data
 * assembly and weight read-back included). The group sizes take turns, round after round, until each has had
 * `seconds` (after one warm-up group each: shader compilation on GPUs), so a shared machine's drift lands on every
 * k alike and their ratios hold.
 */
interface BatchedMeasure {
  readonly training: number;
  readonly endToEnd: number;
  /** Stage samples/s over k = 1's in each round (both measured minutes apart at most): the spread a shared host adds. */
  readonly roundRatios: readonly number[];
}

async function measureBatched(setup: StageSetup, ks: readonly number[], samples: number, seconds: number): Promise<Map<number, BatchedMeasure>> {
  const groups = ks.map((k) => {
    const jobs = Array.from({ length: k }, (_, j) => shardJob(setup, samples, j * samples, [cyclicSelect(4, 1)[0] as readonly number[]], true));
    const run = async (): Promise<{ passes: number; trainingSeconds: number; wall: number }> => {
      const started = performance.now();
      const stages = (await runShardJobs(jobs, { maxBatch: k, ...(engine === undefined ? {} : { engine }) })).flatMap((o) => (o.ok ? o.stages : []));
      return { passes: stages.reduce((a, s) => a + s.samplePasses, 0), trainingSeconds: stages.reduce((a, s) => a + s.seconds, 0), wall: (performance.now() - started) / 1000 };
    };
    return { k, run, passes: 0, trainingSeconds: 0, wall: 0, rounds: [] as number[] };
  });
  for (const g of groups) await g.run();
  // One round gives each k about the same time: a smaller group runs several times in a row.
  const largest = Math.max(...ks);
  while (groups.some((g) => g.wall < seconds)) {
    for (const g of groups) {
      let passes = 0;
      let trainingSeconds = 0;
      for (let i = 0; i < Math.max(1, Math.floor(largest / g.k / 2)); i++) {
        const r = await g.run();
        passes += r.passes;
        trainingSeconds += r.trainingSeconds;
        g.wall += r.wall;
      }
      g.passes += passes;
      g.trainingSeconds += trainingSeconds;
      g.rounds.push(passes / trainingSeconds);
    }
  }
  const one = groups.find((g) => g.k === 1);
  const ratios = (g: (typeof groups)[number]): number[] => (one === undefined ? [] : g.rounds.map((x, r) => x / (one.rounds[r] as number)));
  return new Map(groups.map((g) => [g.k, { training: g.passes / g.trainingSeconds, endToEnd: g.passes / g.wall, roundRatios: ratios(g) }]));
}

/**
 * Exactness of batching on this backend: 8 stage tasks (4 shards, 2 orderings) trained as one group and each
 * shard alone; every weight compared. Bit-equal on wasm (tested in CI); GPUs may tile a product differently for
 * another k, so the largest difference is reported beside the largest weight.
 */
async function batchedVersusAlone(setup: StageSetup): Promise<{ bitEqual: boolean; maxAbsDiff: number; maxAbsWeight: number; stages: number }> {
  const jobs = Array.from({ length: 4 }, (_, j) => shardJob(setup, 256, j * 256, cyclicSelect(4, 2), true));
  const group = await runShardJobs(jobs);
  let maxAbsDiff = 0;
  let maxAbsWeight = 0;
  let bitEqual = true;
  let stages = 0;
  for (let j = 0; j < jobs.length; j++) {
    const [alone] = await runShardJobs([jobs[j] as ShardJobInput]);
    const a = group[j];
    if (a?.ok !== true || alone?.ok !== true) throw new Error('a job of the exactness check failed');
    a.stages.forEach((stage, i) => {
      const other = alone.stages[i];
      if (other === undefined || other.prefix.join() !== stage.prefix.join()) throw new Error('stage order differs');
      stages++;
      for (const part of ['adapter', 'head'] as const) {
        for (const [name, w] of Object.entries(stage[part])) {
          const v = other[part][name]?.data ?? new Float32Array(0);
          w.data.forEach((x, q) => {
            const y = v[q] as number;
            if (!Object.is(x, y)) bitEqual = false;
            maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x - y));
            maxAbsWeight = Math.max(maxAbsWeight, Math.abs(x));
          });
        }
      }
    });
  }
  return { bitEqual, maxAbsDiff, maxAbsWeight, stages };
}

/** The kernels of one group of k (after a warm-up group), by name and input shapes, longest first. */
async function profileGroup(setup: StageSetup, k: number): Promise<string> {
  const jobs = Array.from({ length: k }, (_, j) => shardJob(setup, 512, j * 512, [cyclicSelect(4, 1)[0] as readonly number[]], true));
  const options = { maxBatch: k, ...(engine === undefined ? {} : { engine }) };
  await runShardJobs(jobs, options);
  const info = await tf.profile(async () => {
    await runShardJobs(jobs, options);
  });
  const by = new Map<string, { ms: number; calls: number }>();
  for (const kernel of info.kernels) {
    const key = `${kernel.name} ${JSON.stringify(kernel.inputShapes)}`;
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    const e = by.get(key) ?? { ms: 0, calls: 0 };
    by.set(key, { ms: e.ms + ms, calls: e.calls + 1 });
  }
  const total = [...by.values()].reduce((a, e) => a + e.ms, 0);
  const top = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30);
  return [`kernels ${info.kernels.length}, kernel ms ${fmt(total)}`, ...top.map(([key, e]) => `${fmt(e.ms)} ms  ${e.calls}×  ${key}`)].join('\n');
}

interface BackendRow {
  name: BackendName;
  trainSamplesPerSec: number;
  trainGflops: number;
  matmulGflops: number;
  fractionOfMatmul: number;
  unfixedTrainSamplesPerSec: number;
  unfixedFractionOfMatmul: number;
  stageSamplesPerSec: number;
  unfixedStageSamplesPerSec: number;
}

interface BatchedRow {
  backend: BackendName;
  k: number;
  /** Over the batched training computations. */
  stageSamplesPerSec: number;
  /** Over the whole group's wall time (frozen prefix, data assembly and read-back included). */
  endToEndSamplesPerSec: number;
  matmulGflops: number;
  /** Stage samples/s over k = 1's, round by round: median, lowest, highest, rounds (absent without a k = 1 row). */
  roundRatio?: { median: number; min: number; max: number; rounds: number };
}

function spread(xs: readonly number[]): BatchedRow['roundRatio'] {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number, rounds: sorted.length };
}

const rows: BackendRow[] = [];
const batched: BatchedRow[] = [];
const exactness: ({ backend: BackendName } & Awaited<ReturnType<typeof batchedVersusAlone>>)[] = [];
const skipped: string[] = [];
const gpu = detectGpu();
for (const name of BACKEND_PREFERENCE) {
  if (onlyBackends !== null && !onlyBackends.has(name)) continue;
  if (name === 'webgpu' && !gpu && process.env['LETHE_BACKEND'] !== 'webgpu') {
    skipped.push(`webgpu: no GPU detected`);
    continue;
  }
  const a = await tryBackend(name);
  if (!a.ok) {
    skipped.push(`${name}: ${a.reason.split('\n')[0]}`);
    continue;
  }
  const slow = name === 'cpu';
  const seconds = quick || slow ? 1 : 3;
  process.stderr.write(`measuring ${name}...\n`);
  for (const [flag, value] of Object.entries(tfFlags)) tf.env().set(flag, value);
  const matmulGflops = await measureMatmul(seconds);
  const setup = await stageSetup();
  if (profileK > 0) process.stderr.write(`${name} kernels of one group of ${profileK}:\n${await profileGroup(setup, profileK)}\n`);
  if (!batchedOnly) {
    const trainSamplesPerSec = await measureTrain(seconds, denseMatMul);
    const unfixedTrainSamplesPerSec = await measureTrain(seconds, plainMatMul);
    const stageSamples = quick || slow ? 800 : 4000;
    const stage = await measureStageTraining(setup, true, stageSamples);
    const unfixedStage = await measureStageTraining(setup, false, stageSamples);
    const perSampleTrain = trainFlopsPerSample() / 1e9;
    rows.push({
      name,
      trainSamplesPerSec,
      trainGflops: trainSamplesPerSec * perSampleTrain,
      matmulGflops,
      fractionOfMatmul: (trainSamplesPerSec * perSampleTrain) / matmulGflops,
      unfixedTrainSamplesPerSec,
      unfixedFractionOfMatmul: (unfixedTrainSamplesPerSec * perSampleTrain) / matmulGflops,
      stageSamplesPerSec: stage.samplesPerSec,
      unfixedStageSamplesPerSec: unfixedStage.samplesPerSec,
    });
  }
  if (!slow) {
    exactness.push({ backend: name, ...(await batchedVersusAlone(setup)) });
    process.stderr.write(`  batched k = ${BATCH_SIZES.join(', ')}, taking turns...\n`);
    const measured = await measureBatched(setup, BATCH_SIZES, quick ? 256 : 512, quick ? 1 : (batchedSeconds ?? seconds));
    for (const k of BATCH_SIZES) {
      const m = measured.get(k) as BatchedMeasure;
      const roundRatio = spread(m.roundRatios);
      batched.push({ backend: name, k, stageSamplesPerSec: m.training, endToEndSamplesPerSec: m.endToEnd, matmulGflops, ...(roundRatio === undefined ? {} : { roundRatio }) });
    }
  } else {
    skipped.push(`batched rows on ${name}: too slow to be worth measuring`);
  }
}

const wasm = rows.find((r) => r.name === 'wasm');
const wasmSpeedupFromFixes = wasm === undefined ? null : wasm.trainSamplesPerSec / wasm.unfixedTrainSamplesPerSec;
const plainRows = [
  `MLP ${LAYERS.join('-')}, batch ${BATCH}, Adam; S3T stage training: hidden 128, L=4, ${synthetic ? 'synthetic 784-d blobs' : 'MNIST user data'}${quick ? ' (quick)' : ''}`,
  table(
    ['backend', 'train samples/s', 'train GFLOP/s', 'fwd matmul GFLOP/s', 'train/matmul', 'unfixed samples/s', 'unfixed train/matmul', 'S3T stage samples/s', 'unfixed stage samples/s'],
    rows.map((r) => [
      r.name,
      r.trainSamplesPerSec,
      r.trainGflops,
      r.matmulGflops,
      `${fmt(100 * r.fractionOfMatmul, 1)} %`,
      r.unfixedTrainSamplesPerSec,
      `${fmt(100 * r.unfixedFractionOfMatmul, 1)} %`,
      r.stageSamplesPerSec,
      r.unfixedStageSamplesPerSec,
    ]),
  ),
  wasmSpeedupFromFixes === null ? 'wasm not available' : `wasm training speed-up from the fixes (dense op with explicit transposes): ${fmt(wasmSpeedupFromFixes)}×`,
  '',
];
const text = [
  // --batched-only measures none of the plain rows: no empty table for them.
  ...(batchedOnly ? [] : plainRows),
  `Batched stage training: k shards × 4 stages (one ordering each), ${quick ? 256 : 512} rows per shard, each stage level one computation of k stages`,
  table(
    ['backend', 'k', 'stage samples/s (sum over tasks)', 'vs k = 1', 'vs k = 1 by round: median (range), rounds', 'vs wasm k = 1', 'end-to-end samples/s', 'vs k = 1', 'fwd matmul GFLOP/s'],
    batched.map((b) => {
      const one = batched.find((o) => o.backend === b.backend && o.k === 1);
      const wasmOne = batched.find((o) => o.backend === 'wasm' && o.k === 1);
      return [
        b.backend,
        String(b.k),
        b.stageSamplesPerSec,
        one === undefined ? '-' : `${fmt(b.stageSamplesPerSec / one.stageSamplesPerSec)}×`,
        b.roundRatio === undefined ? '-' : `${fmt(b.roundRatio.median)}× (${fmt(b.roundRatio.min)}–${fmt(b.roundRatio.max)}), ${b.roundRatio.rounds}`,
        wasmOne === undefined ? '-' : `${fmt(b.stageSamplesPerSec / wasmOne.stageSamplesPerSec)}×`,
        b.endToEndSamplesPerSec,
        one === undefined ? '-' : `${fmt(b.endToEndSamplesPerSec / one.endToEndSamplesPerSec)}×`,
        b.matmulGflops,
      ];
    }),
  ),
  ...exactness.map(
    (e) =>
      `${e.backend}: ${e.stages} stages trained batched and alone: ${e.bitEqual ? 'bit-equal' : `max |Δ| ${e.maxAbsDiff.toExponential(2)} (largest weight ${fmt(e.maxAbsWeight)})`}`,
  ),
  ...skipped.map((s) => `skipped ${s}`),
].join('\n');
emit(
  text,
  {
    backends: rows.map(({ name, trainSamplesPerSec, trainGflops, matmulGflops, fractionOfMatmul }) => ({ name, trainSamplesPerSec, trainGflops, matmulGflops, fractionOfMatmul })),
    wasmSpeedupFromFixes,
    batched: batched.map(({ backend, k, stageSamplesPerSec, endToEndSamplesPerSec, roundRatio }) => ({ backend, k, stageSamplesPerSec, endToEndSamplesPerSec, ...(roundRatio === undefined ? {} : { roundRatio }) })),
    exactness,
    details: rows,
  },
  asJson,
);
