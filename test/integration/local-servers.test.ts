import { describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { connect, StringCodec } from 'nats';
import { existsSync } from 'node:fs';
import { startEtcdServer, startNatsServer } from '../../shared/src/adapters/process/local-servers.js';

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
});
