import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import { ErrorCode, LetheError, invalidArgument } from '../../errors/errors.js';
import { splitByIdHash, type Dataset, type TaskKind } from './dataset.js';

export interface FileDatasetOptions {
  readonly path: string;
  /** Column holding the stable sample id. @default 'id' */
  readonly idColumn?: string;
  /** Column holding the class label (integer ≥ 0) or regression target. @default 'label' */
  readonly labelColumn?: string;
  readonly task?: TaskKind;
  /** Optional column with public/user/test; otherwise rows are split by a hash of their id. @default 'split' */
  readonly splitColumn?: string;
  readonly publicFraction?: number;
  readonly testFraction?: number;
  /** The sha256 the file must have (the run's): a file changed since the run was planned is refused. */
  readonly sha256?: string;
}

type Row = Record<string, unknown>;

/** Largest dataset file read (it is read whole, once per process). */
export const MAX_DATASET_FILE_BYTES = 256 * 1024 * 1024;
/** Bounds that keep a file's model buildable: a label of 10^9 would ask for a 10^9-wide head. */
export const MAX_FILE_CLASSES = 1000;
export const MAX_FILE_FEATURES = 16_384;
/** Ids must be deletable through the API, so they obey its id rules (length, no control characters). */
const MAX_FILE_ID_LENGTH = 512;
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

const SUPPORTED = new Set(['.jsonl', '.ndjson', '.csv']);

/**
 * Reads a dataset file after checking what it is: a supported extension, a regular file (never a device, a FIFO or
 * a directory), and at most MAX_DATASET_FILE_BYTES; so `/dev/zero` or a huge file is refused before any read.
 */
function readDatasetFile(path: string): string {
  const ext = extname(path).toLowerCase();
  if (!SUPPORTED.has(ext)) throw invalidArgument(`dataset.uri: ${basename(path)}: unsupported file type '${ext.slice(0, 16)}' (expected .csv or .jsonl)`, { field: 'dataset.uri' });
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw invalidArgument(`dataset.uri: cannot read ${basename(path)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { field: 'dataset.uri' });
  }
  if (!st.isFile()) throw invalidArgument(`dataset.uri: ${basename(path)} is not a regular file`, { field: 'dataset.uri' });
  if (st.size > MAX_DATASET_FILE_BYTES) throw invalidArgument(`dataset.uri: ${basename(path)} has ${st.size} bytes; at most ${MAX_DATASET_FILE_BYTES}`, { field: 'dataset.uri' });
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw invalidArgument(`dataset.uri: cannot read ${basename(path)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { field: 'dataset.uri' });
  }
}

function records(path: string, text: string): { row: Row; line: number }[] {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') {
    const out: { row: Row; line: number }[] = [];
    text.split('\n').forEach((raw, i) => {
      if (raw.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch (e) {
        throw invalidArgument(`${basename(path)} line ${i + 1}: invalid JSON (${e instanceof Error ? e.message : String(e)})`, { line: i + 1 });
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`${basename(path)} line ${i + 1}: expected a JSON object`, { line: i + 1 });
      out.push({ row: v as Row, line: i + 1 });
    });
    return out;
  }
  if (ext === '.csv') {
    try {
      const parsed: { record: Row; info: { lines: number } }[] = parse(text, { columns: true, skip_empty_lines: true, info: true, trim: true });
      return parsed.map((p) => ({ row: p.record, line: p.info.lines }));
    } catch (e) {
      throw invalidArgument(`${basename(path)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw invalidArgument(`${basename(path)}: unsupported file type '${ext}' (expected .csv or .jsonl)`);
}

function toNumber(value: unknown, where: string, column: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw invalidArgument(`${where}: column '${column}' is not a number (${JSON.stringify(value)})`, { column });
  return n;
}

/**
 * Loads user data from JSONL or CSV: one row per sample, an id column, a label/target column, and features —
 * a `features` array (JSONL) or every other numeric column, in the order of the first row. Every bad row is
 * reported with its file and line.
 */
export function loadFileDataset(o: FileDatasetOptions): Dataset {
  const idColumn = o.idColumn ?? 'id';
  const labelColumn = o.labelColumn ?? 'label';
  const splitColumn = o.splitColumn ?? 'split';
  const task = o.task ?? 'classification';
  const text = readDatasetFile(o.path);
  const contentDigest = createHash('sha256').update(text, 'utf8').digest('hex');
  if (o.sha256 !== undefined && o.sha256 !== contentDigest) {
    throw new LetheError(ErrorCode.FAILED_PRECONDITION, `dataset ${basename(o.path)} changed since the run was created (sha256 ${contentDigest.slice(0, 12)}…, the run names ${o.sha256.slice(0, 12)}…): its placement and lineage would no longer hold`);
  }
  const rows = records(o.path, text);
  if (rows.length === 0) throw invalidArgument(`${basename(o.path)}: no rows`);
  const first = rows[0] as { row: Row };
  const featureColumns = Array.isArray(first.row['features'])
    ? null
    : Object.keys(first.row).filter((k) => k !== idColumn && k !== labelColumn && k !== splitColumn);
  const width = featureColumns === null ? (first.row['features'] as unknown[]).length : featureColumns.length;
  if (width === 0) throw invalidArgument(`${basename(o.path)}: no feature columns`);
  if (width > MAX_FILE_FEATURES) throw invalidArgument(`${basename(o.path)}: ${width} features; at most ${MAX_FILE_FEATURES}`);
  const ids: string[] = [];
  const seen = new Set<string>();
  const x = new Float32Array(rows.length * width);
  const y = new Float32Array(rows.length);
  const split = { public: [] as number[], user: [] as number[], test: [] as number[] };
  rows.forEach(({ row, line }, r) => {
    const where = `${basename(o.path)} line ${line}`;
    const id = row[idColumn];
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') throw invalidArgument(`${where}: missing id column '${idColumn}'`, { line });
    const sid = String(id);
    if (sid.length > MAX_FILE_ID_LENGTH || CONTROL.test(sid)) throw invalidArgument(`${where}: id must be at most ${MAX_FILE_ID_LENGTH} characters without control characters`, { line });
    if (seen.has(sid)) throw invalidArgument(`${where}: duplicate id '${sid}'`, { line });
    seen.add(sid);
    ids.push(sid);
    const label = toNumber(row[labelColumn], where, labelColumn);
    if (task === 'classification' && (!Number.isInteger(label) || label < 0 || label >= MAX_FILE_CLASSES)) {
      throw invalidArgument(`${where}: column '${labelColumn}' must be a class index (integer in [0, ${MAX_FILE_CLASSES - 1}]), got ${label}`, { line });
    }
    y[r] = label;
    const values: unknown[] = featureColumns === null ? (Array.isArray(row['features']) ? (row['features'] as unknown[]) : []) : featureColumns.map((c) => row[c]);
    if (values.length !== width) throw invalidArgument(`${where}: expected ${width} features, got ${values.length}`, { line });
    values.forEach((v, j) => (x[r * width + j] = toNumber(v, where, featureColumns?.[j] ?? `features[${j}]`)));
    const declared = row[splitColumn];
    const s = declared === undefined || declared === '' ? splitByIdHash(sid, o.publicFraction ?? 0.2, o.testFraction ?? 0.2) : typeof declared === 'string' ? declared : JSON.stringify(declared);
    if (s !== 'public' && s !== 'user' && s !== 'test') throw invalidArgument(`${where}: column '${splitColumn}' must be public, user or test, got '${s}'`, { line });
    split[s].push(r);
  });
  // A loop, not Math.max(...y): spreading a large array overflows the stack.
  const outputs = task === 'classification' ? y.reduce((m, v) => Math.max(m, v), 0) + 1 : 1;
  return {
    name: basename(o.path),
    task,
    inputShape: [width],
    outputs,
    ids,
    x,
    y,
    split: { public: Int32Array.from(split.public), user: Int32Array.from(split.user), test: Int32Array.from(split.test) },
    contentDigest,
  };
}
