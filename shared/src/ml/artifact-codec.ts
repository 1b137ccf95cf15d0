import { ErrorCode, LetheError } from '../errors/errors.js';
import type { WeightSet } from './weights.js';

const MAGIC = 'LETHEAR1';

/** What a stage artifact says about itself: enough to prove which data it saw. */
export interface StageManifest {
  readonly kind: 'stage';
  readonly run: string;
  readonly shard: number;
  /** Orderings (indices into the shard's plan) whose stage `stage` this is: those sharing `prefix`. */
  readonly orderings: readonly number[];
  /** The slices π[0..stage-1] the stage trained on, in order. */
  readonly prefix: readonly number[];
  readonly stage: number;
  readonly block: number;
  readonly slices: readonly { readonly slice: number; readonly generation: number }[];
  /** sha256 of the sorted, newline-joined sample ids it trained on; also the digest of that list's blob. */
  readonly sampleIdsHash: string;
  readonly sampleCount: number;
  /** Digest of the parent stage's artifact, null for stage 1. */
  readonly parent: string | null;
  readonly backbone: string;
  readonly epochs: number;
  readonly seed: number;
}

export interface BackboneManifest {
  readonly kind: 'backbone';
  readonly dataset: string;
  /** The model configuration, as JSON. */
  readonly config: unknown;
  readonly publicIdsHash: string;
  readonly publicCount: number;
  readonly epochs: number;
  readonly seed: number;
}

/**
 * A whole model's trainable part (every adapter block and the head) over a backbone: a run's original model, or
 * the result of an approximate unlearning job. Its training ids are stored as a list blob, like a stage's.
 */
export interface ModelManifest {
  readonly kind: 'model';
  readonly role: 'original' | 'unlearned';
  readonly run: string;
  /** The run's specification (dataset, model), as JSON. */
  readonly runSpecJson: string;
  readonly backbone: string;
  /** sha256 of the sorted ids of the data it was trained on (for an unlearned model: the retain set). */
  readonly sampleIdsHash: string;
  readonly sampleCount: number;
  /** The model it was unlearned from, the job and the method (unlearned models only). */
  readonly parent: string | null;
  readonly job: string | null;
  readonly method: string | null;
  /** Batch size of SSD's precomputed I_D stored with it (tensors `importance.<param>`), or null. */
  readonly importanceBatchSize?: number | null;
}

export type ArtifactManifest = StageManifest | BackboneManifest | ModelManifest;

export interface Artifact<M extends ArtifactManifest = ArtifactManifest> {
  readonly manifest: M;
  readonly weights: WeightSet;
}

interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly length: number;
}

/**
 * Serialises an artifact: magic, u32 header length, JSON header (manifest + tensor table), float32 data
 * aligned to 4 bytes. Tensors are written in name order, so equal contents give equal bytes and equal digests.
 */
export function encodeArtifact(a: Artifact): Uint8Array {
  const names = Object.keys(a.weights).sort();
  let offset = 0;
  const tensors: TensorEntry[] = names.map((name) => {
    const w = a.weights[name] as { shape: readonly number[]; data: Float32Array };
    const e = { name, shape: [...w.shape], offset, length: w.data.length };
    offset += w.data.length;
    return e;
  });
  const header = new TextEncoder().encode(JSON.stringify({ version: 1, manifest: a.manifest, tensors }));
  const dataStart = Math.ceil((8 + 4 + header.length) / 4) * 4;
  const out = new Uint8Array(dataStart + offset * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  const floats = new Float32Array(out.buffer, dataStart, offset);
  tensors.forEach((t) => floats.set((a.weights[t.name] as { data: Float32Array }).data, t.offset));
  return out;
}

export function decodeArtifact(bytes: Uint8Array): Artifact {
  const corrupt = (why: string): LetheError => new LetheError(ErrorCode.INTERNAL, `artifact is not decodable: ${why}`);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw corrupt('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw corrupt('truncated header');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as {
    version: number;
    manifest: ArtifactManifest;
    tensors: TensorEntry[];
  };
  if (header.version !== 1) throw corrupt(`unknown version ${header.version}`);
  const dataStart = Math.ceil((12 + headerLength) / 4) * 4;
  // A real copy at offset 0 (Buffer.slice would return an unaligned view into a pooled buffer).
  const copy = Uint8Array.from(bytes.subarray(dataStart));
  const floats = new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  const weights: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const t of header.tensors) {
    if (t.offset + t.length > floats.length) throw corrupt(`tensor ${t.name} out of range`);
    weights[t.name] = { shape: [...t.shape], data: floats.slice(t.offset, t.offset + t.length) };
  }
  return { manifest: header.manifest, weights };
}

/** The blob listing a training set's ids; its sha256 equals the manifest's sampleIdsHash. */
export function encodeSampleList(ids: readonly string[]): Uint8Array {
  return new TextEncoder().encode([...ids].sort().join('\n'));
}

export function decodeSampleList(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  return text === '' ? [] : text.split('\n');
}
