import { realpathSync } from 'node:fs';
import { isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidArgument } from '../../errors/errors.js';
import { quote } from '../../domain/validate.js';

const FIELD = { field: 'dataset.uri' };

/**
 * Where a file dataset may be read: its URI (an absolute path or a file:// URL) resolved, symlinks and all, to a real
 * path inside one of the configured data roots; anything else is refused before a byte is read. Read the returned
 * path, not the URI, so a symlink swapped after the check changes nothing.
 */
export function resolveDataUri(uri: string, roots: readonly string[]): string {
  if (uri.includes('\0')) throw invalidArgument('dataset.uri contains a NUL byte', FIELD);
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    if (!uri.startsWith('file:')) throw invalidArgument(`dataset.uri: unsupported scheme in ${quote(uri, 60)}; use a path or a file:// URL under a data root`, FIELD);
    try {
      path = fileURLToPath(uri);
    } catch {
      throw invalidArgument(`dataset.uri: ${quote(uri, 60)} is not a local file URL`, FIELD);
    }
  } else path = uri;
  if (!isAbsolute(path)) throw invalidArgument(`dataset.uri must be an absolute path or file:// URL, got ${quote(uri, 60)}`, FIELD);
  if (roots.length === 0) throw invalidArgument('dataset.uri: file datasets are disabled here: no data roots are configured (dataRoots, LETHE_DATA_ROOTS)', FIELD);
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    throw invalidArgument(`dataset.uri: cannot read ${quote(uri, 60)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, FIELD);
  }
  const inside = roots.some((root) => {
    let r: string;
    try {
      r = realpathSync(root);
    } catch {
      return false;
    }
    return real.startsWith(r.endsWith(sep) ? r : r + sep);
  });
  if (!inside) throw invalidArgument(`dataset.uri: ${quote(uri, 60)} is outside the data roots this coordinator may read`, FIELD);
  return real;
}
