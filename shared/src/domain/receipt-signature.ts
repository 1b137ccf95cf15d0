import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * Signed deletion receipts. A receipt is signed with Ed25519 over its canonical encoding: the JSON Canonicalization
 * Scheme (RFC 8785) of the fields below, under a version tag and the signing key's id, so a verifier needs only the
 * receipt as the API returned it (or as `lethe delete --receipt` saved it) and the public key.
 */
export const RECEIPT_SIGNATURE_VERSION = 'lethe.receipt.v1';

interface StageRefLike {
  readonly shard?: number;
  readonly ordering?: number;
  readonly stage?: number;
}

/** A receipt as the API's message carries it (grpc-js output or its JSON), signature fields aside. */
export interface ReceiptLike {
  readonly name?: string;
  readonly requestId?: string;
  readonly sampleCount?: number;
  readonly alreadyDeleted?: number;
  readonly revision?: string | number;
  readonly acknowledgeTime?: { readonly seconds?: string | number; readonly nanos?: number } | null;
  readonly shards?: readonly { readonly shard?: number; readonly taintedSlices?: readonly number[]; readonly newlyTaintedSlices?: readonly number[] }[];
  readonly deactivated?: readonly StageRefLike[];
  readonly serving?: readonly { readonly shard?: number; readonly live?: boolean; readonly ordering?: number; readonly depth?: number }[];
  readonly retrainingScheduled?: readonly StageRefLike[];
}

const stageRef = (s: StageRefLike): { shard: number; ordering: number; stage: number } => ({ shard: s.shard ?? 0, ordering: s.ordering ?? 0, stage: s.stage ?? 0 });

/** Every field, absent ones at their proto default: the proto's own defaults make absent and zero the same. */
function signedFields(r: ReceiptLike): Record<string, unknown> {
  return {
    name: r.name ?? '',
    requestId: r.requestId ?? '',
    sampleCount: r.sampleCount ?? 0,
    alreadyDeleted: r.alreadyDeleted ?? 0,
    revision: String(r.revision ?? '0'),
    acknowledgeTime: { seconds: String(r.acknowledgeTime?.seconds ?? '0'), nanos: r.acknowledgeTime?.nanos ?? 0 },
    shards: (r.shards ?? []).map((s) => ({ shard: s.shard ?? 0, taintedSlices: [...(s.taintedSlices ?? [])], newlyTaintedSlices: [...(s.newlyTaintedSlices ?? [])] })),
    deactivated: (r.deactivated ?? []).map(stageRef),
    serving: (r.serving ?? []).map((s) => ({ shard: s.shard ?? 0, live: s.live ?? false, ordering: s.ordering ?? 0, depth: s.depth ?? 0 })),
    retrainingScheduled: (r.retrainingScheduled ?? []).map(stageRef),
  };
}

/** The bytes a receipt's signature covers. */
export function receiptPayload(r: ReceiptLike, keyId: string): Buffer {
  const text = canonicalize({ version: RECEIPT_SIGNATURE_VERSION, keyId, receipt: signedFields(r) });
  if (text === undefined) throw new Error('receipt cannot be encoded');
  return Buffer.from(text, 'utf8');
}

/** A key's id: the first 16 bytes (hex) of sha256 over its SubjectPublicKeyInfo. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

export function signReceipt(r: ReceiptLike, privateKey: KeyObject): { signature: Buffer; keyId: string } {
  const keyId = keyIdOf(privateKey);
  return { signature: sign(null, receiptPayload(r, keyId), privateKey), keyId };
}

export type ReceiptCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Checks a receipt's signature against a public key (offline: nothing else is needed). */
export function verifyReceipt(r: ReceiptLike & { readonly signature?: Uint8Array | string; readonly keyId?: string }, publicKey: KeyObject): ReceiptCheck {
  const signature = typeof r.signature === 'string' ? Buffer.from(r.signature, 'base64') : Buffer.from(r.signature ?? new Uint8Array(0));
  if (signature.length === 0) return { ok: false, reason: 'the receipt carries no signature' };
  const keyId = keyIdOf(publicKey);
  if ((r.keyId ?? '') !== keyId) return { ok: false, reason: `the receipt was signed by key ${r.keyId ?? '(none)'}, not by ${keyId}` };
  return verify(null, receiptPayload(r, keyId), publicKey, signature) ? { ok: true } : { ok: false, reason: 'the signature does not match the receipt: it was changed after signing, or forged' };
}
