import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { clientTokenOf, transportOf } from './config-security.js';

const config = (env: Record<string, string>) => loadConfig({ env });
const message = (f: () => unknown): string => {
  try {
    return JSON.stringify(f());
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
};

describe('transport and credentials from the configuration: TLS unless explicitly insecure', () => {
  it('refuses to start without TLS files unless --insecure, and refuses both at once', () => {
    expect(message(() => transportOf(config({}), 'server'))).toMatch(/TLS is required/);
    expect(message(() => transportOf(config({}), 'client'))).toMatch(/TLS is required/);
    expect(transportOf(config({ LETHE_INSECURE: 'true' }), 'server')).toEqual({ insecure: true });
    expect(message(() => transportOf(config({ LETHE_INSECURE: 'true', LETHE_TLS_CA_FILE: '/ca' }), 'client'))).toMatch(/choose one/);
    expect(message(() => transportOf(config({ LETHE_TLS_CA_FILE: '/ca' }), 'server'))).toMatch(/needs tls.certFile/);
    expect(transportOf(config({ LETHE_TLS_CA_FILE: '/ca' }), 'client')).toEqual({ tls: { caFile: '/ca' } });
    expect(transportOf(config({ LETHE_TLS_CA_FILE: '/ca', LETHE_TLS_CERT_FILE: '/c', LETHE_TLS_KEY_FILE: '/k' }), 'server')).toEqual({ tls: { caFile: '/ca', certFile: '/c', keyFile: '/k' } });
    expect(message(() => config({ LETHE_INSECURE: 'yes' }))).toMatch(/insecure/);
  });

  it('takes the token from LETHE_TOKEN, else the token file; an empty file is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lethe-token-'));
    writeFileSync(join(dir, 't'), 'lethe_0123456789abcdef.secret\n');
    writeFileSync(join(dir, 'empty'), '\n');
    expect(clientTokenOf(config({}), {})).toBeUndefined();
    expect(clientTokenOf(config({ LETHE_AUTH_TOKEN_FILE: join(dir, 't') }), {})).toBe('lethe_0123456789abcdef.secret');
    expect(clientTokenOf(config({ LETHE_AUTH_TOKEN_FILE: join(dir, 't') }), { LETHE_TOKEN: 'from-env' })).toBe('from-env');
    expect(message(() => clientTokenOf(config({ LETHE_AUTH_TOKEN_FILE: join(dir, 'empty') }), {}))).toMatch(/empty/);
  });
});
