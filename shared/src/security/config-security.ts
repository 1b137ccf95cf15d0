import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { invalidArgument } from '../errors/errors.js';
import type { Transport } from './tls.js';

/**
 * The transport a process's config asks for. TLS needs the CA file (and, for `role` server, the certificate and
 * key); plaintext only with `insecure`. Setting both is a mistake worth refusing, not guessing.
 */
export function transportOf(config: Pick<Config, 'tls' | 'insecure'>, role: 'server' | 'client'): Transport {
  const { caFile, certFile, keyFile } = config.tls;
  if (config.insecure) {
    if (caFile !== '' || certFile !== '' || keyFile !== '') throw invalidArgument('both insecure and TLS files are set: choose one');
    return { insecure: true };
  }
  if (caFile === '') {
    throw invalidArgument('TLS is required: set tls.caFile (LETHE_TLS_CA_FILE, --ca)' + (role === 'server' ? ', tls.certFile and tls.keyFile' : '') + ', or run with --insecure (plaintext)');
  }
  if (role === 'server' && (certFile === '' || keyFile === '')) throw invalidArgument('a TLS server needs tls.certFile and tls.keyFile (LETHE_TLS_CERT_FILE, LETHE_TLS_KEY_FILE)');
  if ((certFile === '') !== (keyFile === '')) throw invalidArgument('a client certificate needs both tls.certFile and tls.keyFile');
  return { tls: { caFile, ...(certFile === '' ? {} : { certFile, keyFile }) } };
}

/** The bearer token a client presents: LETHE_TOKEN, else the contents of auth.tokenFile, else none. */
export function clientTokenOf(config: Pick<Config, 'auth'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['LETHE_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv.trim();
  if (config.auth.tokenFile === '') return undefined;
  const token = readFileSync(config.auth.tokenFile, 'utf8').trim();
  if (token === '') throw invalidArgument(`token file ${config.auth.tokenFile} is empty`);
  return token;
}
