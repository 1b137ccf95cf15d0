/**
 * The one error type of Lethe. Every failure that crosses a module boundary is a `LetheError` with a
 * stable string code; the gRPC adapter maps codes to status codes through a single table.
 */
export const ErrorCode = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  REVISION_CONFLICT: 'REVISION_CONFLICT',
  ILLEGAL_STATE: 'ILLEGAL_STATE',
  LEASE_LOST: 'LEASE_LOST',
  NOT_LEADER: 'NOT_LEADER',
  UNAVAILABLE: 'UNAVAILABLE',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  CANCELLED: 'CANCELLED',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  UNIMPLEMENTED: 'UNIMPLEMENTED',
  INTERNAL: 'INTERNAL',
  /** No credential, or one that does not verify. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A verified caller without the role the call needs. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes a caller may retry without changing the request. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.REVISION_CONFLICT,
  ErrorCode.UNAVAILABLE,
  ErrorCode.DEADLINE_EXCEEDED,
  ErrorCode.NOT_LEADER,
  ErrorCode.RESOURCE_EXHAUSTED,
]);

export interface LetheErrorOptions extends ErrorOptions {
  /** Structured context (field names, ids) for logs and error details; never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class LetheError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: LetheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LetheError';
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    this.details = options.details ?? {};
  }
}

/** The single predicate every retry policy uses. */
export function isRetryable(e: unknown): boolean {
  return e instanceof LetheError && e.retryable;
}

export function invalidArgument(message: string, details?: Record<string, unknown>): LetheError {
  return new LetheError(ErrorCode.INVALID_ARGUMENT, message, details === undefined ? {} : { details });
}

/** Converts anything thrown into a LetheError, keeping the original as the cause. */
export function toLetheError(e: unknown): LetheError {
  if (e instanceof LetheError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new LetheError(ErrorCode.INTERNAL, message, { cause: e });
}
