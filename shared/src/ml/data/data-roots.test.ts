import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LetheError } from '../../errors/errors.js';
import { resolveDataUri } from './data-roots.js';

const refused = (uri: string, roots: string[]): string => {
  try {
    return `accepted ${resolveDataUri(uri, roots)}`;
  } catch (e) {
    return e instanceof LetheError ? `${e.code}: ${e.message}` : String(e);
  }
};

describe('data roots: file datasets only from configured directories', () => {
  const base = mkdtempSync(join(tmpdir(), 'lethe-roots-'));
  const root = join(base, 'data');
  const outside = join(base, 'secret');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(root, 'ok.csv'), 'id,label\n');
  writeFileSync(join(outside, 'passwd.csv'), 'id,label\n');
  symlinkSync(join(outside, 'passwd.csv'), join(root, 'link.csv'));
  symlinkSync(outside, join(root, 'dir-link'));
  mkdirSync(`${root}-evil`);
  writeFileSync(join(`${root}-evil`, 'x.csv'), 'id,label\n');

  it('accepts a file under a root, as a path or a file:// URL, and returns its real path', () => {
    expect(resolveDataUri(join(root, 'ok.csv'), [root])).toMatch(/data\/ok\.csv$/);
    expect(resolveDataUri(pathToFileURL(join(root, 'ok.csv')).href, [outside, root])).toMatch(/data\/ok\.csv$/);
  });

  it.each([
    ['a file outside every root', () => join(outside, 'passwd.csv'), /outside the data roots/],
    ['a symlink inside pointing outside', () => join(root, 'link.csv'), /outside the data roots/],
    ['a directory symlink inside pointing outside', () => join(root, 'dir-link', 'passwd.csv'), /outside the data roots/],
    ['.. escaping the root', () => join(root, '..', 'secret', 'passwd.csv'), /outside the data roots/],
    ['a sibling sharing the prefix', () => join(`${root}-evil`, 'x.csv'), /outside the data roots/],
    ['a device file', () => '/dev/zero', /outside the data roots/],
    ['a relative path', () => 'data/ok.csv', /absolute path/],
    ['another scheme', () => 'https://example.com/x.csv', /unsupported scheme/],
    ['a NUL byte', () => `${root}/ok.csv\0.csv`, /NUL/],
    ['a missing file', () => join(root, 'missing.csv'), /cannot read/],
  ])('refuses %s', (_, uri, why) => {
    const r = refused(uri(), [root]);
    expect(r).toMatch(/^INVALID_ARGUMENT: /);
    expect(r).toMatch(why);
  });

  it('refuses every file when no root is configured', () => {
    expect(refused(join(root, 'ok.csv'), [])).toMatch(/no data roots are configured/);
  });
});
