import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../domain/roles.js';
import { LocalSecurity } from '../security/local-security.js';
import type { ClientCredentials } from '../security/tls.js';

/** A test's cluster credentials: TLS everywhere, an admin client, clients of any role, workers with certificates. */
export interface TestSecurity {
  readonly local: LocalSecurity;
  /** A client holding every role but worker. */
  readonly admin: ClientCredentials;
  /** The CLI's view of the same: global flags naming the CA and the admin token file. */
  readonly adminFlags: readonly string[];
  /** A client holding exactly `roles`. */
  as(...roles: Role[]): Promise<ClientCredentials>;
  worker(id: string): Promise<ClientCredentials>;
}

let made: Promise<TestSecurity> | undefined;

/** One set of credentials per test file (module state is per file), made with openssl on first use. */
export function testSecurity(): Promise<TestSecurity> {
  made ??= (async () => {
    const local = await LocalSecurity.create(mkdtempSync(join(tmpdir(), 'lethe-test-security-')));
    const { token, tokenFile } = await local.mint('test-admin', ['admin']);
    const admin: ClientCredentials = { transport: { tls: { caFile: local.pki.caFile } }, token };
    let n = 0;
    return { local, admin, adminFlags: ['--ca', local.pki.caFile, '--token-file', tokenFile], as: (...roles: Role[]) => local.client(`test-${roles.join('-') || 'none'}-${++n}`, roles), worker: (id: string) => local.worker(id) };
  })();
  return made;
}
