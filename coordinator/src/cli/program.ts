import { Command, CommanderError } from 'commander';
import { LetheError, ErrorCode } from '../../../shared/src/errors/errors.js';
import { planCommand } from './plan-command.js';
import { coordinatorCommand, upCommand, workerCommand } from './server-commands.js';
import { deleteCommand, drainCommand, statusCommand, undrainCommand, whereCommand } from './client-commands.js';
import { demoCommand } from './demo-command.js';
import { receiptCommand } from './receipt-commands.js';
import { auditCommand } from './audit-commands.js';
import { jobCommand } from './job-commands.js';
import { deletionsCommand, predictCommand, runCommand, workersCommand } from './run-commands.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid input. */
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('lethe')
    .description('Lethe: exact machine unlearning with S3T')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: () => undefined }); // errors are printed once, below, as one line
  for (const cmd of [planCommand(), coordinatorCommand(), workerCommand(), upCommand(), demoCommand(), deleteCommand(), statusCommand(), whereCommand(), drainCommand(), undrainCommand(), jobCommand(), runCommand(), predictCommand(), deletionsCommand(), workersCommand(), receiptCommand(), auditCommand()]) {
    program.addCommand(cmd.exitOverride().configureOutput({ outputError: () => undefined }));
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
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
  }
}
