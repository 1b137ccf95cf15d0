import { tf, type Variable } from '../tf.js';

/** PyTorch's Adam defaults where the papers' code relies on them (ε = 1e-8, not TF.js's backend epsilon of 1e-7). */
export interface AdamConfig {
  readonly learningRate: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** Adam over a fixed list of variables; `step` takes one step on a loss and returns its value (caller disposes). */
export class Adam {
  private readonly optimizer: tf.AdamOptimizer;
  private readonly list: Variable[];

  constructor(vars: Readonly<Record<string, Variable>>, config: AdamConfig) {
    this.optimizer = tf.train.adam(config.learningRate, config.beta1 ?? 0.9, config.beta2 ?? 0.999, config.epsilon ?? 1e-8);
    this.list = Object.keys(vars)
      .sort()
      .map((k) => vars[k] as Variable);
  }

  step(loss: () => tf.Scalar): tf.Scalar {
    return tf.tidy(() => this.optimizer.minimize(loss, true, this.list) ?? tf.scalar(Number.NaN));
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
