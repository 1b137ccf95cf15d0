import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startEtcdServer, startNatsServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { LocalSecurity } from '../../shared/src/security/local-security.js';
import { beforeEach } from 'vitest';
import { eventually } from './eventually.js';

export { eventually };

const BIN = fileURLToPath(new URL('../../coordinator/src/cli/lethe.ts', import.meta.url));

/** Named timeouts, so a slow machine fails with a clear reason. */
export const TIMEOUT = { ready: 40_000, training: 120_000, takeover: 25_000 } as const;

/** A Lethe process (coordinator or worker) started from the CLI, with its output kept for assertions. */
export interface LetheProcess {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A real cluster on loopback: etcd and nats-server on free ports, coordinators and workers as separate processes
 * running the `lethe` CLI, one artifact directory. Disposing stops everything.
 */
export class TestCluster implements AsyncDisposable {
  readonly dir = mkdtempSync(join(tmpdir(), 'lethe-cluster-'));
  readonly processes: LetheProcess[] = [];
  private constructor(
    readonly etcd: LocalServer,
    readonly nats: LocalServer,
    private readonly artifacts: 'fs' | 'nats',
    /** TLS and credentials, as every deployment has them: the suite runs the secure path. */
    readonly security: LocalSecurity,
    /** An admin token's file and secret, for clients and CLI verbs. */
    readonly admin: { readonly token: string; readonly tokenFile: string },
  ) {}

  /** `artifacts`: a shared directory, or the NATS object store as in a Kubernetes deployment. */
  static async start(options: { artifacts?: 'fs' | 'nats' } = {}): Promise<TestCluster> {
    const [etcd, nats] = [await startEtcdServer(), await startNatsServer()];
    const security = await LocalSecurity.create(mkdtempSync(join(tmpdir(), 'lethe-cluster-security-')));
    return new TestCluster(etcd, nats, options.artifacts ?? 'fs', security, await security.mint('cluster-admin', ['admin']));
  }

  /** A client of the coordinator at `address` with the admin token. */
  client(address: string, timeoutMs?: number): LetheClient {
    return new LetheClient(address, { transport: { tls: { caFile: this.security.pki.caFile } }, token: this.admin.token }, timeoutMs);
  }

  /** Environment of a CLI client verb: the cluster CA and the admin token. */
  clientEnv(): Record<string, string> {
    return { LETHE_TLS_CA_FILE: this.security.pki.caFile, LETHE_AUTH_TOKEN_FILE: this.admin.tokenFile };
  }

  private spawn(name: string, args: string[], env: Record<string, string> = {}): LetheProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      env: {
        ...process.env,
        LETHE_ETCD_ENDPOINTS: this.etcd.endpoint,
        LETHE_NATS_SERVERS: this.nats.endpoint,
        LETHE_ARTIFACTS_DIR: join(this.dir, 'artifacts'),
        LETHE_ARTIFACTS_KIND: this.artifacts,
        LETHE_LOG_LEVEL: 'info',
        LETHE_BACKEND: 'wasm',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (b: Buffer): void => {
      out = (out + b.toString()).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const p: LetheProcess = {
      name,
      child,
      output: () => out,
      kill: async (signal = 'SIGTERM') => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      },
    };
    this.processes.push(p);
    return p;
  }

  async coordinator(name: string, port?: number, env: Record<string, string> = {}): Promise<{ process: LetheProcess; address: string }> {
    const address = `127.0.0.1:${port ?? (await freePort())}`;
    const cert = this.security.serverCert;
    const tls = { LETHE_TLS_CA_FILE: this.security.pki.caFile, LETHE_TLS_CERT_FILE: cert.certFile, LETHE_TLS_KEY_FILE: cert.keyFile, LETHE_AUTH_TOKENS_FILE: this.security.tokensFile };
    const process = this.spawn(name, ['coordinator', '--listen', address, '--id', name], { ...tls, ...env });
    await eventually(`${name} serving`, TIMEOUT.ready, () => Promise.resolve(process.output().includes('listening on')));
    return { process, address };
  }

  /** A worker process whose identity is its certificate (CN = `name`). */
  async worker(name: string, coordinators: string[], env: Record<string, string> = {}): Promise<LetheProcess> {
    const cert = await this.security.workerCert(name);
    const tls = { LETHE_TLS_CA_FILE: this.security.pki.caFile, LETHE_TLS_CERT_FILE: cert.certFile, LETHE_TLS_KEY_FILE: cert.keyFile };
    return this.spawn(name, ['worker', '--coordinator', coordinators.join(','), '--id', name, '--slots', '1'], { ...tls, ...env });
  }

  /** Waits until `count` workers are attached to the coordinator at `address`. */
  async workersAttached(client: LetheClient, count: number): Promise<void> {
    await eventually(`${count} workers attached`, TIMEOUT.ready, async () => (await client.listWorkers()).workers.filter((w) => w.state !== 'WORKER_STATE_LOST').length >= count);
  }

  /** Writes the last `chars` characters (LETHE_TEST_LOG_CHARS) each process printed to stderr: what the cluster did. */
  printLogs(chars = Number(process.env['LETHE_TEST_LOG_CHARS'] ?? 20_000)): void {
    for (const p of this.processes) process.stderr.write(`==== ${p.name} (last ${chars} characters of its output)\n${p.output().slice(-chars)}\n`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGKILL')));
    await this.nats.stop();
    await this.etcd.stop();
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.security.dir, { recursive: true, force: true });
  }
}

/** A small, fast run on the synthetic blobs dataset. */
export function blobsRun(runId: string, over: { samples?: number; features?: number; epochs?: number; hidden?: number } = {}) {
  return {
    requestId: `create-${runId}`,
    runId,
    spec: {
      dataset: { builtin: 'blobs', samples: over.samples ?? 1200, features: over.features ?? 12, classes: 3 },
      model: { hiddenUnits: over.hidden ?? 24 },
      shards: 2,
      slices: 3,
      budget: 3,
      epochs: over.epochs ?? 2,
      pretrainEpochs: 2,
    },
  };
}

/** In a describe block around a TestCluster: a failed (or timed-out) test prints each process's last output. */
export function printLogsOnFailure(cluster: () => TestCluster | undefined): void {
  beforeEach(({ onTestFailed }) => onTestFailed(() => cluster()?.printLogs()));
}
