/**
 * bench:train — stage-training throughput per available TF.js backend, next to the same backend's forward matmul
 * rate on the same layer sizes, and the wasm fixes before/after, all measured in one run.
 *
 *   npm run bench:train [-- --quick] [-- --json]
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
import { runShardJob, triePrefixes } from '../shared/src/ml/shard-job.js';
import { cyclicSelect } from '../shared/src/domain/cyclic.js';
import { emit, fmt, hasFlag, table } from './lib/report.js';

const quick = hasFlag('--quick');
const asJson = hasFlag('--json');
/** Stage training on seeded blobs instead of MNIST (for machines without the dataset package). */
const synthetic = hasFlag('--synthetic');
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

/** Real S3T stage training (frozen-prefix cache, one adapter block + head per stage) on MNIST user data. */
async function measureStageTraining(fastDense: boolean, samples: number): Promise<{ samplesPerSec: number; seconds: number }> {
  const d = synthetic ? makeBlobs({ samples: 10_000, features: 784, classes: 10, seed: 1 }) : loadMnist();
  const config = ModelConfigSchema.parse({ inputShape: [784], task: 'classification', outputs: 10, hidden: 128, blocks: 4, adapterBlocks: 4 });
  const pub = gatherRows(d, d.split.public.slice(0, 500));
  const px = tf.tensor2d(pub.x, [pub.y.length, 784]);
  const py = tf.tensor1d(pub.y, 'int32');
  const pre = await pretrainBackbone({ config, x: px, y: py, epochs: 1, seed: 1 });
  tf.dispose([px, py]);
  const rows = d.split.user.slice(0, samples);
  const user = gatherRows(d, rows);
  const backbone = await backboneToWeights(pre.backbone);
  const pretrainedHead = await headToWeights(pre.head);
  const started = performance.now();
  const stages = await runShardJob({
    config,
    backbone,
    pretrainedHead,
    ids: Array.from(rows, (r) => d.ids[r] as string),
    x: user.x,
    y: user.y,
    sliceOf: Int32Array.from(rows, (_, i) => i % 4),
    deleted: new Uint8Array(rows.length),
    prefixes: triePrefixes(cyclicSelect(4, 1)),
    parents: {},
    epochs: 1,
    seed: 1,
    fastDense,
  });
  const seconds = (performance.now() - started) / 1000;
  disposeAll(pre.backbone, pre.head);
  return { samplesPerSec: stages.reduce((a, s) => a + s.samplePasses, 0) / seconds, seconds };
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

const rows: BackendRow[] = [];
const skipped: string[] = [];
const gpu = detectGpu();
for (const name of BACKEND_PREFERENCE) {
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
  const matmulGflops = await measureMatmul(seconds);
  const trainSamplesPerSec = await measureTrain(seconds, denseMatMul);
  const unfixedTrainSamplesPerSec = await measureTrain(seconds, plainMatMul);
  const stageSamples = quick || slow ? 800 : 4000;
  const stage = await measureStageTraining(true, stageSamples);
  const unfixedStage = await measureStageTraining(false, stageSamples);
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

const wasm = rows.find((r) => r.name === 'wasm');
const wasmSpeedupFromFixes = wasm === undefined ? null : wasm.trainSamplesPerSec / wasm.unfixedTrainSamplesPerSec;
const text = [
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
  ...skipped.map((s) => `skipped ${s}`),
].join('\n');
emit(text, { backends: rows.map(({ name, trainSamplesPerSec, trainGflops, matmulGflops, fractionOfMatmul }) => ({ name, trainSamplesPerSec, trainGflops, matmulGflops, fractionOfMatmul })), wasmSpeedupFromFixes, details: rows }, asJson);
