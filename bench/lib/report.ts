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
