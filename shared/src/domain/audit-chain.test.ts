import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { chainRecord, GENESIS, signHead, verifyAuditLog, type AuditRecord } from './audit-chain.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** A log of n records and its signed head. */
function log(n: number): { records: AuditRecord[]; head: ReturnType<typeof signHead> } {
  const records: AuditRecord[] = [];
  let seq = 0;
  let hash = GENESIS;
  for (let i = 0; i < n; i++) {
    const r = chainRecord({ action: i % 2 === 0 ? 'deletion' : 'run.cancel', subject: `runs/r/deletions/d${i}`, at: `2026-11-27T00:00:0${i}Z`, details: { shards: [i] } }, 100 + i, seq, hash);
    records.push(r);
    seq = r.seq;
    hash = r.hash;
  }
  return { records, head: signHead(seq, hash, privateKey, 'k') };
}

describe('the hash-chained audit log', () => {
  it('verifies an untouched log (and an empty one)', () => {
    const { records, head } = log(5);
    expect(verifyAuditLog(records, head, publicKey)).toEqual({ ok: true, records: 5 });
    expect(verifyAuditLog([], null, publicKey)).toEqual({ ok: true, records: 0 });
  });

  it('detects a changed record', () => {
    const { records, head } = log(5);
    const changed = records.map((r) => (r.seq === 3 ? { ...r, details: { shards: [99] } } : r));
    expect(verifyAuditLog(changed, head, publicKey)).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/changed/) as unknown });
    // Recomputing the changed record's hash does not help: the next record no longer follows it.
    const rehashed = changed.map((r) => (r.seq === 3 ? chainRecord({ action: r.action, subject: r.subject, at: r.at, details: r.details }, r.revision, 2, r.prev) : r));
    expect(verifyAuditLog(rehashed, head, publicKey)).toMatchObject({ ok: false, seq: 4 });
  });

  it('detects a removed record, in the middle or at the end', () => {
    const { records, head } = log(5);
    expect(verifyAuditLog(records.filter((r) => r.seq !== 2), head, publicKey)).toMatchObject({ ok: false, seq: 2 });
    expect(verifyAuditLog(records.slice(0, 4), head, publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/removed from the end/) as unknown });
    // Cutting the end and rewriting the head needs the signing key.
    const cut = records.slice(0, 4);
    const forged = signHead(4, (cut[3] as AuditRecord).hash, generateKeyPairSync('ed25519').privateKey, 'k');
    expect(verifyAuditLog(cut, forged, publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/head signature/) as unknown });
  });

  it('detects reordered records', () => {
    const { records, head } = log(5);
    const [a, b] = [records[1] as AuditRecord, records[2] as AuditRecord];
    const swapped = records.map((r) => (r.seq === 2 ? { ...b, seq: 2 } : r.seq === 3 ? { ...a, seq: 3 } : r));
    expect(verifyAuditLog(swapped, head, publicKey)).toMatchObject({ ok: false, seq: 2 });
  });
});
