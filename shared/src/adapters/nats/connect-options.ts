import type { ConnectionOptions } from 'nats';
import type { NatsAuth } from '../../security/backing-services.js';

/** nats.js connection options: servers, reconnect forever, and the credentials (TLS, user) when given. */
export function natsConnectOptions(servers: readonly string[], name: string, auth: NatsAuth = {}): ConnectionOptions {
  return {
    servers: [...servers],
    name,
    maxReconnectAttempts: -1,
    ...(auth.tls === undefined ? {} : { tls: { caFile: auth.tls.caFile, ...(auth.tls.certFile === undefined ? {} : { certFile: auth.tls.certFile, keyFile: auth.tls.keyFile }) } }),
    ...(auth.user === undefined ? {} : { user: auth.user, pass: auth.pass ?? '' }),
  };
}
