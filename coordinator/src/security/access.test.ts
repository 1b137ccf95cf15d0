import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Metadata, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Coordinator } from '../coordinator.js';
import { LetheClient } from '../client/lethe-client.js';
import { Keys } from '../state/keys.js';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { InMemoryEventBus } from '../../../shared/src/testing/in-memory-event-bus.js';
import { FsArtifactStore } from '../../../shared/src/adapters/fs/fs-artifact-store.js';
import { createLogger } from '../../../shared/src/log/logger.js';
import { LetheError } from '../../../shared/src/errors/errors.js';
import { granted, ROLES, type Role } from '../../../shared/src/domain/roles.js';
import { channelCredentials, type ClientCredentials } from '../../../shared/src/security/tls.js';
import { LocalPki } from '../../../shared/src/security/local-pki.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';
import { testSecurity, type TestSecurity } from '../../../shared/src/testing/test-security.js';
import { eventually } from '../../../test/support/eventually.js';
import { startInProcessCoordinator, type InProcessCoordinator } from '../../../test/support/in-process.js';
import { RPC_POLICY } from './rpc-policy.js';

type Kind = 'unary' | 'serverStream' | 'clientStream' | 'bidi';

/**
 * Calls `path` with an empty request and returns the status it ends with. Streams that stay open (a handler that
 * accepted the call) count as 'OPEN' after a short wait: a refused call ends at once, before any handler runs.
 */
function probe(address: string, creds: ChannelCredentials, token: string | undefined, path: string, kind: Kind): Promise<number | 'OPEN'> {
  const client = new Client(address, creds);
  const meta = new Metadata();
  if (token !== undefined) meta.set('authorization', `Bearer ${token}`);
  const ser = (): Buffer => Buffer.alloc(0);
  const de = (b: Buffer): Buffer => b;
  const deadline = Date.now() + 5_000;
  return new Promise<number | 'OPEN'>((resolve) => {
    const done = (code: number | 'OPEN'): void => {
      clearTimeout(timer);
      resolve(code);
    };
    let timer: NodeJS.Timeout;
    if (kind === 'unary') {
      client.makeUnaryRequest(path, ser, de, Buffer.alloc(0), meta, { deadline }, (err: ServiceError | null) => done(err === null ? status.OK : err.code));
      timer = setTimeout(() => done('OPEN'), 4_000);
      return;
    }
    const call = kind === 'serverStream' ? client.makeServerStreamRequest(path, ser, de, Buffer.alloc(0), meta, { deadline }) : client.makeBidiStreamRequest(path, ser, de, meta, { deadline });
    call.on('error', (e: ServiceError) => done(e.code));
    call.on('data', () => done('OPEN'));
    call.on('status', (s: { code: number }) => done(s.code));
    if (kind === 'bidi') (call as unknown as { write(b: Buffer): void }).write(Buffer.alloc(0));
    timer = setTimeout(() => done('OPEN'), 700);
  }).finally(() => client.close());
}

const PREFIX = '/access/';

describe('access control: TLS, credentials and a role for every RPC', () => {
  let lethe: InProcessCoordinator;
  let coordinator: Coordinator;
  let sec: TestSecurity;
  let store: StateStore;
  let dir: string;
  const byRole = new Map<Role, ClientCredentials>();
  let jwks: { privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwksFile: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lethe-access-'));
    sec = await testSecurity();
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }));
    jwks = { privateKey, jwksFile };
    const backend = new InMemoryStateBackend();
    store = backend.client();
    lethe = await startInProcessCoordinator(backend.client(), { auth: { ...sec.local.server.auth, jwt: { jwksFile, issuer: 'https://issuer.test', audience: 'lethe' } }, prefix: PREFIX });
    coordinator = lethe.coordinator;
    for (const r of ROLES) byRole.set(r, r === 'worker' ? await sec.worker('access-worker') : await sec.as(r));
  });
  afterAll(async () => {
    await lethe.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every served method has a policy, and every entry of the policy is served', () => {
    const served = coordinator.servedMethods().map((m) => m.path);
    expect(served.length).toBeGreaterThan(25);
    expect(served.filter((p) => !Object.hasOwn(RPC_POLICY, p))).toEqual([]);
    // A stale policy entry would hide a renamed RPC: the table and the server agree both ways (reflection v1alpha
    // is registered only by some versions of the reflection package, so it may be absent).
    expect(Object.keys(RPC_POLICY).filter((p) => !served.includes(p) && !p.includes('v1alpha'))).toEqual([]);
  });

  it('for every RPC: no credential is UNAUTHENTICATED, each role without the grant PERMISSION_DENIED, a granted role passes', async () => {
    const tls = channelCredentials({ tls: { caFile: sec.local.pki.caFile } });
    const rows: string[] = [];
    for (const { path, type } of coordinator.servedMethods()) {
      const policy = RPC_POLICY[path];
      if (policy === 'public') {
        const code = await probe(coordinator.address, tls, undefined, path, type);
        if (code === status.UNAUTHENTICATED || code === status.PERMISSION_DENIED) rows.push(`${path}: public but refused (${code})`);
        continue;
      }
      const anonymous = await probe(coordinator.address, tls, undefined, path, type);
      if (anonymous !== status.UNAUTHENTICATED) rows.push(`${path}: no credential gave ${anonymous}`);
      const garbage = await probe(coordinator.address, tls, 'lethe_0123456789abcdef.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', path, type);
      if (garbage !== status.UNAUTHENTICATED) rows.push(`${path}: a forged token gave ${garbage}`);
      for (const role of ROLES) {
        const creds = byRole.get(role) as ClientCredentials;
        const code = await probe(coordinator.address, channelCredentials(creds.transport), creds.token, path, type);
        const allowed = granted([role]).has(policy as Role);
        if (allowed && (code === status.UNAUTHENTICATED || code === status.PERMISSION_DENIED)) rows.push(`${path}: ${role} should pass, got ${code}`);
        if (!allowed && code !== status.PERMISSION_DENIED) rows.push(`${path}: ${role} should be PERMISSION_DENIED, got ${code}`);
      }
    }
    expect(rows).toEqual([]);
  });

  it('refuses plaintext clients and servers signed by another CA', async () => {
    const plain = new LetheClient(coordinator.address, { transport: { insecure: true }, token: sec.admin.token as string }, 3_000);
    await expect(plain.listRuns()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    plain.close();
    const other = await LocalPki.open(join(dir, 'other-ca'));
    const stranger = new LetheClient(coordinator.address, { transport: { tls: { caFile: other.caFile } }, token: sec.admin.token as string }, 3_000);
    await expect(stranger.listRuns()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    stranger.close();
    // A client certificate from another CA proves nothing: without a token the call is UNAUTHENTICATED.
    const forged = await other.issue('forged', 'test-admin', { roles: ['admin'] });
    const c = new LetheClient(coordinator.address, { transport: { tls: { caFile: sec.local.pki.caFile, ...forged } } }, 3_000);
    const code = await c.listRuns().then(() => 'OK', (e: unknown) => (e instanceof LetheError ? e.code : String(e)));
    c.close();
    expect(['UNAUTHENTICATED', 'UNAVAILABLE']).toContain(code);
  });

  it('verifies the server against a configured name when dialling an address the certificate does not list (a leader by pod IP)', async () => {
    const cert = await sec.local.pki.issue('svc-only', 'lethe-coordinator', { hosts: ['coordinator.lethe.svc'] });
    const other = await Coordinator.start({
      transport: { tls: { caFile: sec.local.pki.caFile, ...cert } },
      auth: sec.local.server.auth,
      store: new InMemoryStateBackend().client(),
      events: new InMemoryEventBus(),
      artifacts: new FsArtifactStore(join(dir, 'artifacts-svc')),
      logger: createLogger({ service: 'test', level: 'silent' }),
      listen: '127.0.0.1:0',
      backend: 'cpu',
    });
    try {
      const byIp = new LetheClient(other.address, sec.admin, 3_000);
      await expect(byIp.listRuns()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      byIp.close();
      const named = new LetheClient(other.address, sec.admin, 5_000, { 'grpc.ssl_target_name_override': 'coordinator.lethe.svc' });
      expect((await named.listRuns()).runs).toEqual([]);
      named.close();
    } finally {
      await other.stop();
    }
  });

  it('a client certificate of the cluster CA authenticates with the roles in its O values', async () => {
    const cert = await sec.local.pki.issue('ops-cert', 'ops@example', { roles: ['operator'] });
    const c = new LetheClient(coordinator.address, { transport: { tls: { caFile: sec.local.pki.caFile, ...cert } } }, 5_000);
    try {
      expect((await c.listRuns()).runs).toBeDefined();
      await expect(c.deleteSamples('r', 'runs/none', ['x'])).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    } finally {
      c.close();
    }
  });

  it('tokens made through the API: the secret is shown once and stored only as a hash; revocation takes effect', async () => {
    const admin = new LetheClient(coordinator.address, sec.admin, 5_000);
    const reader = await sec.as('reader');
    const asReader = new LetheClient(coordinator.address, reader, 5_000);
    try {
      await expect(asReader.createToken('x', ['admin'])).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(admin.createToken('bad name!', ['reader'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(admin.createToken('svc', ['root'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(admin.createToken('svc', [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(admin.createToken('svc', ['reader'], 5)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      const created = await admin.createToken('deletion-service', ['deleter'], 3600);
      expect(created.secret).toMatch(/^lethe_[0-9a-f]{16}\./);
      const name = created.token?.name as string;
      // Only the hash is stored: the secret appears nowhere in the store.
      const stored = (await store.list(new Keys(PREFIX).tokens())).kvs.map((kv) => kv.value).join('\n');
      expect(stored).toContain(name.slice('tokens/'.length));
      expect(stored).not.toContain(created.secret.split('.')[1]);
      const listed = await admin.listTokens();
      expect(listed.tokens.map((t) => [t.name, t.subject, t.roles, t.createdBy])).toContainEqual([name, 'deletion-service', ['deleter'], 'test-admin']);
      expect(JSON.stringify(listed)).not.toContain(created.secret);
      const svc = new LetheClient(coordinator.address, { transport: sec.admin.transport, token: created.secret }, 5_000);
      try {
        await expect(svc.deleteSamples('r1', 'runs/none', ['x'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
        await expect(svc.listRuns()).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
        await admin.revokeToken(name);
        await eventually('revocation applied', 5_000, () => svc.deleteSamples('r2', 'runs/none', ['x']).then(() => false, (e: unknown) => e instanceof LetheError && e.code === 'UNAUTHENTICATED'));
        await expect(admin.revokeToken(name)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      } finally {
        svc.close();
      }
    } finally {
      admin.close();
      asReader.close();
    }
  });

  it('JWTs verify against the configured JWKS: roles from the claim; wrong issuer, audience, key or expiry refused', async () => {
    const sign = (claims: Record<string, unknown>, o: { iss?: string; aud?: string; exp?: number | string; key?: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'] } = {}): Promise<string> =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject('alice@example')
        .setIssuer(o.iss ?? 'https://issuer.test')
        .setAudience(o.aud ?? 'lethe')
        .setIssuedAt()
        .setExpirationTime(o.exp ?? '5m')
        .sign(o.key ?? jwks.privateKey);
    const call = async (token: string, f: (c: LetheClient) => Promise<unknown>): Promise<string> => {
      const c = new LetheClient(coordinator.address, { transport: sec.admin.transport, token }, 5_000);
      try {
        await f(c);
        return 'OK';
      } catch (e) {
        return e instanceof LetheError ? e.code : String(e);
      } finally {
        c.close();
      }
    };
    const reader = await sign({ roles: ['reader'] });
    expect(await call(reader, (c) => c.listRuns())).toBe('OK');
    expect(await call(reader, (c) => c.deleteSamples('j', 'runs/none', ['x']))).toBe('PERMISSION_DENIED');
    expect(await call(await sign({ roles: ['reader'] }, { iss: 'https://evil.test' }), (c) => c.listRuns())).toBe('UNAUTHENTICATED');
    expect(await call(await sign({ roles: ['reader'] }, { aud: 'other' }), (c) => c.listRuns())).toBe('UNAUTHENTICATED');
    expect(await call(await sign({ roles: ['reader'] }, { exp: Math.floor(Date.now() / 1000) - 60 }), (c) => c.listRuns())).toBe('UNAUTHENTICATED');
    const stranger = await generateKeyPair('ES256');
    expect(await call(await sign({ roles: ['admin'] }, { key: stranger.privateKey }), (c) => c.listRuns())).toBe('UNAUTHENTICATED');
    // Unknown roles grant nothing.
    expect(await call(await sign({ roles: ['superuser'] }), (c) => c.listRuns())).toBe('PERMISSION_DENIED');
  });
});
