import { ErrorCode, LetheError } from '../errors/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { decodeArtifact, type BackboneManifest, type StageManifest } from './artifact-codec.js';
import { ModelConfigSchema, type ModelConfig } from './model-config.js';
import { adapterFromWeights, backboneFromWeights, disposeAll, forward, headFromWeights, type Adapter, type Backbone, type Head } from './model.js';
import type { tf, Tensor2D } from './tf.js';
import type { WeightSet } from './weights.js';

function unprefix(w: WeightSet, prefix: string): WeightSet {
  return Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith(`${prefix}.`)).map(([k, v]) => [k.slice(prefix.length + 1), v]));
}

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
  const chain: { manifest: StageManifest; weights: WeightSet }[] = [];
  let digest: string | null = stageDigest;
  while (digest !== null) {
    const a = decodeArtifact(await store.get(digest));
    if (a.manifest.kind !== 'stage') throw new LetheError(ErrorCode.INVALID_ARGUMENT, `artifact ${digest} is not a stage`);
    chain.unshift({ manifest: a.manifest, weights: a.weights });
    digest = a.manifest.parent;
  }
  const top = chain[chain.length - 1];
  if (top === undefined || chain[0]?.manifest.stage !== 1) throw new LetheError(ErrorCode.INTERNAL, `stage chain of ${stageDigest} does not reach stage 1`);
  const bbArtifact = decodeArtifact(await store.get(top.manifest.backbone));
  const bbManifest = bbArtifact.manifest as BackboneManifest;
  const config = ModelConfigSchema.parse(bbManifest.config);
  const backbone: Backbone = backboneFromWeights(config, bbArtifact.weights);
  const adapters = new Map<number, Adapter>(chain.map((c) => [c.manifest.block, adapterFromWeights(unprefix(c.weights, 'adapter'))]));
  const head: Head = headFromWeights(unprefix(top.weights, 'head'));
  return {
    config,
    chain: chain.map((c) => c.manifest),
    predict: (x) => forward(config, backbone, x, adapters, head),
    dispose: () => {
      disposeAll(backbone, head, ...adapters.values());
    },
  };
}
