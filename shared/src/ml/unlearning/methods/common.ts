import { z } from 'zod';
import { ErrorCode, LetheError } from '../../../errors/errors.js';
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from '../../tf.js';
import { lossOf } from '../../model.js';
import type { LabelledSet } from '../data.js';
import { logitsOf, variablesOf, type Net, type Params } from '../net.js';
import { Sgd, epochLoop, type SgdConfig } from '../sgd.js';
import type { MethodContext } from '../method.js';

/** The SGD knobs the papers' fine-tuning methods share, each with its stated range. */
export const sgdFields = (d: { epochs: number; learningRate: number; momentum?: number; weightDecay?: number }): {
  epochs: z.ZodDefault<z.ZodNumber>;
  learningRate: z.ZodDefault<z.ZodNumber>;
  momentum: z.ZodDefault<z.ZodNumber>;
  weightDecay: z.ZodDefault<z.ZodNumber>;
  batchSize: z.ZodOptional<z.ZodNumber>;
} => ({
  epochs: z.number().int().min(1).max(200).default(d.epochs),
  learningRate: z.number().positive().max(10).default(d.learningRate),
  momentum: z.number().min(0).max(0.999).default(d.momentum ?? 0.9),
  weightDecay: z.number().min(0).max(1).default(d.weightDecay ?? 5e-4),
  /** Mini-batch size; the original's when unset. */
  batchSize: z.number().int().min(1).max(65536).optional(),
});

export interface SgdFields {
  readonly epochs: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly batchSize?: number | undefined;
}

export function sgdConfig(p: SgdFields): SgdConfig {
  return { learningRate: p.learningRate, momentum: p.momentum, weightDecay: p.weightDecay };
}

/** Mean cross-entropy (or the regression loss) of the rows `idx` of a set. */
export function setLoss(net: Net, params: Params, set: LabelledSet, idx: Tensor1D, labels?: Tensor): tf.Scalar {
  return lossOf(net.config, logitsOf(net, params, tf.gather<Tensor2D>(set.h, idx)), labels ?? tf.gather(set.y, idx));
}

/** ∇ of the mean loss over rows start..start+size of a set, flattened in `names` order. */
export function flatGrad(net: Net, vars: Readonly<Record<string, Variable>>, names: readonly string[], set: LabelledSet, start: number, size: number): Tensor {
  return tf.tidy(() => {
    const idx = tf.range(start, start + size, 1, 'int32');
    const { grads } = tf.variableGrads(() => setLoss(net, vars, set, idx), names.map((k) => vars[k] as Variable));
    return tf.concat(names.map((k) => (grads[(vars[k] as Variable).name] as Tensor).reshape([-1])));
  });
}

/**
 * Σ_b g_b·|b| over a whole set, batch-mean gradients weighted by batch size (so divided by n it is exactly the
 * full-batch mean gradient), flattened in `names` order and summed in float64 on the host.
 */
export async function summedGradient(net: Net, vars: Readonly<Record<string, Variable>>, names: readonly string[], set: LabelledSet, batchSize: number, signal?: AbortSignal): Promise<Float64Array> {
  let sum: Float64Array | undefined;
  for (let start = 0; start < set.n; start += batchSize) {
    if (signal?.aborted === true) throw new LetheError(ErrorCode.CANCELLED, 'unlearning cancelled', { cause: signal.reason });
    const size = Math.min(batchSize, set.n - start);
    const g = flatGrad(net, vars, names, set, start, size);
    const data = await g.data();
    g.dispose();
    sum ??= new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) sum[i] = (sum[i] as number) + (data[i] as number) * size;
    // Yield between batches: a cancel message can land during a long pass.
    await new Promise((r) => setImmediate(r));
  }
  return sum ?? new Float64Array(0);
}

/** Copies variables out as plain tensors and disposes them. */
export function release(vars: Record<string, Variable>): Record<string, Tensor> {
  const out = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, tf.clone(v)]));
  tf.dispose(Object.values(vars));
  return out;
}

export interface FineTuneOptions {
  readonly ctx: MethodContext;
  readonly start: Params;
  readonly set: LabelledSet;
  readonly sgd: SgdFields;
  readonly seed: number;
  /** Extra loss term per step (e.g. γ_t‖θ‖₁), as a function of the epoch. */
  readonly extra?: (vars: Params, epoch: number) => tf.Scalar | null;
  /** Negate the data loss (gradient ascent). */
  readonly ascend?: boolean;
  /** Stop when the epoch's mean data loss exceeds this (GA's divergence guard). */
  readonly lossCeiling?: number;
  /** Progress is reported on [from, to] of the method's range. */
  readonly progressRange?: readonly [number, number];
}

/** Plain (or ascending, or regularised) SGD epochs on one set: FT, GA and ℓ1-sparse are this loop. */
export async function fineTune(o: FineTuneOptions): Promise<{ params: Record<string, Tensor>; samplePasses: number; epochsRun: number; lastLoss: number }> {
  const vars = variablesOf(o.start, 'unlearn', o.ctx.masks);
  const opt = new Sgd(vars, sgdConfig(o.sgd), o.ctx.masks);
  const [from, to] = o.progressRange ?? [0, 1];
  try {
    const r = await epochLoop({
      rows: o.set.n,
      batchSize: o.sgd.batchSize ?? o.ctx.recipe.batchSize,
      epochs: o.sgd.epochs,
      seed: o.seed,
      ...(o.ctx.signal === undefined ? {} : { signal: o.ctx.signal }),
      step: (idx, epoch) =>
        opt.step(() => {
          const data = setLoss(o.ctx.net, vars, o.set, idx);
          const signed = o.ascend === true ? tf.neg(data) : data;
          const extra = o.extra?.(vars, epoch) ?? null;
          return (extra === null ? signed : tf.add(signed, extra));
        }),
      afterEpoch: (epoch, loss) => {
        o.ctx.progress(from + ((to - from) * (epoch + 1)) / o.sgd.epochs, loss);
        return o.lossCeiling === undefined || Math.abs(loss) <= o.lossCeiling;
      },
    });
    return { params: release(vars), samplePasses: r.samplePasses, epochsRun: r.epochsRun, lastLoss: r.lastLoss };
  } finally {
    opt.dispose();
    tf.dispose(Object.values(vars).filter((v) => !v.isDisposed));
  }
}
