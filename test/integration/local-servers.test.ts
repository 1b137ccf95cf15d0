import { describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { connect, StringCodec } from 'nats';
import { existsSync } from 'node:fs';
import { startEtcdServer, startNatsServer, withFreshPorts, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local etcd and NATS servers (real binaries on loopback)', () => {
  it('starts etcd on free ports with stock limits (128 ops per transaction), and stops cleanly', async () => {
    const etcd = await startEtcdServer();
    const client = new Etcd3({ hosts: [etcd.endpoint], dialTimeout: 3000 });
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ request_put: { key: Buffer.from(`lethe-test/txn/${i}`), value: Buffer.from(String(i)) } }));
    try {
      await client.put('lethe-test/a').value('1');
      expect(await client.get('lethe-test/a').string()).toBe('1');
      const res = await client.kv.txn({ compare: [], success: ops(128), failure: [] });
      expect(res.succeeded).toBe(true);
      expect(await client.getAll().prefix('lethe-test/txn/').count()).toBe(128);
      await expect(client.kv.txn({ compare: [], success: ops(129), failure: [] })).rejects.toThrow(/too many operations/);
    } finally {
      client.close();
      await etcd.stop();
    }
    expect(alive(etcd.pid)).toBe(false);
    expect(existsSync(etcd.dataDir)).toBe(false);
  });

  it('starts nats-server with JetStream and stops it', async () => {
    await using nats = await startNatsServer();
    const nc = await connect({ servers: nats.endpoint });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'LETHE_TEST', subjects: ['lethe.test.>'] });
      const ack = await nc.jetstream().publish('lethe.test.a', StringCodec().encode('hello'));
      expect(ack.seq).toBe(1);
      expect((await jsm.streams.info('LETHE_TEST')).state.messages).toBe(1);
    } finally {
      await nc.close();
    }
  });

  it('retries a launch on fresh ports when another process took the chosen port first, unless the port was fixed', async () => {
    const inUse = new Error('etcd exited with code 1 before it was ready: bind: address already in use');
    let tries = 0;
    const server = { name: 'x' } as unknown as LocalServer;
    const started = await withFreshPorts(false, () => (++tries < 3 ? Promise.reject(inUse) : Promise.resolve(server)));
    expect(started).toBe(server);
    expect(tries).toBe(3);
    await expect(withFreshPorts(true, () => Promise.reject(inUse))).rejects.toBe(inUse);
    await expect(withFreshPorts(false, () => Promise.reject(new Error('other failure')))).rejects.toThrow('other failure');
  });
});
