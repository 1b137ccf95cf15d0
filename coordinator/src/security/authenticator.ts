import { readFileSync, statSync } from 'node:fs';
import type { Metadata } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import { isPrincipalName, isRole, PRINCIPAL_NAME, type Principal, type Role } from '../../../shared/src/domain/roles.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import { parseTokensFile, tokenIdOf, tokenMatches, type TokenRecord } from '../../../shared/src/security/tokens.js';

export interface JwtOptions {
  /** A JWKS (JSON Web Key Set) file with the issuer's public keys; re-read when it changes. */
  readonly jwksFile: string;
  /** Required `iss`; empty: any. */
  readonly issuer?: string;
  /** Required `aud`; empty: any. */
  readonly audience?: string;
  /** The claim that lists the caller's roles. @default 'roles' */
  readonly rolesClaim?: string;
}

export interface AuthenticatorOptions {
  /** Tokens made through the API, by id (the state mirror). */
  readonly storedToken: (id: string) => TokenRecord | undefined;
  /** Bootstrap tokens (JSON lines of token records); re-read when the file changes. */
  readonly tokensFile?: string;
  readonly jwt?: JwtOptions;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** What the transport proved: the client certificate, when one verified against the CA. */
export interface TransportIdentity {
  readonly sslPeerCertificate?: PeerCertificate | undefined;
}

const unauthenticated = (message: string): LetheError => new LetheError(ErrorCode.UNAUTHENTICATED, message);

/** A file re-read when its modification time changes (checked at most once a second, or 100 ms after a miss). */
class WatchedFile<T> {
  private mtime = -1;
  private checkedAt = 0;
  private value: T;
  constructor(
    private readonly path: string,
    private readonly parse: (text: string) => T,
    private readonly logger: Logger,
  ) {
    this.value = this.load();
  }
  private load(): T {
    this.mtime = statSync(this.path).mtimeMs;
    return this.parse(readFileSync(this.path, 'utf8'));
  }
  /** The contents; `eager` (a lookup missed) re-checks the file after 100 ms instead of a second. */
  get(eager = false): T {
    const now = Date.now();
    if (now - this.checkedAt < (eager ? 100 : 1000)) return this.value;
    this.checkedAt = now;
    try {
      if (statSync(this.path).mtimeMs !== this.mtime) {
        this.value = this.load();
        this.logger.info({ file: this.path }, 'credentials file reloaded');
      }
    } catch (err) {
      // A half-written or removed file keeps the last good contents: a rotation must not lock everyone out.
      this.logger.error({ err, file: this.path }, 'credentials file unreadable; keeping the previous contents');
    }
    return this.value;
  }
}

/**
 * Who is calling: a bearer token (minted by `lethe token mint` into the tokens file, or through CreateToken), a JWT
 * signed by a key of the configured JWKS, or a client certificate that verified against the cluster CA (its CN is
 * the name, its O values the roles, as Kubernetes reads client certificates). A presented token that does not verify
 * is refused even when a certificate would have: a caller is never silently someone else.
 */
export class Authenticator {
  private readonly staticTokens: WatchedFile<Map<string, TokenRecord>> | undefined;
  private readonly jwks: WatchedFile<JWTVerifyGetKey> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: AuthenticatorOptions) {
    this.now = o.now ?? Date.now;
    this.staticTokens = o.tokensFile === undefined || o.tokensFile === '' ? undefined : new WatchedFile(o.tokensFile, (t) => new Map(parseTokensFile(t, o.tokensFile as string).map((r) => [r.id, r])), o.logger);
    this.jwks = o.jwt === undefined ? undefined : new WatchedFile(o.jwt.jwksFile, (t) => createLocalJWKSet(JSON.parse(t) as Parameters<typeof createLocalJWKSet>[0]), o.logger);
  }

  /** The caller, or UNAUTHENTICATED with the reason. */
  async authenticate(metadata: Metadata, transport: TransportIdentity): Promise<Principal> {
    const headers = metadata.get('authorization');
    if (headers.length > 1) throw unauthenticated('more than one authorization header');
    const header = headers[0];
    if (header !== undefined) {
      if (typeof header !== 'string') throw unauthenticated('the authorization header must be text');
      const m = /^Bearer ([\x21-\x7e]{1,8192})$/.exec(header);
      if (m === null) throw unauthenticated('the authorization header must be "Bearer <token>"');
      const credential = m[1] as string;
      return credential.startsWith('lethe_') ? this.token(credential) : this.jwt(credential);
    }
    const cert = transport.sslPeerCertificate;
    if (cert !== undefined) return certificatePrincipal(cert);
    throw unauthenticated('no credentials: send "authorization: Bearer <token>" or connect with a client certificate the cluster CA signed');
  }

  private token(token: string): Principal {
    const id = tokenIdOf(token);
    if (id === null) throw unauthenticated('malformed token');
    // A token just added to the file should work at once: a miss re-checks the file (at most every 100 ms).
    const record = this.staticTokens?.get().get(id) ?? this.o.storedToken(id) ?? this.staticTokens?.get(true).get(id);
    if (record === undefined || !tokenMatches(record, token, this.now())) throw unauthenticated('unknown, revoked or expired token');
    return { name: record.subject, roles: new Set(record.roles), via: 'token' };
  }

  private async jwt(token: string): Promise<Principal> {
    const jwt = this.o.jwt;
    if (this.jwks === undefined || jwt === undefined) throw unauthenticated('not a Lethe token, and no JWKS is configured for JWTs');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.jwks.get(), {
        ...(jwt.issuer === undefined || jwt.issuer === '' ? {} : { issuer: jwt.issuer }),
        ...(jwt.audience === undefined || jwt.audience === '' ? {} : { audience: jwt.audience }),
        currentDate: new Date(this.now()),
      }));
    } catch (e) {
      throw unauthenticated(`JWT refused: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300));
    }
    const sub = payload['sub'];
    if (typeof sub !== 'string' || !PRINCIPAL_NAME.test(sub)) throw unauthenticated('JWT refused: sub must be 1..128 letters, digits, ".", "_", "@", ":" or "-"');
    const claim = payload[jwt.rolesClaim ?? 'roles'];
    const roles = Array.isArray(claim) ? claim.filter((r): r is Role => typeof r === 'string' && isRole(r)) : [];
    return { name: sub, roles: new Set(roles), via: 'jwt' };
  }
}

/** CN is the name, each O a role (unknown O values are ignored: they grant nothing). */
export function certificatePrincipal(cert: PeerCertificate): Principal {
  const cn = cert.subject.CN;
  const name = Array.isArray(cn) ? undefined : cn;
  if (name === undefined || !isPrincipalName(name)) throw unauthenticated('the client certificate needs a subject CN of 1..128 letters, digits, ".", "_", "@", ":" or "-" (a worker pool\'s may end in "*")');
  const o: unknown = cert.subject.O;
  const orgs = Array.isArray(o) ? (o as unknown[]) : o === undefined ? [] : [o];
  return { name, roles: new Set(orgs.filter((r): r is Role => typeof r === 'string' && isRole(r))), via: 'certificate' };
}
