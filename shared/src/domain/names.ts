import { invalidArgument } from '../errors/errors.js';
import { quote, requireBoundedString } from './validate.js';

/**
 * Resource names of the v1 API and their valid forms, in one place: every handler parses names through these, so
 * a name is bounded, checked and quoted (briefly) the same way everywhere.
 */

/** Longest resource name accepted in any field ("runs/<id>/deletions/<id>" needs far less). */
export const MAX_NAME_LENGTH = 256;

/** A run id: a lowercase DNS label (1..63 characters). */
export const RUN_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A deletion id as the coordinator makes them: 13-digit milliseconds, '-', 8 hex digits. */
const DELETION_ID = /^[0-9]{13}-[0-9a-f]{8}$/;
/** A worker id: 1..128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit (pod names fit). */
export const WORKER_ID = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$/;

/** "runs/{id}" or a bare id → the id; INVALID_ARGUMENT naming `field` otherwise. */
export function parseRunName(name: unknown, field = 'run'): string {
  const s = requireBoundedString(field, name, MAX_NAME_LENGTH, 1);
  const id = s.startsWith('runs/') ? s.slice('runs/'.length) : s;
  if (!RUN_ID.test(id)) throw invalidArgument(`${field} must be "runs/<id>" with a lowercase DNS-style id, got ${quote(s)}`, { field });
  return id;
}

/** "runs/{run}/deletions/{id}" → its parts. */
export function parseDeletionName(name: unknown, field = 'name'): { run: string; deletion: string } {
  const s = requireBoundedString(field, name, MAX_NAME_LENGTH, 1);
  const m = /^runs\/([^/]+)\/deletions\/([^/]+)$/.exec(s);
  if (m === null || !RUN_ID.test(m[1] as string) || !DELETION_ID.test(m[2] as string)) {
    throw invalidArgument(`${field} must be runs/<run>/deletions/<id>, got ${quote(s)}`, { field });
  }
  return { run: m[1] as string, deletion: m[2] as string };
}

/** "workers/{id}" or a bare id → the id. */
export function parseWorkerName(name: unknown, field = 'name'): string {
  const s = requireBoundedString(field, name, MAX_NAME_LENGTH, 1);
  const id = s.startsWith('workers/') ? s.slice('workers/'.length) : s;
  requireWorkerId(id, field);
  return id;
}

export function requireWorkerId(id: string, field = 'worker_id'): string {
  if (!WORKER_ID.test(id)) throw invalidArgument(`${field} must be 1..128 letters, digits, '.', '_' or '-' (starting and ending with a letter or digit), got ${quote(id)}`, { field });
  return id;
}
