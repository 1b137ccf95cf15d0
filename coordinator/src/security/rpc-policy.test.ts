import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RPC_POLICY } from './rpc-policy.js';
import { ROLES, granted as rolesGranted } from '../../../shared/src/domain/roles.js';

const SECURITY_MD = fileURLToPath(new URL('../../../docs/security.md', import.meta.url));

describe('the role table of docs/security.md', () => {
  it('lists, for each role, the roles it grants and exactly the RPCs the policy grants it', () => {
    const text = readFileSync(SECURITY_MD, 'utf8');
    const table = text.slice(text.indexOf('## What each role may do'));
    // Rows: | `role` | grants | `Rpc`, `Rpc` (`Service`) ... |; the first code span of the last cell onwards names the RPCs.
    const documented = new Map<string, string[]>();
    const grants = new Map<string, string[]>();
    for (const line of table.split('\n')) {
      const cells = /^\| `([a-z]+)` \|([^|]*)\|(.*)\|$/.exec(line);
      if (cells === null) continue;
      const rpcs = [...(cells[3] ?? '').matchAll(/`([A-Za-z]+)`(?! ?\))/g)].map((m) => m[1] as string);
      documented.set(cells[1] as string, rpcs.sort());
      grants.set(cells[1] as string, (cells[2] ?? '').replace('only', '').split(',').map((r) => r.trim()).sort());
    }
    expect(Object.fromEntries(grants)).toEqual(Object.fromEntries(ROLES.map((r) => [r, [...rolesGranted([r])].sort()])));
    const granted = new Map<string, string[]>();
    for (const [path, role] of Object.entries(RPC_POLICY)) {
      if (role === 'public') continue;
      granted.set(role, [...(granted.get(role) ?? []), path.slice(path.lastIndexOf('/') + 1)].sort());
    }
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(granted));
  });
});
