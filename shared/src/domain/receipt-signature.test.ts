import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { keyIdOf, receiptPayload, signReceipt, verifyReceipt, type ReceiptLike } from './receipt-signature.js';

const receipt: ReceiptLike = {
  name: 'runs/r/deletions/d1',
  requestId: 'req-1',
  sampleCount: 2,
  alreadyDeleted: 1,
  revision: '42',
  acknowledgeTime: { seconds: '1700000000', nanos: 5000000 },
  shards: [{ shard: 1, taintedSlices: [0, 2], newlyTaintedSlices: [2] }],
  deactivated: [{ shard: 1, ordering: 0, stage: 2 }],
  serving: [{ shard: 1, live: true, ordering: 1, depth: 1 }],
  retrainingScheduled: [{ shard: 1, ordering: 0, stage: 2 }],
};

describe('receipt signatures (Ed25519 over RFC 8785 canonical JSON)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  it('verifies a signed receipt, as bytes or as base64 (what a saved file holds)', () => {
    const signed = { ...receipt, ...signReceipt(receipt, privateKey) };
    expect(signed.keyId).toBe(keyIdOf(publicKey));
    expect(verifyReceipt(signed, publicKey)).toEqual({ ok: true });
    expect(verifyReceipt({ ...signed, signature: signed.signature.toString('base64') }, publicKey)).toEqual({ ok: true });
  });

  it('encodes canonically: field order and absent defaults do not change the bytes; numbers as the API sends them do not either', () => {
    const reordered: ReceiptLike = JSON.parse(JSON.stringify({ ...receipt, shards: receipt.shards, name: receipt.name })) as ReceiptLike;
    expect(receiptPayload(reordered, 'k').equals(receiptPayload(receipt, 'k'))).toBe(true);
    expect(receiptPayload({ ...receipt, revision: 42 }, 'k').equals(receiptPayload(receipt, 'k'))).toBe(true);
    const empty: ReceiptLike = { name: '', requestId: '', sampleCount: 0, alreadyDeleted: 0, revision: '0', acknowledgeTime: { seconds: '0', nanos: 0 }, shards: [], deactivated: [], serving: [], retrainingScheduled: [] };
    expect(receiptPayload({}, 'k').equals(receiptPayload(empty, 'k'))).toBe(true);
  });

  // Every field the receipt states is covered: changing any one of them breaks the signature.
  const tampered: [string, ReceiptLike][] = [
    ['name', { ...receipt, name: 'runs/r/deletions/d2' }],
    ['requestId', { ...receipt, requestId: 'req-2' }],
    ['sampleCount', { ...receipt, sampleCount: 3 }],
    ['alreadyDeleted', { ...receipt, alreadyDeleted: 0 }],
    ['revision', { ...receipt, revision: '43' }],
    ['acknowledgeTime', { ...receipt, acknowledgeTime: { seconds: '1700000001', nanos: 5000000 } }],
    ['shards.taintedSlices', { ...receipt, shards: [{ shard: 1, taintedSlices: [0], newlyTaintedSlices: [2] }] }],
    ['deactivated removed', { ...receipt, deactivated: [] }],
    ['serving.live', { ...receipt, serving: [{ shard: 1, live: false, ordering: 1, depth: 1 }] }],
    ['retrainingScheduled', { ...receipt, retrainingScheduled: [{ shard: 1, ordering: 0, stage: 3 }] }],
  ];
  it.each(tampered)('rejects a receipt whose %s changed after signing', (_field, changed) => {
    const { signature, keyId } = signReceipt(receipt, privateKey);
    const check = verifyReceipt({ ...changed, signature, keyId }, publicKey);
    expect(check.ok).toBe(false);
  });

  it('rejects another key, a missing signature, and a forged key id', () => {
    const signed = { ...receipt, ...signReceipt(receipt, privateKey) };
    const other = generateKeyPairSync('ed25519');
    expect(verifyReceipt(signed, other.publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/not by/) as unknown });
    expect(verifyReceipt({ ...receipt, keyId: signed.keyId }, publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/no signature/) as unknown });
    const forged = { ...receipt, ...signReceipt(receipt, other.privateKey), keyId: signed.keyId };
    expect(verifyReceipt(forged, publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) as unknown });
  });
});
