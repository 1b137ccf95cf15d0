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
