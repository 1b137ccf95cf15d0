import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { isPrincipalName, ROLES, type Role } from '../domain/roles.js';

/**
 * Bearer tokens: "lethe_{id}.{secret}". The id (16 hex digits) finds the record and is not secret; the store and
 * token files keep only SHA-256 of the whole token, so reading etcd or a Secret never yields a usable credential.
 */
export const TOKEN_FORMAT = /^lethe_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
export const TOKEN_ID = /^[0-9a-f]{16}$/;

export const TokenRecordSchema = z
  .object({
    id: z.string().regex(TOKEN_ID),
    subject: z.string().refine(isPrincipalName, 'a name of 1..128 letters, digits, \'.\', \'_\', \'@\', \':\' or \'-\' (a worker pool\'s may end in \'*\')'),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    createTime: z.string().optional(),
    /** ISO time after which the token no longer authenticates; absent: no expiry. */
    expireTime: z.string().optional(),
    createdBy: z.string().max(256).optional(),
  })
  .strict();
export type TokenRecord = z.infer<typeof TokenRecordSchema>;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A fresh token and the record that accepts it (the record holds its hash only). */
export function mintToken(subject: string, roles: readonly Role[], o: { expireTime?: string; createdBy?: string; now?: Date } = {}): { token: string; record: TokenRecord } {
  const id = randomBytes(8).toString('hex');
  const token = `lethe_${id}.${randomBytes(32).toString('base64url')}`;
  const record = TokenRecordSchema.parse({
    id,
    subject,
    roles: [...new Set(roles)],
    sha256: tokenHash(token),
    createTime: (o.now ?? new Date()).toISOString(),
    ...(o.expireTime === undefined ? {} : { expireTime: o.expireTime }),
    ...(o.createdBy === undefined ? {} : { createdBy: o.createdBy }),
  });
  return { token, record };
}

/** Whether `token` is the one `record` was made for, still valid at `now` (constant time in the hash). */
export function tokenMatches(record: TokenRecord, token: string, now: number): boolean {
  const a = Buffer.from(record.sha256, 'hex');
  const b = Buffer.from(tokenHash(token), 'hex');
  if (!timingSafeEqual(a, b)) return false;
  return record.expireTime === undefined || Date.parse(record.expireTime) > now;
}

/** The id part of a well-formed token, or null. */
export function tokenIdOf(token: string): string | null {
  return TOKEN_FORMAT.exec(token)?.[1] ?? null;
}

/**
 * A tokens file (the bootstrap credentials: static, kept in a Secret): JSON lines, one token record each (blank
 * lines and lines starting with '#' skipped). `lethe token mint` writes such lines.
 */
export function parseTokensFile(text: string, file: string): TokenRecord[] {
  const out: TokenRecord[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not a JSON object`);
    }
    const r = TokenRecordSchema.safeParse(parsed);
    if (!r.success) throw new Error(`${file}:${i + 1}: not a token record (${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')})`);
    out.push(r.data);
  });
  return out;
}
