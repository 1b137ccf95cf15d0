import { tf, type Tensor2D } from './tf.js';
import type { ModelConfig } from './model-config.js';
import { adapterFromWeights, backboneFromWeights, disposeAll, forward, headFromWeights, type Adapter } from './model.js';
import type { WeightSet } from './weights.js';

/** One live shard's served model: its adapters (by backbone block) and the head of its deepest active stage. */
export interface ServedShardWeights {
  readonly adapters: readonly { readonly block: number; readonly weights: WeightSet }[];
  readonly head: WeightSet;
}

export interface PredictJobInput {
  readonly config: ModelConfig;
  readonly backbone: WeightSet;
  /** The pretrained head, used only when no shard is live and the run falls back to the backbone. */
  readonly backboneHead: WeightSet;
  readonly shards: readonly ServedShardWeights[];
  readonly x: Float32Array;
  readonly rows: number;
  readonly width: number;
}

export interface PredictJobOutput {
  readonly outputs: Float32Array;
  readonly predictedClasses: Int32Array;
  readonly cols: number;
}

/**
 * The ensemble's forward pass: the mean of the live shards' logits (or the bare backbone when none is live). Pure in
 * its inputs, so it runs in a worker thread and never holds the coordinator's event loop; every tensor it makes is
 * disposed before it returns.
 */
export async function runPredictJob(job: PredictJobInput): Promise<PredictJobOutput> {
  const backbone = backboneFromWeights(job.config, job.backbone);
  const built = job.shards.map((s) => ({
    adapters: new Map<number, Adapter>(s.adapters.map((a) => [a.block, adapterFromWeights(a.weights)])),
    head: headFromWeights(s.head),
  }));
  const fallbackHead = built.length === 0 ? headFromWeights(job.backboneHead) : undefined;
  try {
    const logits = tf.tidy(() => {
      const x = tf.tensor2d(job.x, [job.rows, job.width]);
      if (fallbackHead !== undefined) return forward(job.config, backbone, x, new Map(), fallbackHead);
      const sum = built.map((m) => forward(job.config, backbone, x, m.adapters, m.head)).reduce((a, c) => tf.add<Tensor2D>(a, c));
      return tf.div<Tensor2D>(sum, built.length);
    });
    const argMax = logits.argMax(-1);
    const outputs = Float32Array.from((await logits.data()) as Float32Array);
    const predictedClasses = job.config.task === 'classification' ? Int32Array.from((await argMax.data()) as Int32Array) : new Int32Array(0);
    const cols = logits.shape[1];
    tf.dispose([logits, argMax]);
    return { outputs, predictedClasses, cols };
  } finally {
    disposeAll(backbone, fallbackHead, ...built.flatMap((m) => [m.head, ...m.adapters.values()]));
  }
}
