import { readFileSync } from 'node:fs';
import type { ChannelCredentials} from '@grpc/grpc-js';
import { credentials, experimental, ServerCredentials } from '@grpc/grpc-js';

/** PEM files of a TLS identity and the CA that signs its peers. */
export interface TlsFiles {
  /** The CA whose certificates this side trusts (server: client certificates; client: the server's). */
  readonly caFile: string;
  /** This side's certificate chain and key; a client without them connects without a client certificate. */
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Transport of a listener or a channel: TLS, or plaintext only when explicitly asked for (`--insecure`). */
export type Transport = { readonly tls: TlsFiles } | { readonly insecure: true };

/** How a client reaches the coordinator and proves who it is. */
export interface ClientCredentials {
  /** TLS (the CA that signed the coordinator's certificate, and a client certificate if any), or plaintext. */
  readonly transport: Transport;
  /** A bearer token (`lethe_...` or a JWT) sent with every call; without one, the client certificate identifies. */
  readonly token?: string;
}

/**
 * grpc-js passes the target's host as the TLS server name even when it is an IP address (127.0.0.1 in local
 * clusters), which Node reports as DEP0123 on every connection; the certificate is still checked against the IP
 * (its IP SAN). Drop that one warning so it does not pollute CLI output and logs; every other warning passes.
 */
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((...args: unknown[]) => {
  const [, typeOrOptions, code] = args;
  const c = typeof typeOrOptions === 'object' && typeOrOptions !== null ? (typeOrOptions as { code?: string }).code : code;
  if (c === 'DEP0123') return;
  emitWarning(...args);
});

/** How often certificate files are re-read, so a rotated certificate (cert-manager renews them) is picked up. */
const CERT_REFRESH_MS = 60_000;

/**
 * The coordinator's listener: TLS with the server certificate, asking clients for a certificate (workers present
 * one) without requiring it (API callers may use tokens instead). A client certificate only counts once it verified
 * against the CA; files are re-read every minute. Resolves once the files are loaded: grpc-js reads them
 * asynchronously, and a listener bound before that refuses its first handshakes.
 */
export async function serverCredentials(t: Transport): Promise<ServerCredentials> {
  if ('insecure' in t) return ServerCredentials.createInsecure();
  if (t.tls.certFile === undefined || t.tls.keyFile === undefined) throw new Error('a TLS listener needs a certificate and key file');
  // Fail at start-up, with the path, if a file is missing or unreadable, not on the first handshake.
  for (const f of [t.tls.caFile, t.tls.certFile, t.tls.keyFile]) readFileSync(f);
  const provider = new experimental.FileWatcherCertificateProvider({
    caCertificateFile: t.tls.caFile,
    certificateFile: t.tls.certFile,
    privateKeyFile: t.tls.keyFile,
    refreshIntervalMs: CERT_REFRESH_MS,
  });
  // Wait for the first load, then let go: the provider keeps what it loaded (fresh for a refresh interval) and hands
  // it to the server as soon as the server binds and listens; the server's own listeners end with its shutdown.
  let timer: NodeJS.Timeout | undefined;
  let caLoaded = (): void => undefined;
  let identityLoaded = (): void => undefined;
  const onCa = (u: unknown): void => void (u !== null && caLoaded());
  const onIdentity = (u: unknown): void => void (u !== null && identityLoaded());
  try {
    await Promise.race([
      Promise.all([
        new Promise<void>((resolve) => {
          caLoaded = resolve;
          provider.addCaCertificateListener(onCa);
        }),
        new Promise<void>((resolve) => {
          identityLoaded = resolve;
          provider.addIdentityCertificateListener(onIdentity);
        }),
      ]),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`TLS files not loaded within 10 s: ${t.tls.caFile}, ${t.tls.certFile ?? ''}, ${t.tls.keyFile ?? ''}`)), 10_000))),
    ]);
  } finally {
    clearTimeout(timer);
    provider.removeCaCertificateListener(onCa);
    provider.removeIdentityCertificateListener(onIdentity);
  }
  return experimental.createCertificateProviderServerCredentials(provider, provider, false);
}

/** A client channel: verifies the server against the CA and presents the client certificate when given. */
export function channelCredentials(t: Transport): ChannelCredentials {
  if ('insecure' in t) return credentials.createInsecure();
  const { caFile, certFile, keyFile } = t.tls;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new Error('a client certificate needs both its certificate and key file');
  const ca = readFileSync(caFile);
  if (certFile === undefined || keyFile === undefined) return credentials.createSsl(ca);
  // Workers run for weeks: watch the files so a renewed certificate is used on the next connection.
  const provider = new experimental.FileWatcherCertificateProvider({ caCertificateFile: caFile, certificateFile: certFile, privateKeyFile: keyFile, refreshIntervalMs: CERT_REFRESH_MS });
  readFileSync(certFile);
  readFileSync(keyFile);
  return experimental.createCertificateProviderChannelCredentials(provider, provider);
}
