import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../shared/src/util/package-root.js';

/**
 * The images run the compiled `dist/` (the Dockerfile: `npm run build`, dev dependencies pruned, then `dist`,
 * `proto`, `package.json` and `node_modules` copied), not the TypeScript sources every other test runs. This lays
 * the build out the same way and runs it, so a path that only holds from sources, or a runtime import of a
 * development dependency, fails here rather than in a pod.
 */
const ROOT = packageRoot();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; optionalDependencies?: Record<string, string>; devDependencies: Record<string, string> };

/** Development dependencies the build may name, each on a path the image never takes. */
const SOURCE_ONLY: Record<string, string> = {
  // trainer.ts registers tsx's loader in a training thread only when it runs from `.ts` files.
  tsx: 'the training thread registers it only when running from TypeScript sources',
};

let app = '';

function lethe(args: string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(app, 'dist/coordinator/src/cli/lethe.js'), ...args], { cwd: app, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, HOME: app } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => join(e.parentPath, e.name));
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'lethe-dist-'));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  if (tsc.status !== 0) throw new Error(`npm run build failed (${String(tsc.status)}): ${tsc.stdout}${tsc.stderr}`);
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  cpSync(join(ROOT, 'proto'), join(app, 'proto'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
}, 300_000);

afterAll(() => {
  if (app !== '') rmSync(app, { recursive: true, force: true });
});

describe('the production build (dist/, as the images run it)', () => {
  it('imports only runtime dependencies: nothing the image prunes', () => {
    const runtime = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    const named = new Map<string, string>(); // package → a file that names it
    // Static and dynamic imports, re-exports, and createRequire(...)(...) / .resolve(...) calls.
    const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\brequire\s*\(\s*|\)\s*\(\s*|\.resolve\s*\(\s*)['"]([@a-zA-Z][\w@/.:-]*)['"]/gm;
    const files = jsFiles(join(app, 'dist'));
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
        const spec = m[1] as string;
        if (spec.startsWith('node:') || builtins.has(packageOf(spec))) continue;
        named.set(packageOf(spec), file.slice(app.length + 1));
      }
    }
    // The probe sees the packages the build really names, dynamic and createRequire ones included.
    for (const p of ['@grpc/grpc-js', 'etcd3', '@tensorflow/tfjs', 'mnist', 'libsvm-js', 'tsx']) expect([...named.keys()]).toContain(p);
    const strays = [...named].filter(([p]) => !runtime.has(p) && SOURCE_ONLY[p] === undefined).map(([p, f]) => `${p} (${f}${p in pkg.devDependencies ? ', a devDependency' : ''})`);
    expect(strays).toEqual([]);
    for (const p of Object.keys(SOURCE_ONLY)) expect(pkg.devDependencies[p], `${p} is listed as source-only`).toBeDefined();
  });

  it('runs: --version, plan, and the demo end to end (training threads from dist, proto from the package root)', () => {
    const version = lethe(['--version'], 60_000);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const plan = lethe(['plan', '--shards', '2', '--slices', '3', '--budget', '2'], 60_000);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/one model, full data/);
    const demo = lethe(['demo', '--quick', '--json', '--deletions', '3'], 240_000);
    expect(demo.status, demo.stderr).toBe(0);
    const summary = JSON.parse(demo.stdout.trim().split('\n').pop() ?? '{}') as { accuracyBefore?: number; deletions?: number; samplePasses?: { s3t: number } };
    expect(summary.deletions).toBe(3);
    expect(summary.accuracyBefore).toBeGreaterThan(0.6);
    expect(summary.samplePasses?.s3t).toBeGreaterThan(0);
  }, 300_000);
});
