import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { ErrorCode, LetheError, invalidArgument } from '../../../shared/src/errors/errors.js';
import { isPrincipalName, isRole, ROLES, type Role } from '../../../shared/src/domain/roles.js';
import { MAX_NAME_LENGTH } from '../../../shared/src/domain/names.js';
import { quote, requireBoundedString } from '../../../shared/src/domain/validate.js';
import type { AdminServiceHandlers } from '../../../shared/src/gen/lethe/v1/AdminService.js';
import type { TokenInfo } from '../../../shared/src/gen/lethe/v1/TokenInfo.js';
import { auditPut } from '../audit/audit-log.js';
import { mintToken, TOKEN_ID, TokenRecordSchema, type TokenRecord } from '../../../shared/src/security/tokens.js';
import { timestamp } from './convert.js';
import type { HandlerDeps } from './handlers.js';

/** Longest token lifetime CreateToken grants: a year (rotate long-lived credentials through new tokens). */
export const MAX_TOKEN_TTL_SECONDS = 31_536_000;
const MIN_TOKEN_TTL_SECONDS = 60;
/** Tokens kept in the store at most, so CreateToken cannot grow etcd without bound. */
export const MAX_TOKENS = 10_000;

function tokenInfo(r: TokenRecord): TokenInfo {
  return { name: `tokens/${r.id}`, subject: r.subject, roles: r.roles, createTime: timestamp(r.createTime), expireTime: timestamp(r.expireTime), createdBy: r.createdBy ?? '' };
}

function tokenIdOfName(raw: unknown): string {
  const name = requireBoundedString('name', raw, MAX_NAME_LENGTH, 1);
  const id = name.startsWith('tokens/') ? name.slice('tokens/'.length) : name;
  if (!TOKEN_ID.test(id)) throw invalidArgument(`name must be "tokens/<16 hex digits>", got ${quote(name)}`, { field: 'name' });
  return id;
}

type Unary = <Req, Res>(rpc: string, f: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>) => (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => void;

/** CreateToken, ListTokens, RevokeToken: admin-only (see rpc-policy.ts); each change is audited in its transaction. */
export function tokenAdminHandlers(deps: HandlerDeps, unary: Unary, requireLeader: () => Promise<void>): Pick<AdminServiceHandlers, 'CreateToken' | 'ListTokens' | 'RevokeToken'> {
  const keys = deps.views.keys;
  const stored = (): TokenRecord[] => deps.mirror.keys(keys.tokens()).flatMap((k) => deps.mirror.json(k, (v) => TokenRecordSchema.parse(v))?.value ?? []);
  return {
    CreateToken: unary('CreateToken', async (req: { subject: string; roles: string[]; ttlSeconds: string }, call) => {
      const subject = requireBoundedString('subject', req.subject, 128, 1);
      if (!isPrincipalName(subject)) throw invalidArgument(`subject must be 1..128 letters, digits, '.', '_', '@', ':' or '-' (a worker pool's may end in '*'), got ${quote(subject)}`, { field: 'subject' });
      if (req.roles.length === 0 || req.roles.length > ROLES.length) throw invalidArgument(`roles must list 1..${ROLES.length} of ${ROLES.join(', ')}`, { field: 'roles' });
      const roles: Role[] = req.roles.map((r) => {
        if (!isRole(r)) throw invalidArgument(`unknown role ${quote(r, 40)}; roles are ${ROLES.join(', ')}`, { field: 'roles' });
        return r;
      });
      const ttl = Number(req.ttlSeconds);
      if (!Number.isSafeInteger(ttl) || (ttl !== 0 && (ttl < MIN_TOKEN_TTL_SECONDS || ttl > MAX_TOKEN_TTL_SECONDS))) {
        throw invalidArgument(`ttl_seconds must be 0 (no expiry) or in [${MIN_TOKEN_TTL_SECONDS}, ${MAX_TOKEN_TTL_SECONDS}], got ${req.ttlSeconds}`, { field: 'ttl_seconds' });
      }
      await requireLeader();
      if (deps.mirror.keys(keys.tokens()).length >= MAX_TOKENS) throw new LetheError(ErrorCode.RESOURCE_EXHAUSTED, `the store holds ${MAX_TOKENS} tokens already; revoke unused ones first`);
      const by = deps.callers.of(call).name;
      const { token, record } = mintToken(subject, roles, { createdBy: by, ...(ttl === 0 ? {} : { expireTime: new Date(Date.now() + ttl * 1000).toISOString() }) });
      await deps.writer.write([], [{ key: keys.token(record.id), value: JSON.stringify(record) }, auditPut(keys, 'token.create', `tokens/${record.id}`, { subject, roles, by, ttlSeconds: ttl })]);
      deps.logger.info({ token: record.id, subject, roles, by }, 'token created');
      return { token: tokenInfo(record), secret: token };
    }),
    ListTokens: unary('ListTokens', () => Promise.resolve({ tokens: stored().map(tokenInfo) })),
    RevokeToken: unary('RevokeToken', async (req: { name: string }, call) => {
      const id = tokenIdOfName(req.name);
      await requireLeader();
      const record = deps.mirror.json(keys.token(id), (v) => TokenRecordSchema.parse(v));
      if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `token 'tokens/${id}' not found (tokens from the tokens file are revoked by editing the file)`);
      const by = deps.callers.of(call).name;
      await deps.writer.write([{ key: keys.token(id), target: 'modRevision', op: '==', value: record.modRevision }], [auditPut(keys, 'token.revoke', `tokens/${id}`, { subject: record.value.subject, by })], [keys.token(id)]);
      deps.logger.info({ token: id, by }, 'token revoked');
      return tokenInfo(record.value);
    }),
  };
}
