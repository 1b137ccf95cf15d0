import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { Supervisor } from './supervisor.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../shared/src/config/load.js';
import type { Config } from '../../../shared/src/config/schema.js';
import { createLogger, type Logger } from '../../../shared/src/log/logger.js';
import { freePort, startEtcdServer, startNatsServer } from '../../../shared/src/adapters/process/local-servers.js';
import { addressFile, clearAddress, writeAddress } from './address.js';
import { LetheClient } from '../client/lethe-client.js';
import { LocalSecurity } from '../../../shared/src/security/local-security.js';
import { localCredentialsFile } from './cli-common.js';

/** Flags every server command shares; they override the environment and the config file. */
export interface ServerFlags {
  etcd?: string;
  nats?: string;
  artifacts?: string;
  prefix?: string;
  logLevel?: string;
  config?: string;
  backend?: string;
}

export function withServerFlags(cmd: Command): Command {
  return cmd
    .option('--etcd <endpoints>', 'etcd endpoints, comma-separated host:port')
    .option('--nats <servers>', 'NATS servers, comma-separated host:port')
    .option('--artifacts <dir>', 'artifact directory (shared by coordinator and workers)')
    .option('--prefix <prefix>', 'etcd key prefix')
    .option('--backend <name>', 'TF.js backend: auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace, silent')
    .option('--config <file>', 'JSON config file');
}

export function configFrom(flags: ServerFlags, extra: Record<string, unknown> = {}): Config {
  const list = (s: string | undefined): string[] | undefined => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));
  const drop = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const overrides: Record<string, unknown> = drop({
    logLevel: flags.logLevel,
    etcd: flags.etcd === undefined && flags.prefix === undefined ? undefined : drop({ endpoints: list(flags.etcd), prefix: flags.prefix }),
    nats: flags.nats === undefined ? undefined : { servers: list(flags.nats) },
    artifacts: flags.artifacts === undefined ? undefined : { dir: flags.artifacts },
    ...extra,
  });
  if (flags.backend !== undefined) overrides['worker'] = { ...((overrides['worker']) ?? {}), backend: flags.backend };
  return loadConfig({ ...(flags.config === undefined ? {} : { file: flags.config }), flags: overrides });
}

/** Waits for SIGINT/SIGTERM, then runs `close` once; a second signal exits at once. */
export function untilSignal(logger: Logger, close: () => Promise<void>): Promise<void> {
  return new Promise((resolveDone) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) process.exit(130);
      closing = true;
      logger.info({ signal }, 'stopping');
      close().then(resolveDone, (err: unknown) => {
        logger.error({ err }, 'stop failed');
        resolveDone();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

export function coordinatorCommand(): Command {
  return withServerFlags(new Command('coordinator').description('run a coordinator replica (gRPC API, leader election, scheduler, serving)'))
    .option('--listen <host:port>', 'gRPC listen address')
    .option('--advertise <host:port>', 'address workers and followers use to reach this replica')
    .option('--id <id>', 'replica id')
    .action(async (flags: ServerFlags & { listen?: string; advertise?: string; id?: string }) => {
      const config = configFrom(flags, flags.listen === undefined ? {} : { coordinator: { listen: flags.listen } });
      const logger = createLogger({ service: 'coordinator', level: config.logLevel });
      // Loaded here, not at the top: client verbs need none of the coordinator and start faster without it.
      const { startCoordinatorProcess } = await import('../main.js');
      const proc = await startCoordinatorProcess(config, logger, {
        ...(flags.id === undefined ? {} : { id: flags.id }),
        ...(flags.advertise === undefined ? {} : { advertise: flags.advertise }),
      });
      process.stdout.write(`coordinator ${proc.coordinator.id} listening on ${proc.coordinator.address}\n`);
      await untilSignal(logger, () => proc.close());
    });
}

export function workerCommand(): Command {
  return withServerFlags(new Command('worker').description('run a worker node: attaches to the coordinator and trains stages'))
    .option('--coordinator <addresses>', 'coordinator addresses, comma-separated host:port')
    .option('--slots <n>', 'tasks (training threads) at once')
    .option('--batch-capacity <n>', 'stage tasks one slot trains together in one batched computation (1: one at a time)')
    .option('--frozen-cache-mib <n>', 'MiB of frozen-prefix rows kept between stage tasks (0: none; wasm and cpu backends)')
    .option('--id <id>', 'worker id')
    .action(async (flags: ServerFlags & { coordinator?: string; slots?: string; batchCapacity?: string; frozenCacheMib?: string; id?: string }) => {
      const worker: Record<string, unknown> = {};
      if (flags.coordinator !== undefined) worker['coordinator'] = flags.coordinator.split(',')[0];
      if (flags.slots !== undefined) worker['slots'] = flags.slots;
      if (flags.batchCapacity !== undefined) worker['batchCapacity'] = flags.batchCapacity;
      if (flags.frozenCacheMib !== undefined) worker['frozenCacheMiB'] = flags.frozenCacheMib;
      const config = configFrom(flags, Object.keys(worker).length === 0 ? {} : { worker });
      const logger = createLogger({ service: 'worker', level: config.logLevel });
      const { startWorkerProcess } = await import('../../../worker/src/main.js');
      const coordinators = flags.coordinator?.split(',').map((s) => s.trim()) ?? [config.worker.coordinator];
      const proc = await startWorkerProcess(config, logger, { coordinators, ...(flags.id === undefined ? {} : { id: flags.id }) });
      process.stdout.write(`worker ${proc.agent.id} attaching to ${coordinators.join(', ')}\n`);
      await untilSignal(logger, () => proc.close());
    });
}

/** How this CLI was started (node + script, with tsx when running from sources), to spawn its own children. */
function selfCommand(): { command: string; args: string[] } {
  const script = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './lethe.ts' : './lethe.js', import.meta.url));
  return { command: process.execPath, args: script.endsWith('.ts') ? ['--import', 'tsx', script] : [script] };
}

export function upCommand(): Command {
  return new Command('up')
    .description('a local cluster on this machine: etcd, nats-server -js, a coordinator and N workers')
    .option('--workers <n>', 'worker processes', '2')
    .option('--slots <n>', 'training threads per worker', '1')
    .option('--data-dir <dir>', 'where etcd, NATS and artifacts keep their data (a temp dir by default)')
    .option('--log-level <level>', 'log level of the children', 'info')
    .action(async (flags: { workers: string; slots: string; dataDir?: string; logLevel: string }) => {
      const logger = createLogger({ service: 'up', level: 'info' });
      const dir = flags.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'lethe-up-')) : resolve(flags.dataDir);
      for (const sub of ['etcd', 'nats', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
      // Secure by default: a local CA (kept in the data dir) for TLS everywhere. etcd accepts only clients with a
      // certificate of that CA (Lethe's); NATS only its one user over TLS. The servers use the coordinator's
      // certificate (localhost, 127.0.0.1).
      const security = await LocalSecurity.create(join(dir, 'security'));
      const etcdClient = await security.pki.issue('etcd-client', 'lethe');
      const natsPassword = randomBytes(24).toString('base64url');
      const natsPasswordFile = join(dir, 'security', 'nats-password');
      writeFileSync(natsPasswordFile, `${natsPassword}\n`, { mode: 0o600 });
      const serverTls = { caFile: security.pki.caFile, ...security.serverCert };
      // Stock limits (128 ops per transaction), hourly compaction of old revisions, and a 2 GiB quota: what a
      // production etcd runs with, so a local cluster fails where production would.
      const etcd = await startEtcdServer({ dataDir: join(dir, 'etcd'), autoCompactionRetention: '1', quotaBackendBytes: 2 * 1024 ** 3, tls: serverTls });
      const nats = await startNatsServer({ storeDir: join(dir, 'nats'), tls: serverTls, user: { name: 'lethe', password: natsPassword } });
      const port = await freePort();
      const self = selfCommand();
      // --insecure: plaintext gRPC between Lethe's processes (etcd and NATS keep TLS); credentials still required.
      const insecure = process.env['LETHE_INSECURE'] === 'true';
      const admin = await security.mint('admin', ['admin']);
      const env = {
        ...process.env,
        LETHE_ETCD_ENDPOINTS: etcd.endpoint,
        LETHE_ETCD_CA_FILE: security.pki.caFile,
        LETHE_ETCD_CERT_FILE: etcdClient.certFile,
        LETHE_ETCD_KEY_FILE: etcdClient.keyFile,
        LETHE_NATS_SERVERS: nats.endpoint,
        LETHE_NATS_CA_FILE: security.pki.caFile,
        LETHE_NATS_USER: 'lethe',
        LETHE_NATS_PASSWORD_FILE: natsPasswordFile,
        LETHE_ARTIFACTS_DIR: join(dir, 'artifacts'),
        LETHE_LOG_LEVEL: flags.logLevel,
        LETHE_AUTH_TOKENS_FILE: security.tokensFile,
      };
      const supervisor = new Supervisor({ command: self.command, baseArgs: self.args, env, logger, report: (line) => process.stdout.write(`lethe up: ${line}\n`) });
      const address = `127.0.0.1:${port}`;
      const tls = (c: { certFile: string; keyFile: string }): string[] => (insecure ? [] : ['--ca', security.pki.caFile, '--cert', c.certFile, '--key', c.keyFile]);
      supervisor.start('coordinator', [...tls(security.serverCert), 'coordinator', '--listen', address]);
      for (let i = 0; i < Number(flags.workers); i++) {
        const id = `worker-${i}`;
        // A worker proves its id with its certificate; over plaintext, with a worker token.
        const identity = insecure ? ['--token-file', (await security.mint(id, ['worker'])).tokenFile] : tls(await security.workerCert(id));
        supervisor.start(id, [...identity, 'worker', '--coordinator', address, '--slots', flags.slots, '--id', id]);
      }
      // Wait until the coordinator answers.
      const client = new LetheClient(address, { transport: insecure ? { insecure: true } : { tls: { caFile: security.pki.caFile } }, token: admin.token }, 2000);
      for (let i = 0; i < 100; i++) {
        try {
          await client.listWorkers();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      client.close();
      // The client verbs (lethe delete, lethe run ..., lethe job ...) find this cluster without flags.
      writeAddress(address);
      writeFileSync(localCredentialsFile(), `${JSON.stringify({ caFile: security.pki.caFile, tokenFile: admin.tokenFile })}\n`, { mode: 0o600 });
      process.stdout.write(
        [`Lethe is up (Ctrl-C stops everything):`, `  coordinator  ${address}  (written to ${addressFile()}: client verbs use it)`, `  credentials  CA ${security.pki.caFile}, admin token ${admin.tokenFile} (in ${localCredentialsFile()})${insecure ? '; PLAINTEXT (--insecure)' : ''}`, `  etcd         ${etcd.endpoint} (TLS, client certificate ${etcdClient.certFile})`, `  nats         ${nats.endpoint} (TLS, user lethe, password in ${natsPasswordFile})`, `  data         ${dir}`, `  workers      ${flags.workers}`, ''].join('\n'),
      );
      await untilSignal(logger, async () => {
        // Always stop everything: the servers too, even when stopping a child fails.
        try {
          clearAddress(address);
          await supervisor.stop();
        } finally {
          await nats.stop();
          await etcd.stop();
        }
      });
    });
}
