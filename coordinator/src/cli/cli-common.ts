import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { LetheClient } from '../client/lethe-client.js';
import { addressFile, defaultCoordinator } from './address.js';
import { loadConfig } from '../../../shared/src/config/load.js';
import { clientTokenOf, transportOf } from '../../../shared/src/security/config-security.js';
import type { ClientCredentials } from '../../../shared/src/security/tls.js';
import { invalidArgument } from '../../../shared/src/errors/errors.js';

/** Table style of every CLI table: no colours, so output reads the same in a terminal, a log or a pipe. */
export const PLAIN = { head: [] as string[], border: [] as string[] };

/** The --coordinator option of every client verb (spread into `.option(...)`). */
export const COORDINATOR_OPTION = ['--coordinator <host:port>', 'coordinator address (default: LETHE_COORDINATOR, then the one `lethe up` started)', defaultCoordinator()] as const;

/** Where `lethe up` writes the CA and admin token files the client verbs use by default. */
export function localCredentialsFile(): string {
  return join(dirname(addressFile()), 'credentials.json');
}

const LocalCredentialsSchema = z.object({ caFile: z.string().min(1), tokenFile: z.string().min(1) }).strict();

/**
 * A client verb's credentials: the global flags (--ca, --cert, --key, --token-file, --insecure) and LETHE_TLS_*,
 * LETHE_TOKEN, LETHE_AUTH_TOKEN_FILE, LETHE_INSECURE; with none of them, the CA and admin token `lethe up` wrote.
 */
export function clientCredentials(env: NodeJS.ProcessEnv = process.env): ClientCredentials {
  const config = loadConfig({ env });
  if (!config.insecure && config.tls.caFile === '') {
    let local: z.infer<typeof LocalCredentialsSchema> | undefined;
    try {
      local = LocalCredentialsSchema.parse(JSON.parse(readFileSync(localCredentialsFile(), 'utf8')));
    } catch {
      throw invalidArgument(`no credentials: pass --ca <file> and --token-file <file> (or set LETHE_TLS_CA_FILE and LETHE_TOKEN), or start a local cluster with \`lethe up\`, which writes ${localCredentialsFile()}`);
    }
    const token = clientTokenOf(config, env) ?? readFileSync(local.tokenFile, 'utf8').trim();
    return { transport: { tls: { caFile: local.caFile } }, token };
  }
  const token = clientTokenOf(config, env);
  const transport = transportOf(config, 'client');
  if ('insecure' in transport) process.stderr.write('lethe: warning: PLAINTEXT (--insecure): the token and the data cross the network unencrypted\n');
  return { transport, ...(token === undefined ? {} : { token }) };
}

/** Runs f with a client of the coordinator at `address`, closed afterwards. */
export async function withClient<T>(address: string, f: (c: LetheClient) => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const c = new LetheClient(address, clientCredentials(), timeoutMs);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

/** A client of the coordinator at `address` with the verb's credentials; the caller closes it. */
export function cliClient(address: string, timeoutMs = 30_000): LetheClient {
  return new LetheClient(address, clientCredentials(), timeoutMs);
}
