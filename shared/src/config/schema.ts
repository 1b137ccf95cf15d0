import { z } from 'zod';
import { MAX_TASK_SILENCE_TIMEOUT_S } from '../domain/run-spec.js';

/** TF.js backends in order of preference; `auto` picks the best available at start-up. */
/** Stage tasks a worker slot trains together by default (worker.batchCapacity). */
export const DEFAULT_BATCH_CAPACITY = 16;
/** MiB of frozen-prefix rows a worker keeps by default (worker.frozenCacheMiB). */
export const DEFAULT_FROZEN_CACHE_MIB = 256;

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A file path, or empty for none. */
const pathField = z.string().max(4096).default('');

/** CA, certificate and key files of a connection to a backing service; empty: plaintext. */
const backendTls = z
  .object({ caFile: pathField, certFile: pathField, keyFile: pathField })
  .strict()
  .refine((t) => (t.certFile === '') === (t.keyFile === ''), 'certFile and keyFile go together')
  .refine((t) => t.caFile !== '' || t.certFile === '', 'a client certificate needs caFile too')
  .prefault({});

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');

/** The one configuration schema of every Lethe process, with its defaults. */
export const ConfigSchema = z
  .object({
    logLevel: z.enum(LOG_LEVELS).default('info'),
    etcd: z
      .object({
        endpoints: z.array(hostPort).min(1).default(['127.0.0.1:2379']),
        /** Every key Lethe writes lives under this prefix, so several deployments can share one etcd. */
        prefix: z.string().startsWith('/').default('/lethe/'),
        dialTimeoutMs: z.coerce.number().int().positive().default(3000),
        /** TLS to etcd: its CA, and Lethe's client certificate when etcd runs with --client-cert-auth. */
        tls: backendTls,
        /** An etcd user (etcd auth enabled); its password in passwordFile. */
        username: z.string().max(128).default(''),
        passwordFile: pathField,
      })
      .strict()
      .refine((e) => (e.username === '') === (e.passwordFile === ''), 'etcd.username and etcd.passwordFile go together')
      .prefault({}),
    nats: z
      .object({
        servers: z.array(hostPort).min(1).default(['127.0.0.1:4222']),
        /** TLS to NATS: its CA, and a client certificate if the server asks for one. */
        tls: backendTls,
        /** A NATS user; its password in passwordFile. */
        user: z.string().max(128).default(''),
        passwordFile: pathField,
      })
      .strict()
      .refine((n) => (n.user === '') === (n.passwordFile === ''), 'nats.user and nats.passwordFile go together')
      .prefault({}),
    coordinator: z
      .object({
        listen: hostPort.default('0.0.0.0:50051'),
        /** How long Predict waits for min_revision before failing with DEADLINE_EXCEEDED. */
        revisionWaitMs: z.coerce.number().int().positive().default(5000),
        /**
         * Seconds a started task (a stage training or a backbone pretraining) may go without a progress report
         * (workers report a start and every epoch) before the leader takes it back as a failed try (a training that
         * hangs while its worker heartbeats); 0 never. Set it above your longest epoch. At most a week.
         */
        taskSilenceTimeoutS: z.coerce.number().int().min(0).max(MAX_TASK_SILENCE_TIMEOUT_S).default(1800),
        /** host:port of the Prometheus endpoint (GET /metrics); empty: none. The chart sets 0.0.0.0:9464. */
        metricsListen: z.union([hostPort, z.literal('')]).default(''),
        /**
         * host:port of a plaintext listener serving only grpc.health.v1 (no data): Kubernetes' gRPC probes cannot
         * speak TLS. Empty: none. The chart sets 0.0.0.0:50052.
         */
        healthListen: z.union([hostPort, z.literal('')]).default(''),
        /**
         * Per-caller limits on DeleteSamples (token buckets; over them: RESOURCE_EXHAUSTED with RetryInfo).
         * maxIdsPerRequest ≤ idBurst ≤ ... so every valid request can pass.
         */
        deletionLimits: z
          .object({
            requestsPerSecond: z.coerce.number().positive().max(1e6).default(100),
            requestBurst: z.coerce.number().int().min(1).max(1e6).default(500),
            idsPerSecond: z.coerce.number().positive().max(1e8).default(50_000),
            idBurst: z.coerce.number().int().min(1).max(1e8).default(200_000),
            maxIdsPerRequest: z.coerce.number().int().min(1).max(100_000).default(100_000),
          })
          .strict()
          .refine((l) => l.maxIdsPerRequest <= l.idBurst, 'maxIdsPerRequest must not exceed idBurst')
          .prefault({}),
        /** PEM (PKCS#8) Ed25519 key that signs deletion receipts; empty: one key kept in etcd (local clusters). */
        receiptKeyFile: z.string().max(4096).default(''),
      })
      .strict()
      .prefault({}),
    worker: z
      .object({
        coordinator: hostPort.default('127.0.0.1:50051'),
        slots: z.coerce.number().int().min(1).max(256).default(1),
        /**
         * Stage tasks of one stage number a slot trains together in one batched computation (the coordinator sends
         * groups of up to this many). 1 trains one at a time. Measured gains: docs/worker-throughput.md.
         */
        batchCapacity: z.coerce.number().int().min(1).max(256).default(DEFAULT_BATCH_CAPACITY),
        backend: z.enum(BACKENDS).default('auto'),
        /**
         * MiB of frozen-prefix rows (each training row's input to every adapter block) a worker keeps between stage
         * tasks, so a retraining task computes only rows it has not seen; 0 keeps none. Used on the wasm and cpu
         * backends only (where it is exact). About 4 KiB a row at hidden 128 and 4 adapter blocks.
         */
        frozenCacheMiB: z.coerce.number().int().min(0).max(65_536).default(DEFAULT_FROZEN_CACHE_MIB),
        /**
         * The DNS name the coordinators' certificate is verified against whatever address is dialled (a follower
         * names the leader by pod IP). Empty: the dialled host. The chart sets the coordinator Service's name.
         */
        tlsServerName: z.string().max(253).regex(/^[A-Za-z0-9.-]*$/, 'a DNS name').default(''),
        heartbeatMs: z.coerce.number().int().positive().default(2000),
        leaseTtlSeconds: z.coerce.number().int().min(2).default(10),
        /** host:port of the worker's Prometheus endpoint; empty: none. The chart sets 0.0.0.0:9465. */
        metricsListen: z.union([hostPort, z.literal('')]).default(''),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        /** JetStream stream of the approximate-unlearning work queue. */
        stream: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/).default('LETHE_JOBS'),
        /** Redelivery after this long without a sign of life from the worker holding a job (it signals every second). */
        ackWaitMs: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
        /** Runs a job may take that end without a result (its worker died) before it fails: max_deliver. */
        maxAttempts: z.coerce.number().int().min(1).max(100).default(3),
        /** A running job whose worker has been silent this long is taken over by the next delivery. */
        takeoverMs: z.coerce.number().int().min(1000).max(3_600_000).default(15_000),
      })
      .strict()
      .prefault({}),
    /**
     * TLS of the API and the worker protocol. The coordinator needs all three files (its certificate is the server's;
     * the CA signs the client certificates it accepts); a worker's certificate is its identity (CN = worker id,
     * O = worker); a CLI needs the CA only. Required unless `insecure`.
     */
    tls: z
      .object({ caFile: pathField, certFile: pathField, keyFile: pathField })
      .strict()
      .prefault({}),
    /**
     * Directories file datasets may be read from (coordinator and workers). A run's dataset.uri must resolve, symlinks
     * and all, to a file inside one of them. Empty: file datasets are refused.
     */
    dataRoots: z.array(z.string().min(1).max(4096).refine((p) => p.startsWith('/'), 'must be an absolute path')).max(64).default([]),
    /** Plaintext gRPC, no TLS: only when asked for (--insecure), and it logs a warning. */
    insecure: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
    auth: z
      .object({
        /** The bearer token this process presents (a CLI; a worker without a client certificate). */
        tokenFile: pathField,
        /** Coordinator: bootstrap tokens, JSON lines of hashed token records (`lethe token mint` writes them). */
        tokensFile: pathField,
        /** Coordinator: a JWKS file whose keys sign accepted JWTs; empty: JWTs are refused. */
        jwksFile: pathField,
        jwtIssuer: z.string().max(1024).default(''),
        jwtAudience: z.string().max(1024).default(''),
        /** The JWT claim listing the caller's roles. */
        jwtRolesClaim: z.string().min(1).max(128).default('roles'),
      })
      .strict()
      .prefault({}),
    artifacts: z
      .object({
        /** fs: a directory all processes share (one machine, or a shared volume); nats: the JetStream object store. */
        kind: z.enum(['fs', 'nats']).default('fs'),
        dir: z.string().min(1).default('.lethe/artifacts'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
