import type { GradSaveFunc } from '@tensorflow/tfjs';
import { ErrorCode, LetheError } from '../errors/errors.js';
import { createRng, shuffleInPlace, type Rng } from '../domain/rng.js';
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from './tf.js';
import type { ModelConfig } from './model-config.js';
import { initAdapter, type Adapter, type AdapterMap, type Backbone, type Head } from './model.js';
import type { FitResult, TrainProgress } from './training.js';
import { adamStep, gatherRows, registerTaskMatMul, taskLayer, taskMatMul } from './kernels/task-matmul.js';
import { frozenBlock, taskHead, trainedBlock } from './kernels/stage-layers.js';

type Tensor3D = tf.Tensor3D;

/**
 * Batched stage training: k S3T stages that adapt the same backbone block (the same stage number, from any shard
 * or ordering of one run) train in one computation. Their LoRA factors and heads are stacked along a leading task
 * axis; every step runs one batched product per layer for all k tasks and one masked Adam update. Each task keeps
 * its own data, seed, shuffle, step count and Adam state, so its result does not depend on its companions: a task
 * trained in a group of k equals the same task trained in a group of one (tested), the only path a stage takes.
 *
 * Per step each task takes its own next mini-batch (the batch size rows of its own shuffled order); a task whose
 * epoch has fewer batches than another's sits out the remaining steps (padded rows weigh zero and its Adam update
 * is masked, so its moments and step count do not move).
 */

export interface BatchedStageTask {
  /** Input of the trained block for each of the task's training rows (the frozen prefix), rows × hidden. */
  readonly blockInput: Float32Array;
  /**
   * The trained block's frozen product h·W + b of those rows, where the frozen pass already made it (rows ×
   * hidden; Lethe's wasm kernel gives it with the block inputs). Without it the group computes it.
   */
  readonly blockProduct?: Float32Array;
  /** One label (class index or target) per row. */
  readonly labels: Float32Array;
  /** Adapters of the earlier stages of the task's ordering: every block above the trained one. */
  readonly frozenAdapters: AdapterMap;
  /** Head of the previous stage (or the pretrained head); copied, then trained. */
  readonly parentHead: Head;
  readonly seed: number;
  /** Aborting drops this task only: its result is not produced, the others go on. */
  readonly signal?: AbortSignal;
}

export interface BatchedStageInput {
  readonly config: ModelConfig;
  readonly backbone: Backbone;
  /** The backbone block every task's adapter trains on. */
  readonly block: number;
  readonly epochs: number;
  readonly tasks: readonly BatchedStageTask[];
  /** Aborting stops the whole group (CANCELLED). */
  readonly signal?: AbortSignal;
  readonly onEpoch?: (task: number, p: TrainProgress) => void;
  /** TF.js's own matMul gradients (transposed products) instead of explicit transposes: the "before" for benchmarks. */
  readonly plainMatMul?: boolean;
  /**
   * How the per-task products (LoRA factors, frozen blocks, heads) run: 'kernel', Lethe's own WebAssembly kernels
   * (kernels/: each layer's product, bias, relu and residual in one call for all tasks, transposed operands read by
   * stride, no operator set-up; wasm only);
   * 'batched', TF.js's batched product over the task axis (what GPUs want: the fewest dispatches; on wasm it leaves
   * XNNPACK for a slow loop); or 'per-task', one TF.js 2-D product per task (XNNPACK on wasm, with an operator
   * set-up per fresh operand). Each gives a task the same weights whatever its companions.
   * @default 'kernel' on wasm ('per-task' with `plainMatMul`), 'per-task' on cpu, 'batched' elsewhere
   */
  readonly taskProducts?: 'kernel' | 'batched' | 'per-task';
  /**
   * Where each step's rows are gathered. 'device': every row is uploaded once per group and each epoch's row
   * order once per epoch; steps gather on the device (no transfer per step: what a GPU wants; on wasm with the
   * 'kernel' products, Lethe's own gather, a memory copy per row). 'host': each step's rows are copied into a fresh
   * tensor (TF.js's wasm gather is slow).
   * @default 'device', except 'host' on cpu and on wasm without the 'kernel' products
   */
  readonly rowSource?: 'host' | 'device';
  /**
   * Trainable products with TF.js's own gradients (transposed products by flag, only the gradients needed) instead
   * of explicit transposes: fewer kernels where the backend's transposed product is fast (GPUs), slow on wasm.
   * @default false
   */
  readonly autodiffProducts?: boolean;
}

export type BatchedStageOutcome =
  | { readonly ok: true; readonly adapter: Adapter; readonly head: Head; readonly fit: FitResult }
  | { readonly ok: false; readonly cancelled: true };

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/** x·W for a constant W (closed over, not an input): backprop computes dx only, with W's transpose made once. */
function frozenProduct<T extends Tensor>(w: T, wT: T, plain = false): (x: T) => T {
  if (plain) return (x) => tf.matMul(x, w);
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const x = args[0] as T;
    return { value: tf.matMul(x, w), gradFunc: (dy) => [tf.matMul(dy, wT)] };
  });
  return (x) => op(x) as T;
}

/** Products of a [k, n, a] activation with a per-task [k, a, b] matrix, trainable or frozen. */
interface TaskProducts {
  /** `xIsData`: x depends on no parameter, so no gradient flows to it (one product fewer per step). */
  trainable(x: Tensor3D, w: Tensor3D, xIsData: boolean): Tensor3D;
  /** A frozen stacked matrix, prepared once (transposes made ahead). */
  frozen(w: Tensor3D, keep: <T extends Tensor>(t: T) => T): (x: Tensor3D) => Tensor3D;
}

const transposeTasks = (t: Tensor3D): Tensor3D => tf.transpose(t, [0, 2, 1]);

/** Trainable product x·w with explicit-transpose gradients, made by `matmul` (batched or per task). */
function trainableProduct(matmul: (x: Tensor3D, w: Tensor3D) => Tensor3D, x: Tensor3D, w: Tensor3D, xIsData: boolean): Tensor3D {
  if (xIsData) {
    const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
      const [wt, save] = args as [Tensor3D, GradSaveFunc];
      save([wt]);
      return { value: matmul(x, wt), gradFunc: (dy) => [matmul(transposeTasks(x), dy)] };
    });
    return op(w);
  }
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [xt, wt, save] = args as [Tensor3D, Tensor3D, GradSaveFunc];
    save([xt, wt]);
    return {
      value: matmul(xt, wt),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [Tensor3D, Tensor3D];
        return [matmul(dy, transposeTasks(sw)), matmul(transposeTasks(sx), dy)];
      },
    };
  });
  return op(x, w);
}

function batchedProducts(plain: boolean, autodiff: boolean): TaskProducts {
  const matmul = (x: Tensor3D, w: Tensor3D): Tensor3D => tf.matMul(x, w);
  return {
    trainable: (x, w, xIsData) => (plain || autodiff ? tf.matMul(x, w) : trainableProduct(matmul, x, w, xIsData)),
    frozen: (w, keep) => frozenProduct<Tensor3D>(w, keep(transposeTasks(w)), plain),
  };
}

/** The task slices of a stacked tensor. (TF.js's Unpack gradient breaks on a single output, so k = 1 reshapes.) */
function tasksOf(t: Tensor): Tensor2D[] {
  return t.shape[0] === 1 ? [tf.reshape<tf.Rank.R2>(t, [t.shape[1] as number, t.shape[2] as number])] : (tf.unstack(t) as Tensor2D[]);
}

/** One 2-D product per task, stacked: each task's product is the same op whatever k is. */
function perTaskMatMul(x: Tensor3D, w: Tensor3D | readonly Tensor2D[]): Tensor3D {
  const ws = Array.isArray(w) ? (w as readonly Tensor2D[]) : tasksOf(w as Tensor3D);
  return tf.stack(tasksOf(x).map((xj, j) => tf.matMul(xj, ws[j] as Tensor2D))) as Tensor3D;
}

function perTaskProducts(plain: boolean): TaskProducts {
  return {
    trainable: (x, w, xIsData) => (plain ? perTaskMatMul(x, w) : trainableProduct(perTaskMatMul, x, w, xIsData)),
    frozen: (w, keep) => {
      const ws = tasksOf(w).map(keep);
      if (plain) return (x) => perTaskMatMul(x, ws);
      const wTs = tasksOf(keep(transposeTasks(w))).map(keep);
      const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
        const x = args[0] as Tensor3D;
        return { value: perTaskMatMul(x, ws), gradFunc: (dy) => [perTaskMatMul(dy, wTs)] };
      });
      return (x) => op(x);
    },
  };
}

/**
 * A frozen block above the trained one: x + relu(x·W'_j + b), where W'_j = W + scale·A_j·B_j folds task j's frozen
 * adapter into the block's weights once per group. One product per task and step instead of the shared product
 * plus two adapter products (the same function; float rounding differs from the unfolded form).
 */
type FrozenBlock = (x: Tensor3D) => Tensor3D;

function stackOrZeros(parts: readonly (Tensor | undefined)[], shape: number[]): Tensor {
  return tf.stack(parts.map((t) => t ?? tf.zeros(shape)));
}

/**
 * Per-task weighted mean cross-entropy, −Σ_b w_b·log softmax(logits_b)[y_b] with w already divided by the task's
 * row count, with its gradient written out: (softmax − onehot)·w. A handful of kernels instead of the chain rule
 * through log-softmax, sum and mean.
 */
function crossEntropy(logits: Tensor3D, onehot: Tensor, weight: Tensor2D): Tensor1D {
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [z, save] = args as [Tensor3D, GradSaveFunc];
    const logp = tf.logSoftmax(z);
    save([logp]);
    return {
      value: tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(onehot, logp), 2), weight), 1)),
      gradFunc: (dy, saved) => {
        const scaleRows = tf.mul(weight, (dy as Tensor1D).reshape([-1, 1])).expandDims(2);
        return [tf.mul(tf.sub(tf.exp(saved[0] as Tensor3D), onehot), scaleRows)];
      },
    };
  });
  return op(logits) as Tensor1D;
}

/** The rows each task takes at each step of one epoch (host arrays, step-major). */
interface EpochPlan {
  readonly steps: number;
  readonly stepsOf: readonly number[];
  readonly index: Int32Array; // [steps, k·B] rows of the group's concatenated data
  readonly weight: Float32Array; // [steps, k·B] 1 for a real row, 0 for padding
  readonly count: Float32Array; // [steps, k] real rows (≥ 1 so means stay finite)
  readonly active: Float32Array; // [steps, k] 1 when the task takes a step
  readonly bias1: Float32Array; // [steps, k] 1 − β1^t for the task's own step count t
  readonly bias2: Float32Array;
}

/** One step's inputs. */
interface StepInputs {
  readonly h: Tensor3D; // [k, B, H] input of the trained block
  readonly z0: Tensor3D; // [k, B, H] its frozen product h·W + b
  readonly y: Tensor2D; // [k, B]
  readonly w: Tensor2D; // [k, B]
  readonly count: Tensor1D;
  readonly active: Tensor1D;
  readonly bias1: Tensor1D;
  readonly bias2: Tensor1D;
}

interface RowSource {
  /** Called once per epoch; returns the inputs of each step (tensors owned by the caller's tidy). */
  epoch(plan: EpochPlan): { step(s: number): StepInputs; dispose(): void };
  dispose(): void;
}

function concatRows(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type Gather = <T extends Tensor>(x: T, indices: Tensor1D) => T;

/** Every row resident on the device; each epoch's plan uploaded once; steps slice and gather there. */
function deviceRows(Xd: Tensor2D, Z0: Tensor2D, Y: Float32Array, k: number, B: number, H: number, gather: Gather): RowSource {
  const Yd = tf.tensor1d(Y);
  return {
    epoch(plan) {
      const S = plan.steps;
      const index = tf.tensor2d(plan.index, [S, k * B], 'int32');
      const weight = tf.tensor2d(plan.weight, [S, k * B]);
      const perTask = [plan.count, plan.active, plan.bias1, plan.bias2].map((a) => tf.tensor2d(a, [S, k]));
      const row = (t: Tensor2D, s: number): Tensor1D => t.slice([s, 0], [1, -1]).reshape([-1]);
      return {
        step(s) {
          const idx = row(index, s);
          const [count, active, bias1, bias2] = perTask.map((t) => row(t, s)) as [Tensor1D, Tensor1D, Tensor1D, Tensor1D];
          return {
            h: gather(Xd, idx).reshape([k, B, H]),
            z0: gather(Z0, idx).reshape([k, B, H]),
            y: gather(Yd, idx).reshape([k, B]),
            w: row(weight, s).reshape([k, B]),
            count,
            active,
            bias1,
            bias2,
          };
        },
        dispose: () => tf.dispose([index, weight, ...perTask]),
      };
    },
    dispose: () => tf.dispose([Xd, Yd, Z0]),
  };
}

/** Each step's rows copied from host arrays into fresh tensors. */
function hostRows(X: Float32Array, Z0: Float32Array, Y: Float32Array, k: number, B: number, H: number): RowSource {
  return {
    epoch(plan) {
      const h = new Float32Array(k * B * H);
      const z = new Float32Array(k * B * H);
      const y = new Float32Array(k * B);
      const sub = (a: Float32Array, s: number, width: number): Float32Array => a.subarray(s * width, (s + 1) * width);
      return {
        step(s) {
          for (let i = 0; i < k * B; i++) {
            const r = plan.index[s * k * B + i] as number;
            h.set(X.subarray(r * H, (r + 1) * H), i * H);
            z.set(Z0.subarray(r * H, (r + 1) * H), i * H);
            y[i] = Y[r] as number;
          }
          return {
            h: tf.tensor3d(h, [k, B, H]),
            z0: tf.tensor3d(z, [k, B, H]),
            y: tf.tensor2d(y, [k, B]),
            w: tf.tensor2d(sub(plan.weight, s, k * B), [k, B]),
            count: tf.tensor1d(sub(plan.count, s, k)),
            active: tf.tensor1d(sub(plan.active, s, k)),
            bias1: tf.tensor1d(sub(plan.bias1, s, k)),
            bias2: tf.tensor1d(sub(plan.bias2, s, k)),
          };
        },
        dispose: () => undefined,
      };
    },
    dispose: () => undefined,
  };
}

export async function trainStagesBatched(o: BatchedStageInput): Promise<BatchedStageOutcome[]> {
  const { config, backbone, block, tasks } = o;
  const k = tasks.length;
  const H = config.hidden;
  const r = config.loraRank;
  const C = config.outputs;
  const B = config.batchSize;
  const rows = tasks.map((t) => t.labels.length);
  const offsets = rows.map((_, j) => rows.slice(0, j).reduce((a, b) => a + b, 0));
  const total = rows.reduce((a, b) => a + b, 0);
  const classification = config.task === 'classification';
  const backend = tf.getBackend();
  const onCpu = ['wasm', 'cpu'].includes(backend);
  const cancelled = tasks.map((t) => t.signal?.aborted === true);
  const stepsTaken = new Array<number>(k).fill(0);
  const acc1 = new Array<number>(k).fill(1);
  const acc2 = new Array<number>(k).fill(1);
  const rngs: Rng[] = tasks.map((t) => createRng(t.seed));
  const orders = rows.map((n) => Array.from({ length: n }, (_, i) => i));
  const finalLoss = new Array<number>(k).fill(Number.NaN);
  const owned: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    owned.push(t);
    return t;
  };

  // Trainable parameters, stacked: the same initialisation each task would get alone.
  const variable = (name: string, make: () => Tensor): Variable => {
    const init = tf.tidy(make);
    const v = tf.variable(init, true, `batched.${name}.${tf.util.now()}`);
    init.dispose();
    return v;
  };
  const inits = tasks.map((t) => initAdapter(config, t.seed));
  const A = variable('a', () => tf.stack(inits.map((a) => a.a)));
  const Bm = variable('b', () => tf.stack(inits.map((a) => a.b)));
  for (const a of inits) tf.dispose([a.a, a.b]);
  const HW = variable('hw', () => tf.stack(tasks.map((t) => t.parentHead.w)));
  const Hb = variable('hb', () => tf.stack(tasks.map((t) => t.parentHead.b.reshape([1, C]))));
  const params: Variable[] = [A, Bm, HW, Hb];
  // Adam runs on all of a task's parameters as one row of a [k, P] matrix: a few kernels per step, not a few per
  // parameter (what a GPU pays for is the number of dispatches).
  const widths = params.map((p) => p.size / k);
  const P = widths.reduce((a, b) => a + b, 0);
  let moments = { m: tf.zeros<tf.Rank.R2>([k, P]), v: tf.zeros<tf.Rank.R2>([k, P]) };
  let source: RowSource | undefined;

  try {
    if (total > 0) await train();
    return await results();
  } finally {
    source?.dispose();
    tf.dispose([...params, ...owned]);
    tf.dispose([moments.m, moments.v]);
  }

  async function train(): Promise<void> {
    const plain = o.plainMatMul === true;
    const mode = o.taskProducts ?? (backend === 'wasm' && !plain ? 'kernel' : onCpu ? 'per-task' : 'batched');
    if (mode === 'kernel' && (backend !== 'wasm' || plain)) {
      throw new LetheError(ErrorCode.INVALID_ARGUMENT, `taskProducts 'kernel' needs the wasm backend${plain ? ' and its own gradients (not plainMatMul)' : ''}, not ${backend}`);
    }
    if (mode === 'kernel') registerTaskMatMul();
    // The trained block's input is data, so its frozen product h·W_b + b_b is the same at every step: made once.
    const X = concatRows(tasks.map((t) => t.blockInput));
    const Y = concatRows(tasks.map((t) => t.labels));
    const Xd = tf.tensor2d(X, [total, H]);
    const [W, b] = [backbone.blockW[block] as Tensor2D, backbone.blockB[block] as Tensor1D];
    const given = tasks.every((t) => t.blockProduct?.length === t.blockInput.length);
    const Z0 = given
      ? tf.tensor2d(concatRows(tasks.map((t) => t.blockProduct as Float32Array)), [total, H])
      : mode === 'kernel'
        ? tf.tidy(() => taskLayer(Xd.reshape([1, total, H]), W.reshape([1, H, H]), { bias: b }).out.reshape<Tensor2D>([total, H]))
        : tf.tidy(() => tf.add<Tensor2D>(tf.matMul(Xd, W), b));
    // Rows: gathered in the heap by Lethe's kernel, copied from host arrays where only TF.js's slow wasm gather would
    // serve, gathered on the device on GPUs.
    if ((o.rowSource ?? (onCpu && mode !== 'kernel' ? 'host' : 'device')) === 'host') {
      const z0 = (await Z0.data()) as Float32Array;
      tf.dispose([Z0, Xd]);
      source = hostRows(X, z0, Y, k, B, H);
    } else {
      source = deviceRows(Xd, Z0, Y, k, B, H, mode === 'kernel' ? gatherRows : (x, i) => tf.gather(x, i));
    }
    const scale = keep(tf.scalar(config.loraScale));
    const lr = keep(tf.scalar(config.learningRate));
    const [b1, b2, c1, c2, eps, one] = [BETA1, BETA2, 1 - BETA1, 1 - BETA2, EPSILON, 1].map((v) => keep(tf.scalar(v))) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const products = mode === 'per-task' ? perTaskProducts(plain) : batchedProducts(plain, o.autodiffProducts === true);
    const above: FrozenBlock[] = [];
    for (let blk = block + 1; blk < config.blocks; blk++) {
      const folded = keep(
        tf.tidy(() => {
          const fa = stackOrZeros(tasks.map((t) => t.frozenAdapters.get(blk)?.a), [H, r]) as Tensor3D;
          const fb = stackOrZeros(tasks.map((t) => t.frozenAdapters.get(blk)?.b), [r, H]) as Tensor3D;
          const product = mode === 'kernel' ? taskMatMul(fa, fb) : tf.matMul(fa, fb); // wasm's batched matMul is slow
          return tf.add<Tensor3D>(backbone.blockW[blk] as Tensor2D, tf.mul(product, scale));
        }),
      );
      const b = backbone.blockB[blk] as Tensor1D;
      if (mode === 'kernel') {
        above.push(frozenBlock(folded, keep(transposeTasks(folded)), b));
      } else {
        const product = products.frozen(folded, keep);
        above.push((out) => tf.add(out, tf.relu(tf.add(product(out), b))));
      }
    }

    /** Per-task loss; `target` holds what depends on data only (made outside the gradient scope, which frees it). */
    const loss = (x: StepInputs, target: { onehot: Tensor; weight: Tensor2D } | undefined): Tensor1D => {
      const [a, b, hw, hb] = [A, Bm, HW, Hb] as unknown as Tensor3D[] as [Tensor3D, Tensor3D, Tensor3D, Tensor3D];
      let out: Tensor3D;
      if (mode === 'kernel') {
        out = trainedBlock(x.h, x.z0, a, b, config.loraScale);
      } else {
        const lora = tf.mul(products.trainable(products.trainable(x.h, a, true), b, false), scale);
        out = tf.add(x.h, tf.relu(tf.add(x.z0, lora)));
      }
      for (const f of above) out = f(out);
      const logits = mode === 'kernel' ? taskHead(out, hw, hb) : tf.add(products.trainable(out, hw, false), hb); // [k, B, C]
      if (target !== undefined) return crossEntropy(logits as Tensor3D, target.onehot, target.weight);
      let perRow: Tensor;
      {
        const diff = tf.sub(logits.reshape([k, B]), x.y);
        perRow = config.regressionLoss === 'l1' ? tf.abs(diff) : tf.square(diff);
      }
      return tf.div(tf.sum(tf.mul(perRow, x.w), 1), x.count);
    };

    /** Adam on Lethe's kernel: one call for every task's four parameters and their moments. */
    const kernelAdam = (x: StepInputs, grads: tf.NamedTensorMap): { m: Tensor2D; v: Tensor2D } => {
      const { bias1, bias2, active } = x;
      const hyper = { lr: config.learningRate, beta1: BETA1, beta2: BETA2, epsilon: EPSILON };
      const next = adamStep(params, params.map((param) => grads[param.name] as Tensor), moments, { bias1, bias2, active }, hyper);
      params.forEach((param, i) => param.assign(next.params[i] as Tensor));
      return { m: next.m, v: next.v };
    };
    /** Adam in TF.js ops on a task's parameters as one row of a [k, P] matrix: a few kernels, not a few per parameter. */
    const opsAdam = (x: StepInputs, grads: tf.NamedTensorMap): { m: Tensor2D; v: Tensor2D } => {
      const flat = (ts: readonly Tensor[]): Tensor2D => tf.concat(ts.map((t) => t.reshape([k, -1])), 1) as Tensor2D;
      const g = flat(params.map((param) => grads[param.name] as Tensor));
      // Idle tasks keep their parameters and moments bit for bit: v·1 + u·0 = v and v·0 + u·1 = u exactly.
      const on = x.active.reshape([k, 1]);
      const off = tf.sub(one, on);
      const { m, v } = moments;
      const m1 = tf.add(tf.mul(m, b1), tf.mul(g, c1));
      const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), c2));
      const mHat = tf.div(m1, x.bias1.reshape([k, 1]));
      const vHat = tf.div(v1, x.bias2.reshape([k, 1]));
      const step = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), lr);
      const next = tf.sub(flat(params), tf.mul(step, on));
      let at = 0;
      params.forEach((param, i) => {
        const width = widths[i] as number;
        param.assign(next.slice([0, at], [k, width]).reshape(param.shape));
        at += width;
      });
      return { m: tf.add<Tensor2D>(tf.mul(m1, on), tf.mul(m, off)), v: tf.add<Tensor2D>(tf.mul(v1, on), tf.mul(v, off)) };
    };

    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const p = plan();
      if (cancelled.every(Boolean)) break; // nobody left to train for: the remaining epochs would be empty
      const batches = (source).epoch(p);
      let lossSum: Tensor = tf.zeros([k]);
      try {
        for (let s = 0; s < p.steps; s++) {
          if (o.signal?.aborted === true) throw new LetheError(ErrorCode.CANCELLED, 'training cancelled', { cause: o.signal.reason });
          const next = tf.tidy(() => {
            const x = batches.step(s);
            const target = classification ? { onehot: tf.oneHot(tf.cast(x.y, 'int32'), C), weight: tf.div<Tensor2D>(x.w, x.count.reshape([k, 1])) } : undefined;
            let perTask: Tensor1D | undefined;
            const { grads } = tf.variableGrads(() => {
              perTask = tf.keep(loss(x, target)); // padded and idle tasks contribute exactly 0
              return tf.sum(perTask);
            }, params);
            const taskLoss = perTask as Tensor1D;
            const updated = mode === 'kernel' ? kernelAdam(x, grads) : opsAdam(x, grads);
            const sum = tf.add(lossSum, taskLoss);
            taskLoss.dispose();
            return { updated, lossSum: sum };
          });
          tf.dispose([moments.m, moments.v]);
          moments = next.updated;
          lossSum.dispose();
          lossSum = next.lossSum;
          for (let j = 0; j < k; j++) {
            if (cancelled[j] !== true && tasks[j]?.signal?.aborted === true) cancelled[j] = true;
          }
          if (cancelled.every(Boolean)) break; // nobody left to train for
        }
        const sums = await lossSum.data();
        // Let queued messages in (in a training thread, a cancel arrives as one): once per epoch.
        if (o.signal !== undefined || tasks.some((t) => t.signal !== undefined)) await new Promise((resolve) => setImmediate(resolve));
        for (let j = 0; j < k; j++) {
          const steps = p.stepsOf[j] as number;
          if (steps === 0) continue;
          stepsTaken[j] = (stepsTaken[j] as number) + steps;
          finalLoss[j] = (sums[j] as number) / steps;
          if (cancelled[j] !== true) o.onEpoch?.(j, { epoch, fraction: (epoch + 1) / o.epochs, loss: finalLoss[j] as number });
        }
      } finally {
        lossSum.dispose();
        batches.dispose();
      }
    }
  }

  function plan(): EpochPlan {
    tasks.forEach((t, j) => {
      if (t.signal?.aborted === true) cancelled[j] = true;
    });
    const stepsOf = rows.map((n, j) => (cancelled[j] === true ? 0 : Math.ceil(n / B)));
    const steps = Math.max(0, ...stepsOf);
    const index = new Int32Array(steps * k * B);
    const weight = new Float32Array(steps * k * B);
    const count = new Float32Array(steps * k).fill(1);
    const active = new Float32Array(steps * k);
    const bias1 = new Float32Array(steps * k).fill(1);
    const bias2 = new Float32Array(steps * k).fill(1);
    for (let j = 0; j < k; j++) {
      if (stepsOf[j] === 0) continue;
      shuffleInPlace(orders[j] as number[], rngs[j] as Rng);
      const order = orders[j] as number[];
      const n = rows[j] as number;
      const base = offsets[j] as number;
      for (let s = 0; s < (stepsOf[j] as number); s++) {
        const take = Math.min(B, n - s * B);
        for (let i = 0; i < B; i++) {
          const at = (s * k + j) * B + i;
          index[at] = base + (i < take ? (order[s * B + i] as number) : 0);
          weight[at] = i < take ? 1 : 0;
        }
        count[s * k + j] = take;
        active[s * k + j] = 1;
        // Adam's bias corrections in float32, as an optimizer holding β^t in a float32 variable computes them.
        acc1[j] = Math.fround((acc1[j] as number) * BETA1);
        acc2[j] = Math.fround((acc2[j] as number) * BETA2);
        bias1[s * k + j] = Math.fround(1 - (acc1[j] as number));
        bias2[s * k + j] = Math.fround(1 - (acc2[j] as number));
      }
    }
    return { steps, stepsOf, index, weight, count, active, bias1, bias2 };
  }

  /** Each task's weights, from one read of each stacked parameter (not k slices of each: k kernel calls apiece). */
  async function results(): Promise<BatchedStageOutcome[]> {
    const [a, b, hw, hb] = (await Promise.all([A, Bm, HW, Hb].map((t) => t.data()))) as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array];
    const part = (all: Float32Array, j: number, size: number): Float32Array => all.slice(j * size, (j + 1) * size);
    const outcome: BatchedStageOutcome[] = [];
    for (let j = 0; j < k; j++) {
      if (cancelled[j] === true) {
        outcome.push({ ok: false, cancelled: true });
        continue;
      }
      const n = rows[j] as number;
      outcome.push({
        ok: true,
        adapter: { a: tf.tensor2d(part(a, j, H * r), [H, r]), b: tf.tensor2d(part(b, j, r * H), [r, H]) },
        head: { w: tf.tensor2d(part(hw, j, H * C), [H, C]), b: tf.tensor1d(part(hb, j, C)) },
        fit: { samplePasses: n * o.epochs, finalLoss: n === 0 ? Number.NaN : (finalLoss[j] as number), steps: stepsTaken[j] as number },
      });
    }
    return outcome;
  }
}
