import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load.js';

describe('loadConfig', () => {
  it('fills every default', () => {
    const c = loadConfig({ env: {} });
    expect(c.logLevel).toBe('info');
    expect(c.etcd.endpoints).toEqual(['127.0.0.1:2379']);
    expect(c.worker.backend).toBe('auto');
    expect(c.worker.slots).toBe(1);
    expect(c.worker.frozenCacheMiB).toBe(256);
    expect(loadConfig({ env: { LETHE_WORKER_FROZEN_CACHE_MIB: '0' } }).worker.frozenCacheMiB).toBe(0);
    expect(c.coordinator.taskSilenceTimeoutS).toBe(1800);
    expect(loadConfig({ env: { LETHE_COORDINATOR_TASK_SILENCE_TIMEOUT_S: '0' } }).coordinator.taskSilenceTimeoutS).toBe(0);
  });

  it('layers env, then file, then flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lethe-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ worker: { slots: 3 }, logLevel: 'warn' }));
    const env = { LETHE_WORKER_SLOTS: '2', LETHE_ETCD_ENDPOINTS: 'a:1, b:2', LETHE_LOG_LEVEL: 'debug' };
    const c = loadConfig({ env, file, flags: { logLevel: 'error' } });
    expect(c.worker.slots).toBe(3);
    expect(c.etcd.endpoints).toEqual(['a:1', 'b:2']);
    expect(c.logLevel).toBe('error');
  });

  it.each([
    { env: { LETHE_WORKER_SLOTS: 'many' }, field: 'worker.slots' },
    { env: { LETHE_BACKEND: 'tpu' }, field: 'worker.backend' },
    { env: { LETHE_ETCD_ENDPOINTS: 'no-port' }, field: 'etcd.endpoints.0' },
    { env: { LETHE_WORKER_SLOTS: '0' }, field: 'worker.slots' },
    { env: { LETHE_WORKER_FROZEN_CACHE_MIB: '-1' }, field: 'worker.frozenCacheMiB' },
    { env: { LETHE_WORKER_FROZEN_CACHE_MIB: '65537' }, field: 'worker.frozenCacheMiB' },
    { env: { LETHE_COORDINATOR_TASK_SILENCE_TIMEOUT_S: '-1' }, field: 'coordinator.taskSilenceTimeoutS' },
    { env: { LETHE_COORDINATOR_TASK_SILENCE_TIMEOUT_S: '604801' }, field: 'coordinator.taskSilenceTimeoutS' },
    { env: { LETHE_COORDINATOR_TASK_SILENCE_TIMEOUT_S: '1.5' }, field: 'coordinator.taskSilenceTimeoutS' },
  ])('fails fast naming $field', ({ env, field }) => {
    expect(() => loadConfig({ env })).toThrow(new RegExp(`invalid config: ${field.replace('.', '\\.')}`));
  });

  it('rejects unknown keys (typos) and unreadable files', () => {
    expect(() => loadConfig({ env: {}, flags: { wokrer: {} } })).toThrow(/invalid config/);
    expect(() => loadConfig({ env: {}, file: '/nonexistent/lethe.json' })).toThrow(/cannot read config file/);
  });
});
