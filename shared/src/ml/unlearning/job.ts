import { ErrorCode, LetheError } from '../../errors/errors.js';
import { tf, type Tensor2D } from '../tf.js';
import type { ModelConfig } from '../model-config.js';
import { backboneFromWeights, disposeAll, frozenBlockInputs, headFromWeights } from '../model.js';
import type { WeightSet } from '../weights.js';
import { disposeSet, labelledSet, type LabelledSet } from './data.js';
import type { MethodContext, Recipe } from './method.js';
import { evaluateSuite, type BetweenPhases, type SuiteMetrics } from './metrics.js';
import { evaluateRegression } from './regression-metrics.js';
import { disposeParams, netOf, paramsFromWeights, paramsToWeights } from './net.js';
import { checkTask, findMethod, parseMethodParams } from './registry.js';

export interface RowsData {
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** One approximate unlearning job as plain transferable data (runs in a training thread or in the caller's). */
export interface UnlearnJobInput {
  readonly config: ModelConfig;
  readonly backbone: WeightSet;
  readonly pretrainedHead: WeightSet;
  /** θ_o: `adapter.<block>.a|b`, `head.w`, `head.b`. */
  readonly original: WeightSet;
  readonly recipe: Recipe;
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly forget: RowsData;
  /** D_r: the model's training data minus the forget set (the caller guarantees they are disjoint). */
  readonly retain: RowsData;
  /** D_test*: the test split, without the forgotten class in class-wise forgetting. */
  readonly test: RowsData;
  /** SSD's I_D over θ_o's training set, computed when θ_o was trained. */
  readonly originalImportance?: { readonly batchSize: number; readonly weights: WeightSet };
  /** Compute the metric suite for θ_u and θ_o after the method (not counted in RTE). */
  readonly evaluate: boolean;
  /** The forget set was submitted without labels: the method sees its rows with labels erased (all 0). */
  readonly forgetLabelsWithheld?: boolean;
}

export interface UnlearnJobProgress {
  readonly fraction: number;
  readonly loss: number;
  readonly phase: 'unlearning' | 'evaluating';
}

export interface UnlearnJobOutput {
  readonly params: WeightSet;
  /** RTE: seconds of the method alone (one-off work and evaluation excluded). */
  readonly seconds: number;
  readonly oneOffSeconds: number;
  readonly samplePasses: number;
  readonly diagnostics: Readonly<Record<string, number>>;
  readonly metrics: SuiteMetrics | null;
  readonly originalMetrics: SuiteMetrics | null;
  readonly evaluationSeconds: number;
}

function toSet(config: ModelConfig, backbone: ReturnType<typeof backboneFromWeights>, fromBlock: number, d: RowsData): LabelledSet {
  const rows = d.y.length;
  const width = config.inputShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor2d(d.x, [rows, width]);
  const [h, ...above] = frozenBlockInputs(config, backbone, x, fromBlock);
  tf.dispose([x, ...above]);
  const y = tf.tensor1d(d.y, config.task === 'classification' ? 'int32' : 'float32');
  return labelledSet(h as Tensor2D, y);
}

/** The method context of a job input, with the sets it reads; `dispose` frees every tensor. */
export interface OpenedJob {
  readonly ctx: MethodContext;
  readonly sets: { readonly forget: LabelledSet; readonly retain: LabelledSet; readonly test: LabelledSet };
  dispose(): void;
}

export function openJob(input: UnlearnJobInput, onProgress?: (p: UnlearnJobProgress) => void, signal?: AbortSignal): OpenedJob {
  const backbone = backboneFromWeights(input.config, input.backbone);
  const head = headFromWeights(input.pretrainedHead);
  const net = netOf(input.config, backbone);
  const original = paramsFromWeights(input.original);
  const forget = toSet(input.config, backbone, net.fromBlock, input.forget);
  // What the method sees of D_f: without labels when they were withheld (evaluation keeps the dataset's).
  const forgetSeen = input.forgetLabelsWithheld === true ? labelledSet(forget.h, tf.zerosLike(forget.y)) : forget;
  const retain = toSet(input.config, backbone, net.fromBlock, input.retain);
  const test = toSet(input.config, backbone, net.fromBlock, input.test);
  const importance = input.originalImportance === undefined ? undefined : paramsFromWeights(input.originalImportance.weights);
  const ctx: MethodContext = {
    ...(importance === undefined || input.originalImportance === undefined ? {} : { precomputedImportance: { batchSize: input.originalImportance.batchSize, params: importance } }),
    net,
    original,
    pretrainedHead: head,
    recipe: input.recipe,
    forget: forgetSeen,
    retain,
    classes: input.config.outputs,
    seed: input.seed,
    ...(signal === undefined ? {} : { signal }),
    progress: (fraction, loss) => onProgress?.({ fraction: Math.min(1, Math.max(0, fraction)), loss: loss ?? Number.NaN, phase: 'unlearning' }),
  };
  return {
    ctx,
    sets: { forget, retain, test },
    dispose: () => {
      disposeParams(original);
      if (importance !== undefined) disposeParams(importance);
      disposeSet(forget);
      if (forgetSeen !== forget) forgetSeen.y.dispose();
      disposeSet(retain);
      disposeSet(test);
      disposeAll(backbone, head);
    },
  };
}

/**
 * Between the evaluation's phases (readouts, attack fit), which do not watch the signal: lets a cancel in (in a
 * training thread it arrives as a message, handled only when the job yields) and stops there if it came.
 */
async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return;
  await new Promise((resolve) => setImmediate(resolve));
  if (signal.aborted) throw new LetheError(ErrorCode.CANCELLED, 'unlearning cancelled', { cause: signal.reason });
}

/** The task's suite: Unlearn-Sparse's for classification, DRU's cohort errors and loss attack for regression. */
async function evaluateModel(net: OpenedJob['ctx']['net'], params: Parameters<typeof evaluateSuite>[1], sets: Parameters<typeof evaluateSuite>[2], seed: number, between: BetweenPhases): Promise<SuiteMetrics> {
  if (net.config.task === 'classification') return evaluateSuite(net, params, sets, between);
  const r = await evaluateRegression(net, params, sets, seed, between);
  return {
    ua: 0,
    ra: 0,
    ta: 0,
    mia: r.mia,
    miaShadowAccuracy: r.miaShadowAccuracy,
    regression: { forgetMae: r.forgetMae, retainMae: r.retainMae, testMae: r.testMae, forgetMse: r.forgetMse, retainMse: r.retainMse, testMse: r.testMse },
  };
}

export async function runUnlearnJob(input: UnlearnJobInput, onProgress?: (p: UnlearnJobProgress) => void, signal?: AbortSignal): Promise<UnlearnJobOutput> {
  const method = findMethod(input.method);
  if (method === undefined) throw new LetheError(ErrorCode.INVALID_ARGUMENT, `unknown unlearning method ${JSON.stringify(input.method)}`);
  checkTask(method, input.config.task);
  if (input.forgetLabelsWithheld === true && method.needsLabels) throw new LetheError(ErrorCode.INVALID_ARGUMENT, `method ${method.name} needs labels; this forget set came without them`);
  const params = parseMethodParams(method, input.params);
  const job = openJob(input, onProgress, signal);
  const { ctx } = job;
  const { net, original } = ctx;
  const { forget, retain, test } = job.sets;
  let unlearned: Record<string, tf.Tensor> | undefined;
  try {
    const started = performance.now();
    const result = await method.run(ctx, params);
    unlearned = result.params;
    const total = (performance.now() - started) / 1000;
    const oneOff = result.oneOffSeconds ?? 0;
    let metrics: SuiteMetrics | null = null;
    let originalMetrics: SuiteMetrics | null = null;
    const evalStarted = performance.now();
    if (input.evaluate) {
      onProgress?.({ fraction: 1, loss: Number.NaN, phase: 'evaluating' });
      const between = (): Promise<void> => checkpoint(signal);
      await between();
      metrics = await evaluateModel(net, unlearned, { forget, retain, test }, input.seed, between);
      await between();
      originalMetrics = await evaluateModel(net, original, { forget, retain, test }, input.seed, between);
    }
    return {
      params: await paramsToWeights(unlearned),
      seconds: total - oneOff,
      oneOffSeconds: oneOff,
      samplePasses: result.samplePasses,
      diagnostics: result.diagnostics,
      metrics,
      originalMetrics,
      evaluationSeconds: (performance.now() - evalStarted) / 1000,
    };
  } finally {
    if (unlearned !== undefined) disposeParams(unlearned);
    job.dispose();
  }
}
