import { status, Metadata, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
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

/** google.rpc.Status with a google.rpc.RetryInfo detail, the standard way to say "retry after". */
const richStatus = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: { nested: { Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } }, Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } } } },
        rpc: {
          nested: {
            Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } },
            RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
          },
        },
      },
    },
  },
});
const StatusType = richStatus.lookupType('google.rpc.Status');
const RetryInfoType = richStatus.lookupType('google.rpc.RetryInfo');
const DETAILS_KEY = 'grpc-status-details-bin';
const RETRY_INFO_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** Builds the ServiceError a handler passes to its callback; the Lethe code travels in metadata. */
export function toServiceError(e: unknown): Partial<ServiceError> {
  const err = toLetheError(e);
  const metadata = new Metadata();
  metadata.set(CODE_METADATA_KEY, err.code);
  const code = GRPC_STATUS_BY_CODE[err.code];
  const details = bounded(`${err.code}: ${err.message}`);
  const retryAfterMs = err.details['retryAfterMs'];
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    const retry = RetryInfoType.encode({ retry_delay: { seconds: Math.floor(retryAfterMs / 1000), nanos: (retryAfterMs % 1000) * 1e6 } }).finish();
    const st = StatusType.encode({ code, message: details, details: [{ type_url: RETRY_INFO_URL, value: retry }] }).finish();
    metadata.set(DETAILS_KEY, Buffer.from(st));
  }
  return { code, details, metadata };
}

/** The RetryInfo delay of a status, in milliseconds, when the server sent one. */
export function retryDelayOf(metadata: Metadata | undefined): number | undefined {
  const raw = metadata?.get(DETAILS_KEY)[0];
  if (!Buffer.isBuffer(raw)) return undefined;
  try {
    const st = StatusType.decode(raw) as unknown as { details: { type_url: string; value: Uint8Array }[] };
    const info = st.details.find((d) => d.type_url === RETRY_INFO_URL);
    if (info === undefined) return undefined;
    const r = RetryInfoType.decode(info.value) as unknown as { retry_delay?: { seconds: number | { toNumber(): number }; nanos: number } };
    if (r.retry_delay === undefined) return undefined;
    const seconds = typeof r.retry_delay.seconds === 'number' ? r.retry_delay.seconds : r.retry_delay.seconds.toNumber();
    return seconds * 1000 + Math.round(r.retry_delay.nanos / 1e6);
  } catch {
    return undefined;
  }
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
  const retryAfterMs = retryDelayOf(e.metadata);
  return new LetheError(code, message, { cause: e, ...(retryAfterMs === undefined ? {} : { details: { retryAfterMs } }) });
}
