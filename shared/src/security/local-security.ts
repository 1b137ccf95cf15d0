import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Role } from '../domain/roles.js';
import { LocalPki, type IssuedCert } from './local-pki.js';
import type { ClientCredentials, Transport } from './tls.js';
import { mintToken } from './tokens.js';

/** Everything a coordinator needs to serve securely: its TLS files and the bootstrap tokens file. */
export interface ServerSecurity {
  readonly transport: Transport;
  readonly auth: { readonly tokensFile: string };
}

/**
 * The credentials of a cluster on one machine (`lethe up`, the demo, tests): a local CA, the coordinator's
 * certificate for localhost and 127.0.0.1, a certificate per worker (CN = its id, O = worker), and bearer tokens
 * (hashed in the tokens file, the secrets in files of their own, mode 0600).
 */
export class LocalSecurity {
  private readonly workers = new Map<string, Promise<IssuedCert>>();
  private constructor(
    readonly dir: string,
    readonly pki: LocalPki,
    /** The coordinator's certificate (localhost, 127.0.0.1, ::1 and the given hosts). */
    readonly serverCert: IssuedCert,
    readonly server: ServerSecurity,
    readonly tokensFile: string,
  ) {}

  static async create(dir: string, o: { hosts?: readonly string[] } = {}): Promise<LocalSecurity> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const pki = await LocalPki.open(join(dir, 'pki'));
    const cert = await pki.issue('coordinator', 'lethe-coordinator', { hosts: ['localhost', '127.0.0.1', '::1', ...(o.hosts ?? [])] });
    const tokensFile = join(dir, 'tokens.jsonl');
    await writeFile(tokensFile, '# bootstrap tokens: JSON lines of hashed token records (lethe token mint)\n', { mode: 0o600 });
    return new LocalSecurity(dir, pki, cert, { transport: { tls: { caFile: pki.caFile, ...cert } }, auth: { tokensFile } }, tokensFile);
  }

  /** A new token for `subject` with `roles`, added to the tokens file; its secret is also written to `<name>.token`. */
  async mint(subject: string, roles: readonly Role[], file = subject): Promise<{ token: string; tokenFile: string }> {
    const { token, record } = mintToken(subject, roles, { createdBy: 'local' });
    await appendFile(this.tokensFile, `${JSON.stringify(record)}\n`);
    const tokenFile = join(this.dir, `${file}.token`);
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    return { token, tokenFile };
  }

  /** Client credentials with a token of `roles` (TLS verified against the local CA). */
  async client(subject: string, roles: readonly Role[]): Promise<ClientCredentials> {
    const { token } = await this.mint(subject, roles);
    return { transport: { tls: { caFile: this.pki.caFile } }, token };
  }

  /** A worker's certificate: CN = `id`, O = worker (issued once per id). */
  workerCert(id: string): Promise<IssuedCert> {
    let c = this.workers.get(id);
    if (c === undefined) {
      c = this.pki.issue(`worker-${id}`, id, { roles: ['worker'] });
      this.workers.set(id, c);
    }
    return c;
  }

  /** A worker's credentials: TLS with its certificate as its identity. */
  async worker(id: string): Promise<ClientCredentials> {
    return { transport: { tls: { caFile: this.pki.caFile, ...(await this.workerCert(id)) } } };
  }
}
