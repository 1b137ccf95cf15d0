import { ErrorCode, LetheError } from '../../errors/errors.js';
import { createRng, shuffleInPlace } from '../../domain/rng.js';
import { tf, type Tensor, type Variable } from '../tf.js';

/** PyTorch's SGD as the papers' code uses it: momentum without dampening, coupled weight decay (wd·θ added to g). */
export interface SgdConfig {
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
}

/**
 * SGD with momentum over named variables, with optional fixed masks: a masked entry gets no gradient, no
 * momentum and no decay, so a pruned weight stays exactly zero through any number of steps (Unlearn-Sparse's
 * OMP keeps its mask applied during unlearning).
 */
export class Sgd {
  private readonly velocity: Record<string, Variable>;
  private readonly names: string[];

  constructor(
    private readonly vars: Readonly<Record<string, Variable>>,
    private readonly config: SgdConfig,
    private readonly masks?: Readonly<Record<string, Tensor>>,
  ) {
    this.names = Object.keys(vars).sort();
    this.velocity = Object.fromEntries(this.names.map((k) => [k, tf.variable(tf.zerosLike(vars[k] as Variable), false)]));
  }

  /** One step on `loss` (a function of the variables); returns the loss value (caller disposes). */
  step(loss: () => tf.Scalar): tf.Scalar {
    return tf.tidy(() => {
      const list = this.names.map((k) => this.vars[k] as Variable);
      const { value, grads } = tf.variableGrads(loss, list);
      const { learningRate: lr, momentum, weightDecay } = this.config;
      for (const k of this.names) {
        const v = this.vars[k] as Variable;
        let g = grads[v.name] ?? tf.zerosLike(v);
        if (weightDecay !== 0) g = tf.add(g, tf.mul(v, weightDecay));
        const mask = this.masks?.[k];
        if (mask !== undefined) g = tf.mul(g, mask);
        const vel = this.velocity[k] as Variable;
        vel.assign(momentum === 0 ? g : tf.add(tf.mul(vel, momentum), g));
        v.assign(tf.sub(v, tf.mul(vel, lr)));
      }
      return tf.keep(value);
    });
  }

  dispose(): void {
    tf.dispose(Object.values(this.velocity));
  }
}

export interface EpochLoopOptions {
  readonly rows: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly seed: number;
  readonly signal?: AbortSignal;
  /** One optimisation step on the batch (int32 row indices) of `epoch`; returns its loss. */
  readonly step: (batch: tf.Tensor1D, epoch: number) => tf.Scalar;
  /** After each epoch; return false to stop early (e.g. a divergence guard). */
  readonly afterEpoch?: (epoch: number, meanLoss: number) => boolean | void;
}

/** Seeded shuffled mini-batch epochs; returns the sample passes made. */
export async function epochLoop(o: EpochLoopOptions): Promise<{ samplePasses: number; epochsRun: number; lastLoss: number }> {
  if (o.rows === 0) return { samplePasses: 0, epochsRun: 0, lastLoss: Number.NaN };
  const rng = createRng(o.seed);
  const order = Array.from({ length: o.rows }, (_, i) => i);
  let samplePasses = 0;
  let lastLoss = Number.NaN;
  let epoch = 0;
  for (; epoch < o.epochs; epoch++) {
    shuffleInPlace(order, rng);
    let sum = tf.scalar(0);
    let batches = 0;
    for (let start = 0; start < o.rows; start += o.batchSize) {
      if (o.signal?.aborted === true) throw new LetheError(ErrorCode.CANCELLED, 'unlearning cancelled', { cause: o.signal.reason });
      const idx = tf.tensor1d(order.slice(start, start + o.batchSize), 'int32');
      const loss = o.step(idx, epoch);
      samplePasses += idx.size;
      idx.dispose();
      const next = tf.add<tf.Scalar>(sum, loss);
      tf.dispose([sum, loss]);
      sum = next;
      batches++;
    }
    lastLoss = ((await sum.data())[0] ?? Number.NaN) / batches;
    sum.dispose();
    // Yield to the event loop once per epoch so a cancel message can land.
    await new Promise((r) => setImmediate(r));
    if (o.afterEpoch?.(epoch, lastLoss) === false) {
      epoch++;
      break;
    }
  }
  return { samplePasses, epochsRun: epoch, lastLoss };
}
