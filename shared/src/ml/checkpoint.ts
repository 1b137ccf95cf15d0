import { ErrorCode, LetheError } from '../errors/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { StageManifest } from './artifact-codec.js';
import { getBackbone, getStage } from './run-model.js';
import type { StageWeights } from './shard-job.js';
import { ModelConfigSchema, type ModelConfig } from './model-config.js';
import { adapterFromWeights, backboneFromWeights, disposeAll, forward, headFromWeights, type Adapter, type Backbone, type Head } from './model.js';
import type { tf, Tensor2D } from './tf.js';


/** A stage-d checkpoint rebuilt from artifacts alone: backbone + adapters of stages 1..d + head_d. */
export interface CheckpointModel {
  readonly config: ModelConfig;
  readonly chain: readonly StageManifest[];
  predict(x: tf.Tensor): Tensor2D;
  dispose(): void;
}

/**
 * Loads a stage artifact and its ancestors (following `parent` digests) and the backbone they name: the model
 * exactly as it was when that stage was committed, independent of any later training or serving state.
 */
export async function loadCheckpoint(store: ArtifactStore, stageDigest: string): Promise<CheckpointModel> {
  const chain: { manifest: StageManifest; weights: StageWeights }[] = [];
  let digest: string | null = stageDigest;
  while (digest !== null) {
    const stage = await getStage(store, digest);
    chain.unshift(stage);
    digest = stage.manifest.parent;
  }
  const top = chain[chain.length - 1];
  if (top === undefined || chain[0]?.manifest.stage !== 1) throw new LetheError(ErrorCode.INTERNAL, `stage chain of ${stageDigest} does not reach stage 1`);
  const bb = await getBackbone(store, top.manifest.backbone);
  const config = ModelConfigSchema.parse(bb.manifest.config);
  const backbone: Backbone = backboneFromWeights(config, bb.backbone);
  const adapters = new Map<number, Adapter>(chain.map((c) => [c.manifest.block, adapterFromWeights(c.weights.adapter)]));
  const head: Head = headFromWeights(top.weights.head);
  return {
    config,
    chain: chain.map((c) => c.manifest),
    predict: (x) => forward(config, backbone, x, adapters, head),
    dispose: () => {
      disposeAll(backbone, head, ...adapters.values());
    },
  };
}
