import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';

/** How Lethe authenticates to etcd: TLS (client certificate) and/or an etcd user. */
export interface EtcdAuth {
  readonly tls?: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string };
  readonly username?: string;
  readonly password?: string;
}

/** How Lethe authenticates to NATS: TLS (and a client certificate) and/or a user. */
export interface NatsAuth {
  readonly tls?: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string };
  readonly user?: string;
  readonly pass?: string;
}

const secret = (file: string): string => readFileSync(file, 'utf8').trim();

function tlsOf(t: { caFile: string; certFile: string; keyFile: string }): EtcdAuth['tls'] {
  if (t.caFile === '') return undefined;
  return { caFile: t.caFile, ...(t.certFile === '' ? {} : { certFile: t.certFile }), ...(t.keyFile === '' ? {} : { keyFile: t.keyFile }) };
}

/** etcd credentials from the config (password read from its file). */
export function etcdAuthOf(config: Pick<Config, 'etcd'>): EtcdAuth {
  const tls = tlsOf(config.etcd.tls);
  return {
    ...(tls === undefined ? {} : { tls }),
    ...(config.etcd.username === '' ? {} : { username: config.etcd.username, password: secret(config.etcd.passwordFile) }),
  };
}

/** NATS credentials from the config (password read from its file). */
export function natsAuthOf(config: Pick<Config, 'nats'>): NatsAuth {
  const tls = tlsOf(config.nats.tls);
  return {
    ...(tls === undefined ? {} : { tls }),
    ...(config.nats.user === '' ? {} : { user: config.nats.user, pass: secret(config.nats.passwordFile) }),
  };
}
