import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** The process role: coordinator, worker, cli, demo. */
  readonly service: string;
  readonly level?: LevelWithSilent;
  readonly version?: string;
  /** Defaults to stderr, so command output on stdout stays machine-readable. */
  readonly destination?: DestinationStream;
}

/** The root logger of a process; components derive `logger.child({ component })`. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, version: options.version ?? '0.1.0', pod: process.env['POD_NAME'] ?? hostname() },
      redact: { paths: ['*.password', '*.token', '*.secret', 'password', 'token', 'secret'], censor: '[Redacted]' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(2),
  );
}
