import { gatherRows, type Dataset } from '../../shared/src/ml/data/dataset.js';
import type { ModelConfig } from '../../shared/src/ml/model-config.js';
import { getBackbone, getModel } from '../../shared/src/ml/run-model.js';
import { concatSets, disposeSet } from '../../shared/src/ml/unlearning/data.js';
import { openJob } from '../../shared/src/ml/unlearning/job.js';
import { disposeParams, paramsFromWeights, type Params } from '../../shared/src/ml/unlearning/net.js';
import { anamnesisIndex, cohortErrors, predictionsOf, wasserstein1d } from '../../shared/src/ml/unlearning/regression-metrics.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';

/** DRU's read-outs for one model of a regression scenario (errors in the dataset's standardised target units). */
export interface RegressionFigures {
  readonly forgetTestMae: number;
  readonly retainTestMae: number;
  /** 1-D Wasserstein distance of its D_f predictions to Retrain's. */
  readonly wasserstein: number;
  /** Anamnesis Index rt(θ)/rt(θ_*); null for Retrain itself and the original, or when Retrain never relearns (no reference). */
  readonly ain: number | null;
}

/**
 * Loads the scenario's models from the artifact store and computes, for each, the cohort errors on the test split,
 * the Wasserstein distance to Retrain on the forget set and the Anamnesis Index (relearning on copies).
 */
export async function regressionFigures(o: {
  artifacts: ArtifactStore;
  dataset: Dataset;
  config: ModelConfig;
  /** Digests: the original, Retrain's result and every other method's result. */
  original: string;
  retrained: string;
  methods: Readonly<Record<string, string>>;
  forgetRows: readonly number[];
  retainRows: readonly number[];
  inCohort: (row: number) => boolean;
  seed: number;
}): Promise<{ original: RegressionFigures; methods: Record<string, RegressionFigures> }> {
  const originalModel = await getModel(o.artifacts, o.original);
  const bb = await getBackbone(o.artifacts, originalModel.manifest.backbone);
  const test = Array.from(o.dataset.split.test);
  const base = { config: o.config, backbone: bb.backbone, pretrainedHead: bb.head, original: originalModel.params, recipe: { epochs: 1, batchSize: 32, learningRate: 0.01, seed: o.seed }, method: 'ft', params: {}, seed: o.seed, evaluate: false };
  // The job's sets on the frozen block inputs: train cohorts, and the test split by cohort.
  const train = openJob({ ...base, forget: gatherRows(o.dataset, o.forgetRows), retain: gatherRows(o.dataset, o.retainRows), test: gatherRows(o.dataset, test) });
  const cohorts = openJob({ ...base, forget: gatherRows(o.dataset, test.filter(o.inCohort)), retain: gatherRows(o.dataset, test.filter((r) => !o.inCohort(r))), test: gatherRows(o.dataset, test) });
  const all = concatSets(train.sets.retain, train.sets.forget);
  const net = train.ctx.net;
  const load = async (digest: string): Promise<Params> => paramsFromWeights((await getModel(o.artifacts, digest)).params);
  const retrained = await load(o.retrained);
  const retrainPreds = await predictionsOf(net, retrained, train.sets.forget);
  const figuresOf = async (p: Params, withAin: boolean): Promise<RegressionFigures> => {
    const f = cohortErrors(await predictionsOf(net, p, cohorts.sets.forget), await cohorts.sets.forget.y.data());
    const r = cohortErrors(await predictionsOf(net, p, cohorts.sets.retain), await cohorts.sets.retain.y.data());
    const w = wasserstein1d(await predictionsOf(net, p, train.sets.forget), retrainPreds);
    // Batch 32, not DRU's 256: our tables have a few hundred rows, where 10 epochs of 256 are 20 steps.
    const ain = withAin ? (await anamnesisIndex(net, { original: train.ctx.original, unlearned: p, retrained }, { train: all, forgetVal: cohorts.sets.forget, seed: o.seed, batchSize: 32 })).ain : null;
    return { forgetTestMae: f.mae, retainTestMae: r.mae, wasserstein: w, ain };
  };
  try {
    const original = await figuresOf(train.ctx.original, false);
    const methods: Record<string, RegressionFigures> = {};
    for (const [name, digest] of Object.entries(o.methods)) {
      const p = digest === o.retrained ? retrained : await load(digest);
      methods[name] = await figuresOf(p, digest !== o.retrained);
      if (p !== retrained) disposeParams(p);
    }
    return { original, methods };
  } finally {
    disposeParams(retrained);
    disposeSet(all);
    train.dispose();
    cohorts.dispose();
  }
}
