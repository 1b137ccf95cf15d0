import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from './program.js';

const BIN = fileURLToPath(new URL('./lethe.ts', import.meta.url));

function lethe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same CLI in this process (`main` is what the bin runs): the exit code and what it printed. */
async function letheInProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const capture = (stream: 'stdout' | 'stderr') =>
    vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      out[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    });
  const spies = [capture('stdout'), capture('stderr')];
  try {
    return { status: await main(args), ...out };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('lethe plan', () => {
  it('prints one JSON object with orderings, capacity and training cost', () => {
    const r = lethe('plan', '--shards', '5', '--slices', '4', '--budget', '4', '--json');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as {
      orderings: number[][];
      capacity: { s3t: { closedForm: number; simulated: number }; sisa: { closedForm: number; simulated: number } };
      trainingCost: { samplePasses: number };
    };
    expect(report.orderings).toEqual([[0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1], [1, 2, 3, 0]]);
    expect(report.capacity.s3t.closedForm).toBeCloseTo(71.95, 1);
    expect(report.capacity.sisa.closedForm).toBeCloseTo(45.67, 1);
    expect(Math.abs(report.capacity.s3t.simulated / report.capacity.s3t.closedForm - 1)).toBeLessThan(0.05);
    expect(Math.abs(report.capacity.sisa.simulated / report.capacity.sisa.closedForm - 1)).toBeLessThan(0.05);
    expect(report.trainingCost.samplePasses).toBe((4 * 10_000 * 1 * 5) / 2);
  });

  it('prints a human table by default and supports BMS with a prior', () => {
    const r = lethe('plan', '-m', '3', '-L', '4', '-B', '2', '--selection', 'bms', '--prior', '0.4,0.3,0.2,0.1', '--horizon', '3');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('S3T plan: m=3 shards, L=4 slices, B=2');
    expect(r.stdout).toMatch(/π0: 3 → /); // the low-risk slice first
    expect(r.stdout).toContain('SISA (B=1)');
  });

  it('shrinks the default trial count of a large plan so it answers in seconds', () => {
    const r = lethe('plan', '-m', '4096', '-L', '16', '-B', '4', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { capacity: { s3t: { trials: number; closedForm: number; simulated: number } } };
    expect(report.capacity.s3t.trials).toBe(Math.floor(2_000_000 / (4096 * 16)));
    expect(Number.isFinite(report.capacity.s3t.simulated)).toBe(true);
  });

  it.each([
    { args: ['--shards', '0', '--slices', '4', '--budget', '4'], want: /--shards must be an integer in \[1, 4096\]/ },
    { args: ['--shards', '10000', '--slices', '4', '--budget', '4'], want: /--shards must be an integer in \[1, 4096\]/ },
    { args: ['--shards', '5', '--slices', '12', '--budget', '100000'], want: /--budget must be an integer in \[1, 64\]/ },
    { args: ['--shards', '5', '--slices', '4', '--budget', '4', '--samples', '0'], want: /--samples must be an integer in \[1, 1000000000\]/ },
    { args: ['--shards', '4096', '--slices', '16', '--budget', '4', '--trials', '2000'], want: /at most 2000000 .*use --trials 30 or fewer/ },
    { args: ['--shards', '5', '--slices', '3', '--budget', '7'], want: /at most L! = 6/ },
    { args: ['--shards', '5', '--slices', '4'], want: /--budget/ },
    { args: ['--shards', '5', '--slices', '4', '--budget', '2', '--selection', 'x'], want: /Allowed choices/ },
    { args: ['--shards', '5', '--slices', '4', '--budget', '2', '--selection', 'bms', '--prior', '0.9,0.9,0,0'], want: /sum to 1/ },
    { args: ['--shards', '5', '--slices', '4', '--budget', '2', '--nope'], want: /unknown option/ },
  ])('exits 2 with a one-line error for $args', async ({ args, want }) => {
    const r = await letheInProcess('plan', ...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith('lethe:'));
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(want);
  });

  it('exits 2 from the process too (the bin hands the code main returns to the shell)', () => {
    const r = lethe('plan', '--shards', '0', '--slices', '4', '--budget', '4');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^lethe: .*--shards must be an integer in \[1, 4096\]/m);
  });
});
