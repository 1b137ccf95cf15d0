import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { NatsEventBus } from '../../shared/src/adapters/nats/nats-event-bus.js';
import { NatsArtifactStore } from '../../shared/src/adapters/nats/nats-artifact-store.js';
import { startEtcdServer, startNatsServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import { LocalPki } from '../../shared/src/security/local-pki.js';
import { put } from '../../shared/src/ports/state-store.js';

/** Settles a promise within `ms`: 'ok', or the error message ('timeout' if it neither resolves nor fails). */
async function attempt(p: Promise<unknown>, ms = 6_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p.then(() => 'ok'), new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    clearTimeout(timer);
  }
}

describe('etcd and NATS as lethe up and the chart run them: TLS and authentication, and Lethe connects with its credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-backing-'));
  let pki: LocalPki;
  let etcd: LocalServer;
  let nats: LocalServer;
  let client: { certFile: string; keyFile: string };
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    pki = await LocalPki.open(join(dir, 'pki'));
    const server = await pki.issue('server', 'localhost', { hosts: ['localhost', '127.0.0.1'] });
    client = await pki.issue('lethe-client', 'lethe');
    etcd = await startEtcdServer({ tls: { caFile: pki.caFile, ...server } });
    nats = await startNatsServer({ tls: { caFile: pki.caFile, ...server }, user: { name: 'lethe', password } });
  });
  afterAll(async () => {
    await nats.stop();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('etcd: a client certificate of the CA reads and writes; no certificate, another CA or plaintext cannot', async () => {
    const good = new EtcdStateStore({ endpoints: [etcd.endpoint], auth: { tls: { caFile: pki.caFile, ...client } }, callTimeoutMs: 3000 });
    await put(good, '/backing/k', 'v');
    expect((await good.get('/backing/k'))?.value).toBe('v');
    await good.close();
    const other = await LocalPki.open(join(dir, 'other'));
    const stranger = await other.issue('stranger', 'lethe');
    const refused = [
      new EtcdStateStore({ endpoints: [etcd.endpoint], auth: { tls: { caFile: pki.caFile } }, callTimeoutMs: 3000 }),
      new EtcdStateStore({ endpoints: [etcd.endpoint], auth: { tls: { caFile: pki.caFile, ...stranger } }, callTimeoutMs: 3000 }),
      new EtcdStateStore({ endpoints: [etcd.endpoint], callTimeoutMs: 3000 }),
    ];
    for (const s of refused) {
      expect(await attempt(s.get('/backing/k'))).not.toBe('ok');
      await s.close();
    }
  });

  it('NATS: TLS and the user connect; a wrong password, no user or plaintext cannot', async () => {
    const tls = { caFile: pki.caFile };
    const bus = await NatsEventBus.connect([nats.endpoint], { tls, user: 'lethe', pass: password });
    await bus.close();
    const store = await NatsArtifactStore.connect([nats.endpoint], { tls, user: 'lethe', pass: password });
    const digest = await store.put(new Uint8Array([1, 2, 3]));
    expect(Array.from((await store.get(digest)) ?? [])).toEqual([1, 2, 3]);
    await store.close();
    expect(await attempt(NatsEventBus.connect([nats.endpoint], { tls, user: 'lethe', pass: 'wrong' }))).toMatch(/authoriz|auth/i);
    expect(await attempt(NatsEventBus.connect([nats.endpoint], { tls }))).toMatch(/authoriz|auth/i);
    expect(await attempt(NatsEventBus.connect([nats.endpoint], { user: 'lethe', pass: password }))).not.toBe('ok');
  });
});
