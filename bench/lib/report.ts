import Table from 'cli-table3';

/** A plain (uncoloured) table for benchmark output. */
export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  return t.toString();
}

export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
}

/** Prints the table for people, then (with --json) the result as the last line. */
export function emit(text: string, json: unknown, asJson: boolean): void {
  process.stdout.write(`${text}\n`);
  if (asJson) process.stdout.write(`${JSON.stringify(json)}\n`);
}

export function hasFlag(name: string): boolean {
  return process.argv.includes(name);
}

/** The value after `--name` on the command line, if given. */
export function flagValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** A positive number from `--name`, or the default; anything else stops the benchmark with the reason. */
export function numberFlag(name: string, fallback: number): number {
  const raw = flagValue(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number, got ${JSON.stringify(raw)}`);
  return n;
}
