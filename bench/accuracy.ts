/**
 * bench:accuracy — on MNIST: (a) one model of the same architecture trained on all user data, (b) the S3T ensemble,
 * (c) SISA (B = 1); then accuracy after deleting 1 %, 2 %, 5 % of the user samples at random (cumulative), before
 * and after retraining, and the sample-passes each approach spent.
 *
 *   npm run bench:accuracy [-- --quick] [-- --json] [-- --threads N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../shared/src/ml/backend.js';
import { loadMnist } from '../shared/src/ml/data/mnist.js';
import { S3TRun, type FullBaseline } from '../shared/src/ml/s3t-run.js';
import { ThreadPoolTrainer } from '../shared/src/ml/trainer.js';
import { FsArtifactStore } from '../shared/src/adapters/fs/fs-artifact-store.js';
import { createRng, shuffleInPlace } from '../shared/src/domain/rng.js';
import { emit, fmt, hasFlag, table } from './lib/report.js';

const quick = hasFlag('--quick');
const asJson = hasFlag('--json');
const threadsArg = process.argv.indexOf('--threads');
const threads = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : 2;
const FRACTIONS = [0.01, 0.02, 0.05];
const M = 4;
const L = 4;
const B = 4;
const EPOCHS = quick ? 2 : 8;

const backend = await selectBackend({ forced: (process.env['LETHE_BACKEND'] as 'wasm' | undefined) ?? 'wasm' });
const dataset = loadMnist({ stride: quick ? 4 : 1 });
const dir = mkdtempSync(join(tmpdir(), 'lethe-bench-'));
const trainer = new ThreadPoolTrainer({ threads, backend: backend.name });
const started = performance.now();

interface AfterDeletion {
  fraction: number;
  deleted: number;
  accuracyBefore: number;
  accuracyAfterRetrain: number;
  retrainSamplePasses: number;
  liveShardsBefore?: number;
}
interface Approach {
  accuracy: number;
  trainSamplePasses: number;
  afterDeletions: AfterDeletion[];
}

const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);
const deletionOrder = shuffleInPlace([...userIds], createRng(2026));
const countFor = (f: number): number => Math.round(f * userIds.length);

async function exactApproach(budget: number): Promise<{ result: Approach; run: S3TRun }> {
  const run = await S3TRun.create({
    runId: `bench-${budget}`,
    dataset,
    shards: M,
    slices: L,
    budget,
    model: { hidden: 128, convStem: true },
    epochs: EPOCHS,
    pretrainEpochs: quick ? 4 : 10,
    seed: 1,
    artifacts: new FsArtifactStore(join(dir, `b${budget}`)),
    trainer,
    fallbackToBackbone: true, // a dead ensemble serves the backbone, which never saw user data
  });
  await run.trainAll();
  const result: Approach = { accuracy: await run.evaluate(), trainSamplePasses: run.costs.train, afterDeletions: [] };
  let done = 0;
  for (const fraction of FRACTIONS) {
    const target = countFor(fraction);
    run.deleteSamples(deletionOrder.slice(done, target));
    done = target;
    const liveShardsBefore = Array.from({ length: M }, (_, s) => run.servingChoice(s)).filter((c) => c !== null).length;
    const accuracyBefore = await run.evaluate();
    const retrainSamplePasses = await run.retrain();
    result.afterDeletions.push({ fraction, deleted: done, accuracyBefore, accuracyAfterRetrain: await run.evaluate(), retrainSamplePasses, liveShardsBefore });
  }
  return { result, run };
}

const s3t = await exactApproach(B);
const sisa = await exactApproach(1);

// (a) the full model: the same frozen backbone (same seed, same public data) with every adapter block and the head
// trained jointly on all user data. It has no stages to switch off, so after a deletion it cannot serve until it is
// retrained from scratch: "before retraining" it serves the pretrained backbone, which never saw user data.
const baseline = await S3TRun.create({
  runId: 'bench-full',
  dataset,
  shards: M,
  slices: L,
  budget: 1,
  model: { hidden: 128, convStem: true },
  epochs: EPOCHS,
  pretrainEpochs: quick ? 4 : 10,
  seed: 1,
  artifacts: new FsArtifactStore(join(dir, 'full')),
  trainer,
});
const backboneAccuracy = await baseline.evaluateBackbone();
const full: FullBaseline = await baseline.trainFullBaseline();
const fullResult: Approach = { accuracy: await full.evaluate(), trainSamplePasses: full.samplePasses, afterDeletions: [] };
full.dispose();
{
  let done = 0;
  for (const fraction of FRACTIONS) {
    const target = countFor(fraction);
    baseline.deleteSamples(deletionOrder.slice(done, target));
    done = target;
    const retrained = await baseline.trainFullBaseline();
    fullResult.afterDeletions.push({ fraction, deleted: done, accuracyBefore: backboneAccuracy, accuracyAfterRetrain: await retrained.evaluate(), retrainSamplePasses: retrained.samplePasses });
    retrained.dispose();
  }
}

await trainer.close();
for (const r of [s3t.run, sisa.run, baseline]) r.dispose();
rmSync(dir, { recursive: true, force: true });

const pct = (x: number): string => `${fmt(100 * x, 2)} %`;
const approaches = [
  ['full (one model, all user data)', fullResult],
  [`S3T (m=${M}, L=${L}, B=${B})`, s3t.result],
  [`SISA (m=${M}, L=${L}, B=1)`, sisa.result],
] as const;
const text = [
  `MNIST (mnist package): ${dataset.split.public.length} public (backbone pretraining), ${userIds.length} user (deletable), ${dataset.split.test.length} test; backend ${backend.name}; ${EPOCHS} epochs per stage${quick ? ' (quick)' : ''}`,
  table(['approach', 'test accuracy', 'train sample-passes'], approaches.map(([n, a]) => [n, pct(a.accuracy), a.trainSamplePasses])),
  `S3T − full: ${fmt(100 * (s3t.result.accuracy - fullResult.accuracy), 2)} points; pretrained backbone alone: ${pct(backboneAccuracy)}`,
  'After deleting a random fraction of user samples (cumulative); "before" = served right after the deletion, before any retraining (a dead ensemble and the un-retrained full model serve the backbone):',
  table(
    ['approach', 'deleted', 'live shards', 'accuracy before retrain', 'after retrain', 'retrain sample-passes'],
    approaches.flatMap(([n, a]) =>
      a.afterDeletions.map((d) => [n, `${fmt(100 * d.fraction, 0)} % (${d.deleted})`, d.liveShardsBefore === undefined ? '—' : `${d.liveShardsBefore}/${M}`, pct(d.accuracyBefore), pct(d.accuracyAfterRetrain), d.retrainSamplePasses]),
    ),
  ),
  `wall time ${fmt((performance.now() - started) / 1000, 1)} s`,
].join('\n');
emit(text, { full: fullResult, s3t: s3t.result, sisa: sisa.result }, asJson);
