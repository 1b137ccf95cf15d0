import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { TIMEOUT, blobsRun, eventually } from '../support/cluster.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../coordinator/src/cli/lethe.ts', import.meta.url));
/** Where `lethe up` tells the client verbs its address: a temp file, never the user's home. */
const ADDRESS_FILE = join(mkdtempSync(join(tmpdir(), 'lethe-cli-')), 'coordinator');

/** A client with the CA and admin token `lethe up` wrote beside its address file (as the client verbs use them). */
function upClient(address: string): LetheClient {
  const written = JSON.parse(readFileSync(join(dirname(ADDRESS_FILE), 'credentials.json'), 'utf8')) as { caFile: string; tokenFile: string };
  return new LetheClient(address, { transport: { tls: { caFile: written.caFile } }, token: readFileSync(written.tokenFile, 'utf8').trim() });
}

function lethe(args: string[]): { child: ReturnType<typeof spawn>; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LETHE_ADDRESS_FILE: ADDRESS_FILE } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return { child, output: () => out, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
}

describe('the lethe CLI end to end', () => {
  it('lethe up starts etcd, NATS, a coordinator and workers; a run trains; Ctrl-C stops all of it', async () => {
    const up = lethe(['up', '--workers', '2', '--log-level', 'warn']);
    const address = await eventually('cluster up', TIMEOUT.ready * 2, () => Promise.resolve(/coordinator\s+(\S+:\d+)/.exec(up.output())?.[1]));
    const client = upClient(address);
    try {
      await eventually('two workers', TIMEOUT.ready, async () => (await client.listWorkers()).workers.length >= 2);
      await client.waitForOperation((await client.createRun(blobsRun('up-run'))).name, TIMEOUT.training);
      const receipt = await client.deleteSamples('up-del', 'runs/up-run', ['blob-600']);
      expect(receipt.shards).toHaveLength(1);
      // The operator commands talk to the same cluster.
      const status = lethe(['status', '--run', 'runs/up-run', '--coordinator', address]);
      expect(await status.exit).toBe(0);
      expect(status.output()).toContain('runs/up-run: RUN_STATE_SERVING');
      const where = lethe(['where', '--run', 'runs/up-run', '--id', 'blob-600', '--coordinator', address]);
      expect(await where.exit).toBe(0);
      expect(where.output()).toContain('(deleted)');
      const del = lethe(['delete', '--run', 'runs/up-run', '--coordinator', address, '--request-id', 'cli-del', 'blob-601']);
      expect(await del.exit).toBe(0);
      expect(del.output()).toMatch(/runs\/up-run\/deletions\/\S+: 1 id/);
      // The client verbs find the cluster lethe up started without flags (it wrote its address).
      expect(readFileSync(ADDRESS_FILE, 'utf8').trim()).toBe(address);
      const noFlag = lethe(['delete', '--run', 'runs/up-run', '--request-id', 'cli-del-2', 'blob-604']);
      expect(await noFlag.exit, noFlag.output()).toBe(0);
      const created = lethe(['run', 'create', '--id', 'cli-run', '--dataset', 'blobs', '--shards', '1', '--slices', '1', '--budget', '1', '--task-silence-timeout', '0', '--wait']);
      expect(await created.exit, created.output()).toBe(0);
      expect(created.output()).toMatch(/runs\/cli-run: SERVING/);
      expect(created.output()).toMatch(/^runs\/cli-run 1\/1 stages/m); // its progress, as a plain line when piped
      const list = lethe(['run', 'list']);
      expect(await list.exit).toBe(0);
      expect(list.output()).toMatch(/runs\/up-run.*SERVING/);
      expect(list.output()).toMatch(/runs\/cli-run/);
      const cancelled = lethe(['run', 'cancel', 'runs/cli-run']);
      expect(await cancelled.exit, cancelled.output()).toBe(0);
      const got = lethe(['run', 'get', 'runs/cli-run']);
      expect(await got.exit).toBe(0);
      expect(got.output()).toMatch(/"state":"RUN_STATE_CANCELLED"/);
      expect(got.output()).toMatch(/"taskSilenceTimeoutS":0/);
      const removed = lethe(['run', 'delete', 'runs/cli-run']);
      expect(await removed.exit, removed.output()).toBe(0);
      const after = lethe(['run', 'list']);
      expect(await after.exit).toBe(0);
      expect(after.output()).not.toMatch(/runs\/cli-run/);
      const timeout = lethe(['run', 'timeout', 'runs/up-run', '7200']);
      expect(await timeout.exit, timeout.output()).toBe(0);
      expect(timeout.output()).toContain('runs/up-run: task silence timeout 7200 s');
      expect((await client.getRun('runs/up-run')).spec?.taskSilenceTimeoutS).toBe(7200);
      const clusterTimeout = lethe(['run', 'timeout', 'runs/up-run', 'cluster']);
      expect(await clusterTimeout.exit, clusterTimeout.output()).toBe(0);
      expect(clusterTimeout.output()).toContain("runs/up-run: task silence timeout the coordinator's");
      const retry = lethe(['run', 'retry', 'runs/up-run']);
      expect(await retry.exit, retry.output()).toBe(0);
      expect(retry.output()).toContain('runs/up-run: SERVING (every stage and backbone that was FAILED or backing off has fresh tries)');
      const badTimeout = lethe(['run', 'timeout', 'runs/up-run', '-5']);
      expect(await badTimeout.exit).not.toBe(0);
      expect(badTimeout.output()).toContain('<seconds> must be 0..604800 or cluster, got -5');
      const badCreate = lethe(['run', 'create', '--id', 'bad-timeout', '--dataset', 'blobs', '--shards', '1', '--slices', '1', '--budget', '1', '--task-silence-timeout', '-5']);
      expect(await badCreate.exit).not.toBe(0);
      expect(badCreate.output()).toContain('--task-silence-timeout must be 0..604800, got -5');
      const policy = lethe(['run', 'policy', 'runs/up-run', '--kind', 'eager', '--scope', 'deepest', '--reserve-quiet-ms', '5000']);
      expect(await policy.exit, policy.output()).toBe(0);
      expect(policy.output()).toMatch(/"scope":"RETRAINING_SCOPE_DEEPEST".*"reserveQuietMs":"5000"/);
      const badScope = lethe(['run', 'policy', 'runs/up-run', '--kind', 'eager', '--reserve-quiet-ms', '5000']);
      expect(await badScope.exit).not.toBe(0);
      expect(badScope.output()).toMatch(/reserveQuietMs applies only to scope deepest/);
      const predict = lethe(['predict', '--run', 'runs/up-run', '--values', Array(12).fill('0.5').join(',')]);
      expect(await predict.exit, predict.output()).toBe(0);
      expect(predict.output()).toMatch(/row 0: class \d/);
      const deletions = lethe(['deletions', '--run', 'runs/up-run']);
      expect(await deletions.exit).toBe(0);
      expect(deletions.output()).toMatch(/3 deletion\(s\)/);
      const workers = lethe(['workers', '--json']);
      expect(await workers.exit).toBe(0);
      expect((JSON.parse(workers.output().trim()) as unknown[]).length).toBe(2);
      // Approximate jobs through lethe up's NATS work queue: submit and wait, then get, list, report.
      const job = lethe(['job', 'submit', '--method', 'ssd', '--model', 'runs/up-run', '--forget-ids', 'blob-602,blob-603', '--param', 'alpha=1', '--wait', '--json', '--coordinator', address]);
      expect(await job.exit, job.output()).toBe(0);
      const done = JSON.parse(job.output().trim().split('\n').pop() ?? '{}') as { name: string; state: string; metrics: { unlearningAccuracy: number } };
      expect(done.state).toBe('JOB_STATE_SUCCEEDED');
      const get = lethe(['job', 'get', done.name, '--coordinator', address]);
      expect(await get.exit).toBe(0);
      expect(get.output()).toMatch(/UA \/ RA \/ TA \/ MIA/);
      const report = lethe(['job', 'report', '--coordinator', address]);
      expect(await report.exit).toBe(0);
      expect(report.output()).toMatch(/runs\/up-run 2 ids \S+\s*│\s*ssd/);
      const bad = lethe(['job', 'submit', '--method', 'ssd', '--model', 'runs/up-run', '--forget-class', '0', '--param', 'alpha=-3', '--coordinator', address]);
      expect(await bad.exit).not.toBe(0);
      expect(bad.output()).toMatch(/parameters\.alpha/);
    } finally {
      client.close();
      up.child.kill('SIGINT');
    }
    expect(await up.exit).toBe(0);
    expect(existsSync(ADDRESS_FILE)).toBe(false); // a stopped cluster leaves no address behind
  }, 180_000); // a cluster's start, a run, and some twenty CLI processes one after another (~1.2 s each from sources)

  it('lethe up restarts a child that dies, reports it, and Ctrl-C still stops every process and server', async () => {
    const up = lethe(['up', '--workers', '1', '--log-level', 'warn']);
    const address = await eventually('cluster up', TIMEOUT.ready * 2, () => Promise.resolve(/coordinator\s+(\S+:\d+)/.exec(up.output())?.[1]));
    const etcdAt = /etcd\s+(\S+):(\d+)/.exec(up.output());
    const client = upClient(address);
    try {
      await eventually('worker attached', TIMEOUT.ready, async () => (await client.listWorkers()).workers.some((w) => w.name === 'workers/worker-0' && w.state !== 'WORKER_STATE_LOST'));
      const first = Number(/started worker-0 \(pid (\d+)\)/.exec(up.output())?.[1]);
      expect(first).toBeGreaterThan(0);
      process.kill(first, 'SIGKILL');
      await eventually('death reported', TIMEOUT.ready, () => Promise.resolve(/worker-0 exited \(signal SIGKILL\); restarting in/.test(up.output())));
      const second = await eventually('worker restarted', TIMEOUT.ready, () => Promise.resolve([...up.output().matchAll(/started worker-0 \(pid (\d+)\)/g)].map((m) => Number(m[1])).find((pid) => pid !== first)));
      expect(second).not.toBe(first);
      await eventually('restarted worker attached', TIMEOUT.ready, async () => (await client.listWorkers()).workers.some((w) => w.name === 'workers/worker-0' && w.state !== 'WORKER_STATE_LOST'));
    } finally {
      client.close();
      up.child.kill('SIGINT');
    }
    expect(await up.exit).toBe(0);
    // etcd was stopped too: nothing listens on its port any more.
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(etcdAt?.[2]), etcdAt?.[1] ?? '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    expect(open).toBe(false);
  });

  it('lethe demo --quick --json ends with the summary object', async () => {
    const demo = lethe(['demo', '--quick', '--json', '--deletions', '5']);
    expect(await demo.exit).toBe(0);
    const lines = demo.output().trim().split('\n');
    const last = JSON.parse(lines.filter((l) => l.startsWith('{"accuracyBefore"')).pop() ?? '{}') as Record<string, unknown>;
    for (const key of ['accuracyBefore', 'accuracyAfterDeletions', 'accuracyAfterRetrain', 'deletions', 'deleteP50Ms', 'deleteP99Ms']) expect(typeof last[key]).toBe('number');
    expect(last['deletions']).toBe(5);
    expect(last['accuracyBefore']).toBeGreaterThan(0.6);
    const passes = last['samplePasses'] as { s3t: number; sisa: number; full: number };
    expect(passes.s3t).toBeGreaterThan(0);
    expect(passes.full).toBeGreaterThan(0);
    // Without a terminal (output piped, as in CI or a pod's log) progress comes as plain lines, each phase's last
    // state once, and nothing is drawn after the closing table; nothing logs at error.
    expect(demo.output()).toMatch(/^ train stages\s+(\d+)\/\1 stages$/m);
    expect(demo.output().match(/^ retrain \(background\) 5\/5 deletions retrained$/gm)).toHaveLength(1);
    expect(demo.output()).not.toContain('█');
    expect(demo.output().slice(demo.output().indexOf('What S3T bought'))).not.toMatch(/stages|backbone|deletions retrained/);
    expect(demo.output()).not.toMatch(/"level":50/);
  });
});
