import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isPrincipalName, type Role } from '../domain/roles.js';

const run = promisify(execFile);

/** A certificate and its key, PEM files. */
export interface IssuedCert {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * A certificate authority for one machine's cluster (`lethe up`, the demo, tests), made with the `openssl` CLI:
 * ECDSA P-256 keys, the CA valid ten years, leaves one year. A leaf's subject is O=<role>... CN=<name>, which is how
 * the coordinator reads a client certificate's identity. Production clusters use their own CA (cert-manager).
 */
export class LocalPki {
  private constructor(
    readonly dir: string,
    readonly caFile: string,
    private readonly caKeyFile: string,
  ) {}

  /** Creates the CA in `dir`, or reuses the one already there. */
  static async open(dir: string): Promise<LocalPki> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const caFile = join(dir, 'ca.crt');
    const caKeyFile = join(dir, 'ca.key');
    const exists = await readFile(caFile).then(() => true, () => false);
    if (!exists) {
      await openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKeyFile, '-out', caFile, '-days', '3650', '-subj', '/CN=Lethe local CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
      await chmod(caKeyFile, 0o600);
    }
    return new LocalPki(dir, caFile, caKeyFile);
  }

  /**
   * Issues `<dir>/<file>.crt` and `.key` for `name` with `roles` (O values). `hosts`: DNS names and IP addresses
   * the certificate serves (a server certificate); every leaf may also authenticate as a client.
   */
  async issue(file: string, name: string, o: { roles?: readonly Role[]; hosts?: readonly string[] } = {}): Promise<IssuedCert> {
    if (!isPrincipalName(name)) throw new Error(`certificate name ${JSON.stringify(name)} is not a principal name`);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(file)) throw new Error(`certificate file name ${JSON.stringify(file)} is not a plain file name`);
    const certFile = join(this.dir, `${file}.crt`);
    const keyFile = join(this.dir, `${file}.key`);
    const csr = join(this.dir, `${file}.csr`);
    const ext = join(this.dir, `${file}.ext`);
    const subject = [...(o.roles ?? []).map((r) => `/O=${r}`), `/CN=${name}`].join('');
    const sans = (o.hosts ?? []).map((h) => (/^[0-9.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`));
    await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', subject]);
    await chmod(keyFile, 0o600);
    await writeFile(ext, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth', ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : [])].join('\n'));
    await openssl(['x509', '-req', '-in', csr, '-CA', this.caFile, '-CAkey', this.caKeyFile, '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', '365', '-out', certFile, '-extfile', ext]);
    await rm(csr, { force: true });
    await rm(ext, { force: true });
    return { certFile, keyFile };
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (e) {
    const err = e as { code?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error('the openssl command is needed to make local certificates (Debian: apt-get install openssl)', { cause: e });
    throw new Error(`openssl ${args[0] ?? ''} failed: ${(err.stderr ?? String(e)).trim().slice(0, 500)}`, { cause: e });
  }
}
