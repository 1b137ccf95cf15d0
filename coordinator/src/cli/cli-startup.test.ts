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

describe('the lethe CLI starts without the ML stack', () => {
  it('builds every verb without loading TF.js: a client verb pays for the verbs it runs only', () => {
    // TF.js is CommonJS: whatever loads it leaves its files in require.cache. Loading the ML modules proves the probe.
    const probe = (extra: string): string =>
      `import { createRequire } from 'node:module'; const m = await import(${JSON.stringify(PROGRAM)}); m.buildProgram(); ${extra}` +
      `process.stdout.write(String(Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@tensorflow')).length));`;
    const cli = node(['--input-type=module', '-e', probe('')]);
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toBe('0');
    const withMl = node(['--input-type=module', '-e', probe(`await import(${JSON.stringify(new URL('../../../shared/src/ml/unlearning/registry.ts', import.meta.url).href)});`)]);
    expect(Number(withMl.stdout)).toBeGreaterThan(0);
  });

  it('lethe job methods loads the methods when asked and lists each with its defaults', () => {
    const r = node([BIN, 'job', 'methods']);
    expect(r.status, r.stderr).toBe(0);
    for (const m of METHODS) expect(r.stdout).toContain(JSON.stringify(m.schema.parse({})).slice(0, 20));
    for (const m of METHODS) expect(r.stdout).toMatch(new RegExp(`│ ${m.name.replace('-', '\\-')} +│`));
  });
});
