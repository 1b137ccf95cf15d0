/**
 * check:backend — on the backend Lethe selects here (or LETHE_BACKEND), checks what exact unlearning relies on:
 * dense and conv2d gradients against the cpu backend, and that a deactivated shard serves outputs bit-identical to
 * its stage-d checkpoint rebuilt from artifacts. Prints a table; exits 1 if a check fails.
 *
 *   npm run check:backend [-- --json]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../shared/src/ml/tf.js';
import { parseBackendName, selectBackend } from '../shared/src/ml/backend.js';
import { denseMatMul } from '../shared/src/ml/dense.js';
import { makeBlobs } from '../shared/src/ml/data/synthetic.js';
import { featureWidth, gatherRows } from '../shared/src/ml/data/dataset.js';
import { S3TRun } from '../shared/src/ml/s3t-run.js';
import { InThreadTrainer } from '../shared/src/ml/trainer.js';
import { FsArtifactStore } from '../shared/src/adapters/fs/fs-artifact-store.js';
import { loadCheckpoint } from '../shared/src/ml/checkpoint.js';
import { emit, hasFlag, table } from './lib/report.js';

const chosen = await selectBackend({ forced: parseBackendName(process.env['LETHE_BACKEND'] ?? 'auto') });
const results: { check: string; ok: boolean; detail: string }[] = [];

async function grads(backend: string, conv: boolean): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(() => {
    if (conv) {
      const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.3)), [2, 8, 8, 3]);
      const f = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i * 0.2)), [3, 3, 3, 4]);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, f]);
    }
    const x = tf.tensor2d(Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i)), [64, 32]);
    const w = tf.tensor2d(Float32Array.from({ length: 32 * 16 }, (_, i) => Math.cos(i * 0.7)), [32, 16]);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(denseMatMul(a as tf.Tensor2D, b as tf.Tensor2D))))([x, w]);
  });
  const arrays = await Promise.all(out.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
  tf.dispose(out);
  return arrays;
}

for (const conv of [false, true]) {
  const ref = await grads('cpu', conv);
  const got = await grads(chosen.tfName, conv);
  let worst = 0;
  ref.forEach((r, k) => {
    const scale = Math.max(1e-6, ...r.map(Math.abs));
    r.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (got[k]?.[i] ?? Number.NaN)) / scale)));
  });
  // GPU backends compute in float32 with a different summation order: allow 1e-4 relative.
  results.push({ check: `${conv ? 'conv2d' : 'dense'} gradients vs cpu`, ok: worst < 1e-4, detail: `max relative error ${worst.toExponential(2)}` });
}
await tf.setBackend(chosen.tfName);

const dataset = makeBlobs({ samples: 900, features: 12, classes: 3, seed: 3 });
const artifacts = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'lethe-check-')));
const run = await S3TRun.create({
  runId: 'check',
  dataset,
  shards: 1,
  slices: 3,
  budget: 1,
  model: { hidden: 24, loraRank: 4, batchSize: 32, learningRate: 0.01 },
  epochs: 2,
  pretrainEpochs: 3,
  seed: 11,
  artifacts,
  trainer: new InThreadTrainer(),
});
await run.trainAll();
const victim = Array.from(dataset.split.user, (r) => dataset.ids[r] as string).find((id) => run.locate(id)?.slice === 2) as string;
run.deleteSamples([victim]);
const choice = run.servingChoice(0);
const digest = run.stage(0, [0, 1])?.digest as string;
const checkpoint = await loadCheckpoint(artifacts, digest);
const { x } = gatherRows(dataset, dataset.split.test);
const xt = tf.tensor2d(x, [dataset.split.test.length, featureWidth(dataset)]);
const served = (await run.shardLogits(0, xt).data()) as Float32Array;
const alone = (await checkpoint.predict(xt).data()) as Float32Array;
const identical = choice?.depth === 2 && Buffer.from(served.buffer).equals(Buffer.from(alone.buffer));
results.push({ check: 'deactivated shard = stage-2 checkpoint, bitwise', ok: identical, detail: `depth ${choice?.depth ?? 0}, ${served.length} logits` });
const accuracy = await run.evaluate();
results.push({ check: 'S3T run trains and serves', ok: accuracy > 0.5, detail: `accuracy ${(100 * accuracy).toFixed(1)} %` });

const text = [
  `backend: ${chosen.name} (tf: ${chosen.tfName}); skipped: ${chosen.skipped.map((s) => `${s.name} (${s.reason.split('\n')[0]})`).join('; ') || 'none'}`,
  table(['check', 'ok', 'detail'], results.map((r) => [r.check, r.ok ? 'yes' : 'NO', r.detail])),
].join('\n');
emit(text, { backend: chosen.name, checks: results }, hasFlag('--json'));
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
