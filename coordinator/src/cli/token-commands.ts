import { Command } from 'commander';
import { appendFileSync, writeFileSync } from 'node:fs';
import Table from 'cli-table3';
import { isPrincipalName, isRole, ROLES, type Role } from '../../../shared/src/domain/roles.js';
import { invalidArgument } from '../../../shared/src/errors/errors.js';
import { mintToken } from '../../../shared/src/security/tokens.js';
import { COORDINATOR_OPTION, PLAIN, withClient } from './cli-common.js';

function roles(list: string): Role[] {
  const out = list.split(',').map((r) => r.trim()).filter(Boolean);
  if (out.length === 0) throw invalidArgument(`--role needs one or more of ${ROLES.join(', ')}`);
  return out.map((r) => {
    if (!isRole(r)) throw invalidArgument(`unknown role '${r}'; roles are ${ROLES.join(', ')}`);
    return r;
  });
}

/** `lethe token`: bearer tokens through the API (admin), and `mint` for the bootstrap tokens file (offline). */
export function tokenCommand(): Command {
  const cmd = new Command('token').description('bearer tokens: create, list and revoke them (role admin), or mint bootstrap tokens offline');
  cmd.addCommand(
    new Command('create')
      .description('create a token through the API; prints the secret once')
      .requiredOption('--subject <name>', 'who holds it (for role worker: the worker id)')
      .requiredOption('--role <roles>', `comma-separated: ${ROLES.join(', ')}`)
      .option('--ttl <seconds>', 'lifetime in seconds (0: none)', '0')
      .option('--out <file>', 'write the secret to this file (mode 0600) instead of printing it')
      .option(...COORDINATOR_OPTION)
      .action((f: { subject: string; role: string; ttl: string; out?: string; coordinator: string }) =>
        withClient(f.coordinator, async (c) => {
          const created = await c.createToken(f.subject, roles(f.role), Number(f.ttl));
          if (f.out !== undefined) writeFileSync(f.out, `${created.secret}\n`, { mode: 0o600 });
          else process.stdout.write(`${created.secret}\n`);
          process.stderr.write(`${created.token?.name ?? ''} for ${f.subject} (${f.role})\n`);
        }),
      ),
  );
  cmd.addCommand(
    new Command('list')
      .description('tokens made through the API (their ids, never secrets)')
      .option(...COORDINATOR_OPTION)
      .option('--json', 'print JSON')
      .action((f: { coordinator: string; json?: boolean }) =>
        withClient(f.coordinator, async (c) => {
          const { tokens } = await c.listTokens();
          if (f.json === true) {
            process.stdout.write(`${JSON.stringify(tokens)}\n`);
            return;
          }
          const t = new Table({ head: ['token', 'subject', 'roles', 'created by', 'expires'], style: PLAIN });
          for (const k of tokens) t.push([k.name, k.subject, k.roles.join(','), k.createdBy, k.expireTime === null ? 'never' : new Date(Number(k.expireTime.seconds) * 1000).toISOString()]);
          process.stdout.write(`${t.toString()}\n`);
        }),
      ),
  );
  cmd.addCommand(
    new Command('revoke')
      .description('revoke a token made through the API')
      .argument('<name>', 'tokens/<id>')
      .option(...COORDINATOR_OPTION)
      .action((name: string, f: { coordinator: string }) => withClient(f.coordinator, async (c) => void process.stdout.write(`revoked ${(await c.revokeToken(name)).name}\n`))),
  );
  cmd.addCommand(
    new Command('mint')
      .description('offline: make a token, append its hashed record to a tokens file (auth.tokensFile) and write the secret to --token-file')
      .requiredOption('--subject <name>', 'who holds it')
      .requiredOption('--role <roles>', `comma-separated: ${ROLES.join(', ')}`)
      .requiredOption('--tokens-file <file>', 'the coordinator\'s tokens file (JSON lines; created if missing)')
      .requiredOption('--token-file <file>', 'where to write the secret (mode 0600)')
      .action((f: { subject: string; role: string; tokensFile: string; tokenFile: string }) => {
        if (!isPrincipalName(f.subject)) throw invalidArgument(`--subject must be 1..128 letters, digits, '.', '_', '@', ':' or '-'`);
        const { token, record } = mintToken(f.subject, roles(f.role), { createdBy: 'lethe token mint' });
        writeFileSync(f.tokenFile, `${token}\n`, { mode: 0o600 });
        appendFileSync(f.tokensFile, `${JSON.stringify(record)}\n`, { mode: 0o600 });
        process.stdout.write(`tokens/${record.id} for ${f.subject} (${record.roles.join(',')}): secret in ${f.tokenFile}, hash appended to ${f.tokensFile}\n`);
      }),
  );
  return cmd;
}
