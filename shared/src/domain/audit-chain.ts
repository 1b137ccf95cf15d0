import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';

/**
 * The audit log: deletions and administrative actions, each record committing to the one before it (its hash
 * covers the previous record's hash), so changing, removing or reordering any record breaks every hash after it.
 * A head names the last record and is signed with the receipt key, so cutting records off the end is detected too.
 */
export const AUDIT_VERSION = 'lethe.audit.v1';

/** What an action writes, in the same transaction as the action itself (so none is lost). */
export const AuditEventSchema = z.object({
  action: z.string(),
  /** What it acted on: `runs/R`, `runs/R/deletions/D`, `workers/W`. */
  subject: z.string(),
  at: z.string(),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type AuditEvent = z.output<typeof AuditEventSchema>;

export const AuditRecordSchema = AuditEventSchema.extend({
  seq: z.number().int().positive(),
  /** etcd revision of the transaction that performed the action: records are chained in commit order. */
  revision: z.number().int().nonnegative(),
  prev: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.output<typeof AuditRecordSchema>;

export const AuditHeadSchema = z.object({ seq: z.number().int().nonnegative(), hash: z.string(), keyId: z.string(), signature: z.string() });
export type AuditHead = z.output<typeof AuditHeadSchema>;

/** The hash before the first record. */
export const GENESIS = createHash('sha256').update(AUDIT_VERSION).digest('hex');

export function recordHash(r: Omit<AuditRecord, 'hash'>): string {
  const text = canonicalize({ version: AUDIT_VERSION, seq: r.seq, revision: r.revision, action: r.action, subject: r.subject, at: r.at, details: r.details, prev: r.prev });
  if (text === undefined) throw new Error('audit record cannot be encoded');
  return createHash('sha256').update(text).digest('hex');
}

/** The next record of the chain after `prevHash` (seq after `prevSeq`). */
export function chainRecord(e: AuditEvent, revision: number, prevSeq: number, prevHash: string): AuditRecord {
  const body = { ...e, seq: prevSeq + 1, revision, prev: prevHash };
  return { ...body, hash: recordHash(body) };
}

const headPayload = (seq: number, hash: string): Buffer => Buffer.from(`${AUDIT_VERSION}\u0000${seq}\u0000${hash}`, 'utf8');

export function signHead(seq: number, hash: string, privateKey: KeyObject, keyId: string): AuditHead {
  return { seq, hash, keyId, signature: sign(null, headPayload(seq, hash), privateKey).toString('base64') };
}

export type AuditCheck = { readonly ok: true; readonly records: number } | { readonly ok: false; readonly seq: number; readonly reason: string };

/**
 * Checks a log: records numbered 1..n without gaps, each hash right, each committing to the one before, in commit
 * order, and the head naming the last one with a valid signature.
 */
export function verifyAuditLog(records: readonly AuditRecord[], head: AuditHead | null, publicKey: KeyObject): AuditCheck {
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  let prev = GENESIS;
  let revision = 0;
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i] as AuditRecord;
    if (r.seq !== i + 1) return { ok: false, seq: i + 1, reason: `record ${i + 1} is missing (found ${r.seq} next)` };
    if (r.prev !== prev) return { ok: false, seq: r.seq, reason: `record ${r.seq} does not follow record ${r.seq - 1} (removed, reordered or changed)` };
    if (recordHash(r) !== r.hash) return { ok: false, seq: r.seq, reason: `record ${r.seq} was changed after it was written` };
    if (r.revision < revision) return { ok: false, seq: r.seq, reason: `record ${r.seq} is out of commit order` };
    prev = r.hash;
    revision = r.revision;
  }
  const last = sorted.length;
  if (head === null) return last === 0 ? { ok: true, records: 0 } : { ok: false, seq: last, reason: 'the log has records but no head' };
  if (head.seq !== last || head.hash !== prev) return { ok: false, seq: last, reason: `the head names record ${head.seq}, the log ends at ${last}: records were removed from the end or added after it` };
  if (!verify(null, headPayload(head.seq, head.hash), publicKey, Buffer.from(head.signature, 'base64'))) return { ok: false, seq: last, reason: 'the head signature does not match (the head was rewritten)' };
  return { ok: true, records: last };
}
