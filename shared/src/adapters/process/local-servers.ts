import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { LetheError, ErrorCode } from '../../errors/errors.js';

/** A server process this process started; disposing it stops the process and removes a temp data dir. */
export interface LocalServer extends AsyncDisposable {
  readonly name: string;
  /** host:port clients connect to. */
  readonly endpoint: string;
  readonly pid: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const POLL_MS = 100;

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Finds an executable on PATH, then in /usr/sbin and /usr/bin (Debian puts nats-server in /usr/sbin). */
export function findExecutable(name: string, override?: string): string {
  if (override !== undefined && override !== '') return override;
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  const pkg = name === 'etcd' ? 'etcd-server' : name;
  throw new LetheError(ErrorCode.FAILED_PRECONDITION, `${name} not found on PATH or in /usr/sbin, /usr/bin (apt-get install ${pkg})`);
}

async function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
    s.connect(port, host);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function httpOk(url: string, check: (body: string) => boolean = () => true): Promise<boolean> {
  try {
    const res = await fetch(url);
    return res.ok && check(await res.text());
  } catch {
    return false;
  }
}

interface LaunchOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly ownsDataDir: boolean;
  /** Extra readiness check after the port accepts connections. */
  readonly ready: () => Promise<boolean>;
}

async function launch(o: LaunchOptions): Promise<LocalServer> {
  const child = spawn(o.command, [...o.args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });
  const lastLines = (): string => stderr.trim().split('\n').slice(-3).join(' | ');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    if (spawnError !== undefined) {
      throw new LetheError(ErrorCode.UNAVAILABLE, `cannot start ${o.name}: ${spawnError.message}`, { cause: spawnError });
    }
    if (child.exitCode !== null) {
      throw new LetheError(ErrorCode.UNAVAILABLE, `${o.name} exited with code ${child.exitCode} before it was ready: ${lastLines()}`);
    }
    if ((await canConnect(o.host, o.port)) && (await o.ready())) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new LetheError(ErrorCode.DEADLINE_EXCEEDED, `${o.name} was not ready after ${READY_TIMEOUT_MS} ms: ${lastLines()}`);
    }
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited(child);
      clearTimeout(timer);
      if (o.ownsDataDir) rmSync(o.dataDir, { recursive: true, force: true });
    })());
  return { name: o.name, endpoint: `${o.host}:${o.port}`, pid: child.pid ?? -1, dataDir: o.dataDir, stop, [Symbol.asyncDispose]: stop };
}

export interface EtcdServerOptions {
  /** Data directory; a temporary one (removed on stop) when absent. */
  readonly dataDir?: string;
  /**
   * etcd's --max-txn-ops. Lethe works on a stock etcd, so the default is etcd's own: tests and `lethe up` run
   * with production limits. @default 128
   */
  readonly maxTxnOps?: number;
  /** --auto-compaction-retention (hours, or a duration such as '30m'); none when absent. */
  readonly autoCompactionRetention?: string;
  /** --quota-backend-bytes; etcd's default (2 GiB) when absent. */
  readonly quotaBackendBytes?: number;
  readonly binary?: string;
  readonly host?: string;
  /** Client port; a free one when absent. Restarting a member on its data dir needs the same port. */
  readonly port?: number;
  /**
   * TLS on the client port with the server's certificate, and client-certificate authentication: only clients with
   * a certificate the CA signed may connect (--client-cert-auth).
   */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

/**
 * A port found free can be taken by another process before the server binds it (tests run in parallel): a launch
 * that fails with "address already in use" is retried on fresh ports, unless the caller fixed the port.
 */
export async function withFreshPorts(fixedPort: boolean, start: () => Promise<LocalServer>): Promise<LocalServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (fixedPort || attempt >= 5 || !(e instanceof Error) || !/address already in use/i.test(e.message)) throw e;
    }
  }
}

/** Starts a single-member etcd on free loopback ports. */
export function startEtcdServer(options: EtcdServerOptions = {}): Promise<LocalServer> {
  return withFreshPorts(options.port !== undefined, () => startEtcdOnce(options));
}

async function startEtcdOnce(options: EtcdServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const client = options.port ?? (await freePort(host));
  const peer = await freePort(host);
  const metrics = await freePort(host);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lethe-etcd-'));
  const member = `lethe-${client}`;
  const fresh = !existsSync(join(dataDir, 'member-data'));
  const scheme = options.tls === undefined ? 'http' : 'https';
  const tls = options.tls === undefined ? [] : [['--cert-file', options.tls.certFile, '--key-file', options.tls.keyFile, '--trusted-ca-file', options.tls.caFile, '--client-cert-auth']];
  return launch({
    name: 'etcd',
    command: findExecutable('etcd', options.binary ?? process.env['LETHE_ETCD_BIN']),
    args: [
      ['--name', member],
      ['--data-dir', join(dataDir, 'member-data')],
      ['--listen-client-urls', `${scheme}://${host}:${client}`],
      ['--advertise-client-urls', `${scheme}://${host}:${client}`],
      ...tls,
      ['--listen-peer-urls', `http://${host}:${peer}`],
      ['--initial-advertise-peer-urls', `http://${host}:${peer}`],
      ['--initial-cluster', `${member}=http://${host}:${peer}`],
      ['--listen-metrics-urls', `http://${host}:${metrics}`],
      ['--max-txn-ops', String(options.maxTxnOps ?? 128)],
      ...(options.autoCompactionRetention === undefined ? [] : [['--auto-compaction-mode', 'periodic', '--auto-compaction-retention', options.autoCompactionRetention]]),
      ...(options.quotaBackendBytes === undefined ? [] : [['--quota-backend-bytes', String(options.quotaBackendBytes)]]),
      ['--log-level', 'error'],
    ].flat(),
    host,
    port: client,
    dataDir,
    ownsDataDir,
    // The metrics listener serves /health in plaintext, whatever the client port requires.
    ready: () => httpOk(`http://${host}:${metrics}/health`, (body) => body.includes('"health":"true"')),
  }).catch((e: unknown) => {
    // A member that never started leaves nothing to keep: a retry on other ports starts clean.
    if (fresh) rmSync(join(dataDir, 'member-data'), { recursive: true, force: true });
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
}

export interface NatsServerOptions {
  /** JetStream store directory; a temporary one (removed on stop) when absent. */
  readonly storeDir?: string;
  readonly binary?: string;
  readonly host?: string;
  /** Client port; a free one when absent (a restart on the same store needs the same port). */
  readonly port?: number;
  /** TLS on the client port (clients verify the server against the CA; client certificates are not required). */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
  /** The one user allowed to connect; anyone may when absent. */
  readonly user?: { readonly name: string; readonly password: string };
}

/** Starts nats-server with JetStream on free loopback ports. */
export function startNatsServer(options: NatsServerOptions = {}): Promise<LocalServer> {
  return withFreshPorts(options.port !== undefined, () => startNatsOnce(options));
}

async function startNatsOnce(options: NatsServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const monitor = await freePort(host);
  const ownsDataDir = options.storeDir === undefined;
  const dataDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'lethe-nats-'));
  return launch({
    name: 'nats-server',
    command: findExecutable('nats-server', options.binary ?? process.env['LETHE_NATS_BIN']),
    args: ['-a', host, '-p', String(port), '-m', String(monitor), '-js', '-sd', dataDir, ...natsSecurityArgs(options, dataDir)],
    host,
    port,
    dataDir,
    ownsDataDir,
    ready: () => httpOk(`http://${host}:${monitor}/healthz`),
  });
}

/** A config file (mode 0600, in the server's data dir) with TLS and the user: secrets stay off the command line. */
function natsSecurityArgs(o: NatsServerOptions, dataDir: string): string[] {
  if (o.tls === undefined && o.user === undefined) return [];
  const q = (v: string): string => JSON.stringify(v);
  const lines = [
    ...(o.tls === undefined ? [] : [`tls { cert_file: ${q(o.tls.certFile)}, key_file: ${q(o.tls.keyFile)}, ca_file: ${q(o.tls.caFile)} }`]),
    ...(o.user === undefined ? [] : [`authorization { users: [ { user: ${q(o.user.name)}, password: ${q(o.user.password)} } ] }`]),
  ];
  const file = join(dataDir, 'lethe-nats.conf');
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return ['-c', file];
}
