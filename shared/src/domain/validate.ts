import { invalidArgument } from '../errors/errors.js';

/** Throws INVALID_ARGUMENT unless `value` is an integer in [min, max]. */
export function requireInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw invalidArgument(`${name} must be an integer ${range}, got ${String(value)}`, { field: name, value });
  }
  return value;
}

/** n! as a number, saturating at Infinity: callers only compare it with budgets. */
export function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Validates a slice ordering: a permutation of 0..L-1. */
export function requirePermutation(name: string, order: readonly number[], L: number): void {
  if (order.length !== L) throw invalidArgument(`${name} must have ${L} entries, got ${order.length}`, { field: name });
  const seen = new Set<number>();
  for (const s of order) {
    if (!Number.isInteger(s) || s < 0 || s >= L || seen.has(s)) {
      throw invalidArgument(`${name} must be a permutation of 0..${L - 1}, got [${order.join(',')}]`, { field: name });
    }
    seen.add(s);
  }
}

/** Longest text an error message repeats from its input; the rest is elided (see `quote`). */
const ECHO_LIMIT = 80;

/**
 * `value` quoted for an error message, cut to a bounded length: a message never carries a caller's whole input
 * (a 100 kB id echoed into a gRPC status trailer exceeds what strict clients accept, and stalls their connection).
 */
export function quote(value: string, limit = ECHO_LIMIT): string {
  if (value.length <= limit) return `'${value}'`;
  return `'${value.slice(0, limit)}…' (${value.length} characters)`;
}

/** Throws INVALID_ARGUMENT unless `value` is a string of at most `max` characters (`min` at least). */
export function requireBoundedString(field: string, value: unknown, max: number, min = 0): string {
  if (typeof value !== 'string') throw invalidArgument(`${field} must be a string`, { field });
  if (value.length < min) throw invalidArgument(min === 1 ? `${field} must not be empty` : `${field} must have at least ${min} characters`, { field });
  if (value.length > max) throw invalidArgument(`${field} has ${value.length} characters; at most ${max}`, { field });
  return value;
}

/** Longest request id (AIP-155) the API accepts: room for a UUID with a prefix. */
export const MAX_REQUEST_ID_LENGTH = 128;
const REQUEST_ID = /^[\x21-\x7e]+$/;

/**
 * A request id is empty (no idempotency) or 1..128 printable ASCII characters without spaces. Anything else is
 * refused rather than normalised: ids differing only in bytes a decoder would replace must not collide.
 */
export function requireRequestId(value: unknown, field = 'request_id'): string {
  const id = requireBoundedString(field, value, MAX_REQUEST_ID_LENGTH);
  if (id !== '' && !REQUEST_ID.test(id)) throw invalidArgument(`${field} must be printable ASCII without spaces (got ${quote(id, 40)})`, { field });
  return id;
}
