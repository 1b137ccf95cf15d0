import { status, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode, LetheError, toLetheError } from '../../errors/errors.js';

/** The one table between Lethe's error codes and gRPC status codes. */
export const GRPC_STATUS_BY_CODE: Readonly<Record<ErrorCode, status>> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  REVISION_CONFLICT: status.ABORTED,
  ILLEGAL_STATE: status.FAILED_PRECONDITION,
  LEASE_LOST: status.ABORTED,
  // UNAVAILABLE first: a status without Lethe's code (a transport failure) reads back as UNAVAILABLE.
  UNAVAILABLE: status.UNAVAILABLE,
  NOT_LEADER: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  CANCELLED: status.CANCELLED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  INTERNAL: status.INTERNAL,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
};

/** Reverse direction, for clients: several Lethe codes share a status, so the first listed wins. */
const CODE_BY_GRPC_STATUS: ReadonlyMap<status, ErrorCode> = new Map(
  (Object.entries(GRPC_STATUS_BY_CODE) as [ErrorCode, status][]).reverse().map(([code, s]) => [s, code]),
);

const CODE_METADATA_KEY = 'lethe-error-code';

/**
 * Longest status message sent: the message travels in an HTTP/2 trailer, and strict clients (grpc C-core: 8 KiB
 * of metadata) reset a stream whose trailers are larger. Handlers already quote their inputs briefly; this is
 * the backstop for messages built elsewhere (library errors that embed a request).
 */
export const MAX_STATUS_MESSAGE = 1024;

function bounded(message: string): string {
  return message.length <= MAX_STATUS_MESSAGE ? message : `${message.slice(0, MAX_STATUS_MESSAGE - 30)}… (message cut at ${MAX_STATUS_MESSAGE})`;
}

/** Builds the ServiceError a handler passes to its callback; the Lethe code travels in metadata. */
export function toServiceError(e: unknown): Partial<ServiceError> {
  const err = toLetheError(e);
  const metadata = new Metadata();
  metadata.set(CODE_METADATA_KEY, err.code);
  return { code: GRPC_STATUS_BY_CODE[err.code], details: bounded(`${err.code}: ${err.message}`), metadata };
}

/** Turns a gRPC client error back into a LetheError. */
export function fromServiceError(e: ServiceError): LetheError {
  const fromMetadata = e.metadata?.get(CODE_METADATA_KEY)[0];
  const code =
    typeof fromMetadata === 'string' && fromMetadata in ErrorCode
      ? (fromMetadata as ErrorCode)
      : (CODE_BY_GRPC_STATUS.get(e.code) ?? ErrorCode.INTERNAL);
  // Our servers prefix details with the code; keep the message itself.
  const message = e.details.startsWith(`${code}: `) ? e.details.slice(code.length + 2) : e.details;
  return new LetheError(code, message, { cause: e });
}
