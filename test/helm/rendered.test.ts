import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { freePort, startEtcdServer, startNatsServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { TIMEOUT, blobsRun, eventually } from '../support/cluster.js';
import { LocalSecurity } from '../../shared/src/security/local-security.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'coordinator/src/cli/lethe.ts');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  args: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef: { name: string } }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template?: { spec?: { containers: Container[] } } };
}

/** $(VAR) references as Kubernetes expands them in args and env values. */
const expand = (s: string, vars: Record<string, string>): string => s.replace(/\$\(([A-Z0-9_]+)\)/g, (m, k: string) => vars[k] ?? m);

/**
 * The chart as Kubernetes would run it, on this machine: each rendered container's args and environment (the
 * ConfigMap through envFrom, downward-API fields) are taken from the manifests, and only the cluster's names are
 * mapped to loopback (service DNS names → the local etcd, NATS and coordinator; container ports → free ports).
 */
describe('the rendered chart runs: its commands, flags and variables match the binaries', () => {
  const home = mkdtempSync(join(tmpdir(), 'lethe-rendered-'));
  const children: ChildProcess[] = [];
  const output: string[] = [];
  let etcd: LocalServer;
  let nats: LocalServer;
  let client: LetheClient;
  let metrics = '';

  function start(name: string, c: Container, configMaps: Map<string, Record<string, string>>, rewrite: (s: string) => string): void {
    const vars: Record<string, string> = {};
    for (const ref of c.envFrom ?? []) Object.assign(vars, configMaps.get(ref.configMapRef.name));
    for (const e of c.env ?? []) {
      const field = e.valueFrom?.fieldRef?.fieldPath;
      vars[e.name] = field === 'metadata.name' ? `${name}-0` : field === 'status.podIP' ? '127.0.0.1' : expand(e.value ?? '', vars);
    }
    const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, rewrite(v)]));
    const args = c.args.map((a) => rewrite(expand(a, vars)));
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const i = output.push('') - 1;
    const keep = (b: Buffer): void => void (output[i] = `${output[i] ?? ''}${b.toString()}`.slice(-50_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
  }

  beforeAll(async () => {
    const helm = execFileSync('bash', [join(ROOT, 'deploy/helm/fetch-helm.sh')], { encoding: 'utf8' }).trim();
    // The chart's own Secrets instead of cert-manager (no API server here): their mount paths map to a local PKI.
    const sets = ['coordinator.replicas=1', 'workers.replicas=1', 'workers.slots=1', 'etcd.replicas=1', 'security.certManager.enabled=false', 'security.tls.coordinatorSecret=c-tls', 'security.tls.workerSecret=w-tls', 'security.tokensSecret=tokens', 'security.tls.etcdSecret=e-tls', 'security.tls.natsSecret=n-tls', 'security.tls.backingClientSecret=b-tls', 'security.natsPasswordSecret=n-auth'];
    const r = spawnSync(helm, ['template', 'rel', '.', '--namespace', 'ml', ...sets.flatMap((x) => ['--set', x])], {
      cwd: join(ROOT, 'helm/lethe'),
      env: { ...process.env, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'g'), HELM_DATA_HOME: join(home, 'd') },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const ms = parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest | null).filter((m): m is Manifest => m !== null);
    const configMaps = new Map(ms.filter((m) => m.kind === 'ConfigMap').map((m) => [m.metadata.name, m.data ?? {}]));
    const security = await LocalSecurity.create(join(home, 'security'), { hosts: ['rel-lethe-coordinator.ml.svc'] });
    const admin = await security.mint('chart-admin', ['admin']);
    // The workers' pool certificate, as cert-manager would issue it: CN rel-lethe-worker-*, O worker.
    const pool = await security.pki.issue('worker-pool', 'rel-lethe-worker-*', { roles: ['worker'] });
    // etcd and NATS as the chart runs them: TLS, etcd taking only clients of the CA, NATS only its user.
    const backingServer = await security.pki.issue('backing-server', 'localhost', { hosts: ['localhost', '127.0.0.1'] });
    const backingClient = await security.pki.issue('backing-client', 'lethe');
    const natsPassword = 'chart-nats-password';
    const natsPasswordFile = join(home, 'nats-password');
    writeFileSync(natsPasswordFile, natsPassword);
    [etcd, nats] = [await startEtcdServer({ tls: { caFile: security.pki.caFile, ...backingServer } }), await startNatsServer({ tls: { caFile: security.pki.caFile, ...backingServer }, user: { name: 'lethe', password: natsPassword } })];
    const grpc = await freePort();
    const health = await freePort();
    metrics = `127.0.0.1:${await freePort()}`;
    const workerMetrics = await freePort();
    const names: [string, string][] = [
      ['rel-lethe-etcd-0.rel-lethe-etcd.ml.svc:2379', etcd.endpoint],
      ['rel-lethe-nats.ml.svc:4222', nats.endpoint],
      ['rel-lethe-coordinator.ml.svc:50051', `127.0.0.1:${grpc}`],
      ['/etc/lethe/tls/ca.crt', security.pki.caFile],
      ['/etc/lethe/tls/tls.crt', security.serverCert.certFile],
      ['/etc/lethe/tls/tls.key', security.serverCert.keyFile],
      ['/etc/lethe/worker-tls/ca.crt', security.pki.caFile],
      ['/etc/lethe/worker-tls/tls.crt', pool.certFile],
      ['/etc/lethe/worker-tls/tls.key', pool.keyFile],
      ['/etc/lethe/tokens/tokens.jsonl', security.tokensFile],
      ['/etc/lethe/backing-tls/ca.crt', security.pki.caFile],
      ['/etc/lethe/backing-tls/tls.crt', backingClient.certFile],
      ['/etc/lethe/backing-tls/tls.key', backingClient.keyFile],
      ['/etc/lethe/nats-auth/password', natsPasswordFile],
    ];
    const rewrite = (s: string): string => {
      let out = s;
      for (const [from, to] of names) out = out.split(from).join(to);
      return out.replace(/:50051\b/g, `:${grpc}`).replace(/:50052\b/g, `:${health}`).replace(/0\.0\.0\.0:9464\b/g, metrics).replace(/:9465\b/g, `:${workerMetrics}`);
    };
    const deployment = (name: string): Container => {
      const c = ms.find((m) => m.kind === 'Deployment' && m.metadata.name === name)?.spec?.template?.spec?.containers[0];
      if (c === undefined) throw new Error(`${name} not rendered`);
      return c;
    };
    start('rel-lethe-coordinator', deployment('rel-lethe-coordinator'), configMaps, rewrite);
    await eventually('coordinator serving', TIMEOUT.ready, () => Promise.resolve(output.join('').includes('listening on')));
    start('rel-lethe-worker-cpu', deployment('rel-lethe-worker-cpu'), configMaps, rewrite);
    client = new LetheClient(`127.0.0.1:${grpc}`, { transport: { tls: { caFile: security.pki.caFile } }, token: admin.token });
    await eventually('the worker attached', TIMEOUT.ready, async () => (await client.listWorkers()).workers.some((w) => w.name === 'workers/rel-lethe-worker-cpu-0'));
  }, 120_000);

  afterAll(async () => {
    client.close();
    for (const c of children) c.kill('SIGKILL');
    await nats.stop();
    await etcd.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('creates a run, deletes a sample, predicts, and serves metrics, all as the chart configured them', async () => {
    await client.waitForOperation((await client.createRun(blobsRun('chart-run'))).name, TIMEOUT.training);
    const d = makeBlobs({ samples: 1200, features: 12, classes: 3 });
    const receipt = await client.deleteSamples('chart-del', 'runs/chart-run', [d.ids[d.split.user[0] as number] as string]);
    expect(receipt.sampleCount).toBe(1);
    const p = await client.predict('runs/chart-run', [1, 12], new Float32Array(12), receipt.revision);
    expect(p.predictedClasses).toHaveLength(1);
    // The artifacts went to NATS (the chart's artifacts.kind), and the metrics port is the chart's.
    const text = await (await fetch(`http://${metrics}/metrics`)).text();
    expect(text).toMatch(/lethe_is_leader 1/);
    expect(output.join('')).toMatch(/"worker":"rel-lethe-worker-cpu-0"/);
  });
});
