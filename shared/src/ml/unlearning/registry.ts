import { ErrorCode, LetheError, invalidArgument } from '../../errors/errors.js';
import type { UnlearningMethod } from './method.js';
import { blindspotMethod } from './methods/blindspot.js';
import { classPoisoningMethod } from './methods/class-poisoning.js';
import { fineTuneMethod } from './methods/fine-tune.js';
import { gaussianFineTuneMethod } from './methods/gaussian-ft.js';
import { gradientAscentMethod } from './methods/gradient-ascent.js';
import { iauMethod } from './methods/iau.js';
import { influenceMethod } from './methods/influence.js';
import { l1SparseMethod } from './methods/l1-sparse.js';
import { lafMethod } from './methods/laf.js';
import { ompMethod } from './methods/omp.js';
import { randomLabelMethod } from './methods/random-label.js';
import { retrainMethod } from './methods/retrain.js';
import { ssdMethod } from './methods/ssd.js';

type AnyMethod = UnlearningMethod<object>;

const base: AnyMethod[] = [retrainMethod, fineTuneMethod, gradientAscentMethod, randomLabelMethod, ssdMethod, l1SparseMethod, influenceMethod, iauMethod, lafMethod, classPoisoningMethod, gaussianFineTuneMethod, blindspotMethod].map(
  (m) => m as unknown as AnyMethod,
);
const byName = new Map<string, AnyMethod>(base.map((m) => [m.name, m]));
const omp = ompMethod((name) => {
  const m = byName.get(name);
  if (m === undefined) throw invalidArgument(`unknown unlearner ${JSON.stringify(name)}`, { field: 'parameters.unlearner' });
  return m;
}) as unknown as AnyMethod;
byName.set(omp.name, omp);

/** Every method, in the order reports list them. */
export const METHODS: readonly AnyMethod[] = [...base, omp];

export function methodNames(): string[] {
  return METHODS.map((m) => m.name);
}

/** The methods that never read a label: what a forget set submitted without labels may run. */
export function labelFreeMethods(): string[] {
  return METHODS.filter((m) => !m.needsLabels).map((m) => m.name);
}

export function findMethod(name: string): AnyMethod | undefined {
  return byName.get(name);
}

/**
 * Validates a method's parameters against its schema: unknown names and out-of-range values are INVALID_ARGUMENT
 * naming the field; unset ones take the method's defaults.
 */
export function parseMethodParams(method: AnyMethod, params: unknown): Record<string, unknown> {
  const r = method.schema.safeParse(params ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    const unknownKeys = issue?.code === 'unrecognized_keys' ? ` ${JSON.stringify(issue.keys)}` : '';
    const field = `parameters${path === '' ? '' : `.${path}`}`;
    throw invalidArgument(`${method.name}: invalid ${field}: ${(issue?.message ?? 'invalid').slice(0, 200)}${unknownKeys}`, { field });
  }
  return r.data as Record<string, unknown>;
}

/** A method unlearns only the tasks it names: FAILED_PRECONDITION for another model's task, naming both. */
export function checkTask(method: AnyMethod, task: 'classification' | 'regression'): void {
  if (method.tasks !== undefined && !method.tasks.includes(task)) {
    throw new LetheError(ErrorCode.FAILED_PRECONDITION, `method ${method.name} unlearns ${method.tasks.join(' or ')} models; this model is ${task}`, { details: { field: 'method' } });
  }
}
