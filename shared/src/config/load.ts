import { readFileSync } from 'node:fs';
import { invalidArgument, LetheError, ErrorCode } from '../errors/errors.js';
import { ConfigSchema, type Config } from './schema.js';

type Json = Record<string, unknown>;

/** Environment variables and the config path each one sets. Lists are comma-separated. */
export const ENV_BINDINGS: Readonly<Record<string, { readonly path: readonly string[]; readonly list?: true }>> = {
  LETHE_LOG_LEVEL: { path: ['logLevel'] },
  LETHE_ETCD_ENDPOINTS: { path: ['etcd', 'endpoints'], list: true },
  LETHE_ETCD_PREFIX: { path: ['etcd', 'prefix'] },
  LETHE_NATS_SERVERS: { path: ['nats', 'servers'], list: true },
  LETHE_ETCD_CA_FILE: { path: ['etcd', 'tls', 'caFile'] },
  LETHE_ETCD_CERT_FILE: { path: ['etcd', 'tls', 'certFile'] },
  LETHE_ETCD_KEY_FILE: { path: ['etcd', 'tls', 'keyFile'] },
  LETHE_ETCD_USERNAME: { path: ['etcd', 'username'] },
  LETHE_ETCD_PASSWORD_FILE: { path: ['etcd', 'passwordFile'] },
  LETHE_NATS_CA_FILE: { path: ['nats', 'tls', 'caFile'] },
  LETHE_NATS_CERT_FILE: { path: ['nats', 'tls', 'certFile'] },
  LETHE_NATS_KEY_FILE: { path: ['nats', 'tls', 'keyFile'] },
  LETHE_NATS_USER: { path: ['nats', 'user'] },
  LETHE_NATS_PASSWORD_FILE: { path: ['nats', 'passwordFile'] },
  LETHE_COORDINATOR_LISTEN: { path: ['coordinator', 'listen'] },
  LETHE_WORKER_COORDINATOR: { path: ['worker', 'coordinator'] },
  LETHE_WORKER_SLOTS: { path: ['worker', 'slots'] },
  LETHE_WORKER_TLS_SERVER_NAME: { path: ['worker', 'tlsServerName'] },
  LETHE_WORKER_BATCH_CAPACITY: { path: ['worker', 'batchCapacity'] },
  LETHE_WORKER_FROZEN_CACHE_MIB: { path: ['worker', 'frozenCacheMiB'] },
  LETHE_BACKEND: { path: ['worker', 'backend'] },
  LETHE_WORKER_LEASE_TTL_SECONDS: { path: ['worker', 'leaseTtlSeconds'] },
  LETHE_WORKER_HEARTBEAT_MS: { path: ['worker', 'heartbeatMs'] },
  LETHE_COORDINATOR_REVISION_WAIT_MS: { path: ['coordinator', 'revisionWaitMs'] },
  LETHE_COORDINATOR_METRICS_LISTEN: { path: ['coordinator', 'metricsListen'] },
  LETHE_COORDINATOR_TASK_SILENCE_TIMEOUT_S: { path: ['coordinator', 'taskSilenceTimeoutS'] },
  LETHE_COORDINATOR_DELETE_REQUESTS_PER_SECOND: { path: ['coordinator', 'deletionLimits', 'requestsPerSecond'] },
  LETHE_COORDINATOR_DELETE_REQUEST_BURST: { path: ['coordinator', 'deletionLimits', 'requestBurst'] },
  LETHE_COORDINATOR_DELETED_IDS_PER_SECOND: { path: ['coordinator', 'deletionLimits', 'idsPerSecond'] },
  LETHE_COORDINATOR_DELETED_ID_BURST: { path: ['coordinator', 'deletionLimits', 'idBurst'] },
  LETHE_COORDINATOR_HEALTH_LISTEN: { path: ['coordinator', 'healthListen'] },
  LETHE_COORDINATOR_RECEIPT_KEY_FILE: { path: ['coordinator', 'receiptKeyFile'] },
  LETHE_WORKER_METRICS_LISTEN: { path: ['worker', 'metricsListen'] },
  LETHE_DATA_ROOTS: { path: ['dataRoots'], list: true },
  LETHE_TLS_CA_FILE: { path: ['tls', 'caFile'] },
  LETHE_TLS_CERT_FILE: { path: ['tls', 'certFile'] },
  LETHE_TLS_KEY_FILE: { path: ['tls', 'keyFile'] },
  LETHE_INSECURE: { path: ['insecure'] },
  LETHE_AUTH_TOKEN_FILE: { path: ['auth', 'tokenFile'] },
  LETHE_AUTH_TOKENS_FILE: { path: ['auth', 'tokensFile'] },
  LETHE_AUTH_JWKS_FILE: { path: ['auth', 'jwksFile'] },
  LETHE_AUTH_JWT_ISSUER: { path: ['auth', 'jwtIssuer'] },
  LETHE_AUTH_JWT_AUDIENCE: { path: ['auth', 'jwtAudience'] },
  LETHE_ARTIFACTS_DIR: { path: ['artifacts', 'dir'] },
  LETHE_ARTIFACTS_KIND: { path: ['artifacts', 'kind'] },
  LETHE_JOBS_STREAM: { path: ['jobs', 'stream'] },
  LETHE_JOBS_ACK_WAIT_MS: { path: ['jobs', 'ackWaitMs'] },
  LETHE_JOBS_MAX_ATTEMPTS: { path: ['jobs', 'maxAttempts'] },
  LETHE_JOBS_TAKEOVER_MS: { path: ['jobs', 'takeoverMs'] },
};

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((key) => {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  });
  node[path[path.length - 1] as string] = value;
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && b !== null && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Json, v as Json)
        : v;
  }
  return out;
}

export function configFromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  for (const [name, binding] of Object.entries(ENV_BINDINGS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(out, binding.path, binding.list ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw);
  }
  return out;
}

function configFromFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LetheError(ErrorCode.INVALID_ARGUMENT, `cannot read config file ${path}`, { cause: e });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Json;
  } catch (e) {
    throw new LetheError(ErrorCode.INVALID_ARGUMENT, `config file ${path} is not a JSON object`, { cause: e });
  }
}

export interface LoadConfigOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** A JSON config file; `LETHE_CONFIG` names one when this is absent. */
  readonly file?: string;
  /** Values from command-line flags: they win over the file, which wins over the environment. */
  readonly flags?: Json;
}

/** Resolves the configuration (env, then file, then flags) and fails fast naming the bad field. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env['LETHE_CONFIG'];
  let raw = configFromEnv(env);
  if (file !== undefined && file !== '') raw = deepMerge(raw, configFromFile(file));
  if (options.flags !== undefined) raw = deepMerge(raw, options.flags);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw invalidArgument(`invalid config: ${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  return parsed.data;
}
