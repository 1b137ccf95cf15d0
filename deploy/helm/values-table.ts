/**
 * The chart README's values table, generated from values.schema.json (so the two cannot drift: a test compares
 * them). `npx tsx deploy/helm/values-table.ts --write` rewrites the table in helm/lethe/README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
}

const CHART = fileURLToPath(new URL('../../helm/lethe/', import.meta.url));
export const BEGIN = '<!-- values table: generated from values.schema.json by deploy/helm/values-table.ts -->';
export const END = '<!-- end of values table -->';

function get(values: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), values);
}

function range(n: SchemaNode): string {
  if (n.enum !== undefined) return n.enum.map((e) => `\`${String(e)}\``).join(', ');
  if (n.minimum !== undefined || n.maximum !== undefined) return `${n.minimum ?? '−∞'} … ${n.maximum ?? '∞'}`;
  if (n.pattern !== undefined) return `pattern \`${n.pattern.replace(/\|/g, '\\|')}\``;
  return '';
}

/** One row per leaf value (objects with declared properties recurse). */
export function valuesTable(schema: SchemaNode, values: unknown): string {
  const rows: string[] = ['| value | type | default | valid | description |', '|---|---|---|---|---|'];
  const walk = (node: SchemaNode, path: string[]): void => {
    if (node.properties !== undefined) {
      for (const [k, child] of Object.entries(node.properties)) walk(child, [...path, k]);
      return;
    }
    const def = get(values, path);
    rows.push(`| \`${path.join('.')}\` | ${node.type ?? 'object'} | \`${JSON.stringify(def ?? null)}\` | ${range(node)} | ${node.description ?? ''} |`);
  };
  walk(schema, []);
  return rows.join('\n');
}

export function generatedBlock(): string {
  const schema = JSON.parse(readFileSync(`${CHART}values.schema.json`, 'utf8')) as SchemaNode;
  const values = parse(readFileSync(`${CHART}values.yaml`, 'utf8')) as unknown;
  return `${BEGIN}\n${valuesTable(schema, values)}\n${END}`;
}

if (process.argv.includes('--write')) {
  const readme = readFileSync(`${CHART}README.md`, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0) throw new Error('README.md lacks the values table markers');
  writeFileSync(`${CHART}README.md`, readme.slice(0, start) + generatedBlock() + readme.slice(end + END.length));
}
