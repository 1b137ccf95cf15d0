import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Coordinator } from '../coordinator.js';
import { LetheClient } from '../client/lethe-client.js';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { LetheError } from '../../../shared/src/errors/errors.js';
import { channelCredentials } from '../../../shared/src/security/tls.js';
import { testSecurity, type TestSecurity } from '../../../shared/src/testing/test-security.js';
import { UNLIMITED_DELETIONS } from './rate-limiter.js';
import { startInProcessCoordinator, type InProcessCoordinator } from '../../../test/support/in-process.js';

const DEADLINE_MS = 3_000;
/** Statuses a garbage request may end with: every one a typed answer (never UNKNOWN, never a dropped connection). */
const TYPED = new Set<status>([status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND, status.ALREADY_EXISTS, status.FAILED_PRECONDITION, status.PERMISSION_DENIED, status.UNAUTHENTICATED, status.RESOURCE_EXHAUSTED, status.UNIMPLEMENTED, status.ABORTED, status.DEADLINE_EXCEEDED, status.UNAVAILABLE, status.INTERNAL]);

/**
 * The API under bounded fuzzing with authentication on: thousands of calls on loopback with garbage request bytes,
 * adversarial but well-formed requests, and garbage credentials. The coordinator must answer each with a typed
 * status, never crash or stall, and stay within a memory bound.
 */
describe('API fuzzing with authentication on (bounded, loopback)', () => {
  let lethe: InProcessCoordinator;
  let coordinator: Coordinator;
  let sec: TestSecurity;
  let raw: Client;
  let client: LetheClient;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lethe-fuzz-'));
    sec = await testSecurity();
    lethe = await startInProcessCoordinator(new InMemoryStateBackend().client(), {
      prefix: '/fuzz/',
      dataRoots: [dir],
      deletionLimits: UNLIMITED_DELETIONS,
    });
    coordinator = lethe.coordinator;
    client = new LetheClient(coordinator.address, sec.admin, DEADLINE_MS);
    await client.createRun({ requestId: '', runId: 'fuzz', spec: { dataset: { builtin: 'blobs', samples: 300, features: 4, classes: 2 }, shards: 2, slices: 2, budget: 2 } });
    raw = new Client(coordinator.address, channelCredentials(sec.admin.transport));
  });
  afterAll(async () => {
    raw.close();
    client.close();
    await lethe.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function call(path: string, body: Buffer, meta: Metadata): Promise<{ code: status; details: string }> {
    return new Promise((resolve) => {
      raw.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, meta, { deadline: Date.now() + DEADLINE_MS }, (e: ServiceError | null) =>
        resolve(e === null ? { code: status.OK, details: '' } : { code: e.code, details: e.details }),
      );
    });
  }
  const authed = (): Metadata => {
    const m = new Metadata();
    m.set('authorization', `Bearer ${sec.admin.token ?? ''}`);
    return m;
  };

  /** Runs `n` calls made by `make`, 8 at a time; returns the outcomes. */
  async function barrage(n: number, make: (i: number) => Promise<{ code: number; details: string }>): Promise<{ code: number; details: string }[]> {
    const out: { code: number; details: string }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < n) out.push(await make(next++));
      }),
    );
    return out;
  }

  const untyped = (rs: { code: status; details: string }[]): string[] =>
    rs.filter((r) => !TYPED.has(r.code) || (r.code === status.UNAVAILABLE && !/leader/i.test(r.details))).map((r) => `${r.code} ${r.details.slice(0, 120)}`);

  it('garbage request bytes on every unary method, authenticated: typed statuses only, the server keeps serving, memory bounded', async () => {
    const unary = coordinator.servedMethods().filter((m) => m.type === 'unary' && !m.path.includes('Health'));
    expect(unary.length).toBeGreaterThan(20);
    const before = process.memoryUsage().rss;
    const bytes = fc.sample(fc.uint8Array({ maxLength: 2048 }), { numRuns: 1500, seed: 11 });
    const rs = await barrage(bytes.length, (i) => call((unary[i % unary.length] as { path: string }).path, Buffer.from(bytes[i] as Uint8Array), authed()));
    expect(rs).toHaveLength(1500);
    expect(untyped(rs)).toEqual([]);
    // Still serving, promptly.
    const t = Date.now();
    expect((await client.listRuns()).runs.map((r) => r.name)).toContain('runs/fuzz');
    expect(Date.now() - t).toBeLessThan(2_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(400 * 1024 ** 2);
  });

  it('adversarial well-formed requests (huge and odd strings, id floods, specs, shapes): typed refusals, nothing half-written', async () => {
    const odd = fc.oneof(fc.string({ maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 64 }), fc.constantFrom('', '/', '..', 'runs/', 'runs/fuzz/', '\u0000', 'runs/FUZZ', '*', 'tokens/zzzz'), fc.string({ minLength: 5_000, maxLength: 20_000 }));
    const cases = fc.sample(
      fc.oneof(
        fc.record({ kind: fc.constant('delete' as const), run: odd, ids: fc.array(odd, { maxLength: 40 }) }),
        fc.record({ kind: fc.constant('get' as const), name: odd }),
        fc.record({ kind: fc.constant('where' as const), run: odd, id: odd }),
        fc.record({ kind: fc.constant('predict' as const), shape: fc.array(fc.integer({ min: -5, max: 2 ** 31 - 1 }), { maxLength: 5 }), values: fc.array(fc.double(), { maxLength: 16 }) }),
        fc.record({ kind: fc.constant('create' as const), spec: fc.record({ shards: fc.integer(), slices: fc.integer(), budget: fc.integer(), epochs: fc.integer(), dataset: fc.oneof(fc.record({ uri: odd }), fc.record({ builtin: odd, samples: fc.integer() })) }, { requiredKeys: [] }) }),
        fc.record({ kind: fc.constant('token' as const), subject: odd, roles: fc.array(odd, { maxLength: 6 }), ttl: fc.integer() }),
      ),
      { numRuns: 400, seed: 7 },
    );
    const outcomes: string[] = [];
    let i = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (i < cases.length) {
          const c = cases[i++] as (typeof cases)[number];
          const p: Promise<unknown> =
            c.kind === 'delete'
              ? client.deleteSamples('', c.run, c.ids)
              : c.kind === 'get'
                ? client.getRun(c.name)
                : c.kind === 'where'
                  ? client.whereIs(c.run, c.id)
                  : c.kind === 'predict'
                    ? client.predict('runs/fuzz', c.shape, c.values)
                    : c.kind === 'create'
                      ? client.createRun({ requestId: '', runId: 'fuzz-created', spec: c.spec })
                      : client.createToken(c.subject, c.roles, c.ttl);
          outcomes.push(await p.then(() => 'OK', (e: unknown) => (e instanceof LetheError ? e.code : `THROWN ${String(e)}`)));
        }
      }),
    );
    expect(outcomes).toHaveLength(400);
    expect(outcomes.filter((o) => o.startsWith('THROWN') || o === 'INTERNAL')).toEqual([]);
    // The run the fuzzer may have hit is still whole and served.
    expect((await client.getRun('runs/fuzz')).shards).toHaveLength(2);
  });

  it('garbage credentials on every method: UNAUTHENTICATED, never a crash', async () => {
    const methods = coordinator.servedMethods().filter((m) => m.type === 'unary' && !m.path.includes('Health') && !m.path.includes('Reflection'));
    const headers = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
        fc.string({ maxLength: 200 }),
        fc.stringMatching(/^lethe_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/).map((s) => `Bearer ${s}`),
        fc.tuple(fc.base64String({ maxLength: 60 }), fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 90 })).map(([a, b, c]) => `Bearer eyJ${a}.${b}.${c}`),
        fc.constant(`Bearer ${'x'.repeat(8000)}`),
      ),
      { numRuns: 800, seed: 3 },
    );
    const rs = await barrage(headers.length, (i) => {
      const m = new Metadata();
      const h = (headers[i] as string).replace(/[^\x20-\x7e]/g, '');
      m.set('authorization', h);
      return call((methods[i % methods.length] as { path: string }).path, Buffer.alloc(0), m);
    });
    expect(rs).toHaveLength(800);
    expect(rs.filter((r) => ![status.UNAUTHENTICATED].includes(r.code)).map((r) => `${r.code} ${r.details.slice(0, 100)}`)).toEqual([]);
    expect((await client.listRuns()).runs.length).toBeGreaterThan(0);
  });
});
