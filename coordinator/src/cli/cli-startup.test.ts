import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { METHODS } from '../../../shared/src/ml/unlearning/registry.js';

const PROGRAM = new URL('./program.ts', import.meta.url).href;
const BIN = fileURLToPath(new URL('./lethe.ts', import.meta.url));

/** Runs a module script in a fresh Node with tsx (as the bin runs) and returns its stdout. */
function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the lethe CLI starts without the ML stack or the etcd client', () => {
  it('builds every verb without loading TF.js or the etcd client: a client verb pays for the verbs it runs only', () => {
    // Both are CommonJS: whatever loads them leaves their files in require.cache. Loading the modules that need them
    // proves the probe.
    const probe = (extra: string): string =>
      `import { createRequire } from 'node:module'; const m = await import(${JSON.stringify(PROGRAM)}); m.buildProgram(); ${extra}` +
      `const files = Object.keys(createRequire(import.meta.url).cache);` +
      `process.stdout.write(JSON.stringify(['@tensorflow', 'etcd3'].map((p) => files.filter((k) => k.includes(p)).length)));`;
    const cli = node(['--input-type=module', '-e', probe('')]);
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toEqual([0, 0]);
    const heavy = ['../../../shared/src/ml/unlearning/registry.ts', '../../../shared/src/adapters/etcd/etcd-state-store.ts'].map((p) => `await import(${JSON.stringify(new URL(p, import.meta.url).href)});`);
    const [tfFiles, etcdFiles] = JSON.parse(node(['--input-type=module', '-e', probe(heavy.join(' '))]).stdout) as [number, number];
    expect(tfFiles).toBeGreaterThan(0);
    expect(etcdFiles).toBeGreaterThan(0);
  });

  it('lethe job methods loads the methods when asked and lists each with its defaults', () => {
    const r = node([BIN, 'job', 'methods']);
    expect(r.status, r.stderr).toBe(0);
    for (const m of METHODS) expect(r.stdout).toContain(JSON.stringify(m.schema.parse({})).slice(0, 20));
    for (const m of METHODS) expect(r.stdout).toMatch(new RegExp(`│ ${m.name.replace('-', '\\-')} +│`));
  });
});
