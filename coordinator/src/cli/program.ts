import { Command, CommanderError } from 'commander';
import { LetheError, ErrorCode } from '../../../shared/src/errors/errors.js';
import { planCommand } from './plan-command.js';
import { coordinatorCommand, upCommand, workerCommand } from './server-commands.js';
import { deleteCommand, drainCommand, statusCommand, undrainCommand, whereCommand } from './client-commands.js';
import { demoCommand } from './demo-command.js';
import { receiptCommand } from './receipt-commands.js';
import { auditCommand } from './audit-commands.js';
import { jobCommand } from './job-commands.js';
import { tokenCommand } from './token-commands.js';
import { deletionsCommand, predictCommand, runCommand, workersCommand } from './run-commands.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid input. */
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('lethe')
    .description('Lethe: exact machine unlearning with S3T')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: () => undefined }) // errors are printed once, below, as one line
    // Credentials of every verb (servers and clients alike), as environment variables so config loading sees them.
    .option('--ca <file>', 'CA certificate that signed the coordinator (and the client certificates it accepts)')
    .option('--cert <file>', 'client (or, for `lethe coordinator`, server) certificate')
    .option('--key <file>', 'its private key')
    .option('--token-file <file>', 'bearer token to present (LETHE_TOKEN also works)')
    .option('--insecure', 'plaintext gRPC without TLS (logs a warning; never on an untrusted network)')
    .hook('preAction', (root) => {
      const o = root.opts<{ ca?: string; cert?: string; key?: string; tokenFile?: string; insecure?: boolean }>();
      if (o.ca !== undefined) process.env['LETHE_TLS_CA_FILE'] = o.ca;
      if (o.cert !== undefined) process.env['LETHE_TLS_CERT_FILE'] = o.cert;
      if (o.key !== undefined) process.env['LETHE_TLS_KEY_FILE'] = o.key;
      if (o.tokenFile !== undefined) process.env['LETHE_AUTH_TOKEN_FILE'] = o.tokenFile;
      if (o.insecure === true) process.env['LETHE_INSECURE'] = 'true';
    });
  for (const cmd of [tokenCommand(), planCommand(), coordinatorCommand(), workerCommand(), upCommand(), demoCommand(), deleteCommand(), statusCommand(), whereCommand(), drainCommand(), undrainCommand(), jobCommand(), runCommand(), predictCommand(), deletionsCommand(), workersCommand(), receiptCommand(), auditCommand()]) {
    program.addCommand(cmd.exitOverride().configureOutput({ outputError: () => undefined }));
  }
  return program;
}

/** Variables the global flags set; restored after each in-process run, so one call's flags do not leak into the next. */
const FLAG_ENV = ['LETHE_TLS_CA_FILE', 'LETHE_TLS_CERT_FILE', 'LETHE_TLS_KEY_FILE', 'LETHE_AUTH_TOKEN_FILE', 'LETHE_INSECURE'] as const;

export async function main(argv: readonly string[]): Promise<number> {
  const saved = FLAG_ENV.map((k) => [k, process.env[k]] as const);
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      process.stderr.write(`lethe: ${e.message.replace(/^error: /, '')}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof LetheError && e.code === ErrorCode.INVALID_ARGUMENT) {
      process.stderr.write(`lethe: ${e.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`lethe: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
