import { existsSync } from 'node:fs';
import { ErrorCode, LetheError } from '../errors/errors.js';
import { tf } from './tf.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';
import type { Logger } from '../log/logger.js';

/** TF.js backends Lethe can run on, best first. */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

export interface SelectedBackend {
  /** Lethe's name of the backend (what workers report). */
  readonly name: BackendName;
  /** TF.js's registered backend name ('tensorflow', 'webgpu', 'wasm', 'cpu'). */
  readonly tfName: string;
  /** Why each better backend was skipped. */
  readonly skipped: readonly { readonly name: BackendName; readonly reason: string }[];
}

export interface SelectBackendOptions {
  /** Force one backend (LETHE_BACKEND); 'auto' or absent picks the best available. */
  readonly forced?: BackendName | 'auto';
  /** Whether a GPU is present; detected from /dev/nvidia* and /dev/dri when absent. */
  readonly gpuPresent?: boolean;
  /** Where the choice (and why better backends were skipped) is logged. */
  readonly logger?: Logger;
}

/** Optional packages are imported by a computed name so a missing one is a run-time fallback, not a type error. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier) as Promise<unknown>;
}

export function detectGpu(): boolean {
  return existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl') || existsSync('/dev/dri/renderD128');
}

export type Attempt = { ok: true; tfName: string } | { ok: false; reason: string };

async function activate(tfName: string): Promise<Attempt> {
  try {
    if (!(await tf.setBackend(tfName))) return { ok: false, reason: `tf.setBackend('${tfName}') failed` };
    await tf.ready();
    return { ok: true, tfName };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

async function tryNodeBinding(pkg: string): Promise<Attempt> {
  try {
    await importOptional(pkg); // registers the 'tensorflow' backend on import
  } catch (e) {
    return { ok: false, reason: `${pkg} is not installed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  return activate('tensorflow');
}

interface WebGpuModule {
  create(options: string[]): unknown;
  globals: Record<string, unknown>;
}

async function tryWebGpu(): Promise<Attempt> {
  if (tf.findBackendFactory('webgpu') !== null) return activate('webgpu'); // registered by the host (a bundle)
  try {
    // The webgpu backend registers itself only if navigator.gpu exists when it is first evaluated.
    const webgpu = (await importOptional('webgpu')) as WebGpuModule;
    Object.assign(globalThis, webgpu.globals);
    const nav = (globalThis as { navigator?: Record<string, unknown> }).navigator;
    const gpu = webgpu.create([]);
    if (nav !== undefined) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    await importOptional('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    return { ok: false, reason: `webgpu unavailable (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  return activate('webgpu');
}

async function tryWasm(): Promise<Attempt> {
  try {
    if (tf.findBackendFactory('wasm') === null) await importOptional('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm failed to load (${String(e)})` };
  }
  const a = await activate('wasm');
  if (a.ok) registerWasmTrainingKernels();
  return a;
}

/**
 * Loads and activates one backend, reporting why not when it cannot; for benchmarks that visit every backend.
 * Services use selectBackend, which activates exactly one.
 */
export async function tryBackend(name: BackendName): Promise<Attempt> {
  return attempt(name);
}

async function attempt(name: BackendName): Promise<Attempt> {
  switch (name) {
    case 'tensorflow-gpu':
      return tryNodeBinding('@tensorflow/tfjs-node-gpu');
    case 'tensorflow':
      return tryNodeBinding('@tensorflow/tfjs-node');
    case 'webgpu':
      return tryWebGpu();
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return activate('cpu');
  }
}

let selected: SelectedBackend | undefined;

/**
 * Chooses the TF.js backend once per process (or thread): the forced one, or the best available in
 * BACKEND_PREFERENCE order. WebGPU is only tried when forced or when a GPU is present, since Dawn refuses
 * software Vulkan. A forced backend that cannot start is an error, never a silent fallback.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  const forced = options.forced ?? 'auto';
  if (selected !== undefined) {
    if (forced !== 'auto' && forced !== selected.name) {
      throw new LetheError(ErrorCode.FAILED_PRECONDITION, `backend ${selected.name} is already active; cannot switch to ${forced}`);
    }
    return selected;
  }
  if (forced !== 'auto') {
    const a = await attempt(forced);
    if (!a.ok) throw new LetheError(ErrorCode.FAILED_PRECONDITION, `backend ${forced} is unavailable: ${a.reason}`, { details: { backend: forced } });
    selected = { name: forced, tfName: a.tfName, skipped: [] };
    options.logger?.info({ backend: forced, forced: true }, 'TF.js backend selected');
    return selected;
  }
  const gpu = options.gpuPresent ?? detectGpu();
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of BACKEND_PREFERENCE) {
    if (name === 'webgpu' && !gpu) {
      skipped.push({ name, reason: 'no GPU detected' });
      continue;
    }
    const a = await attempt(name);
    if (a.ok) {
      selected = { name, tfName: a.tfName, skipped };
      options.logger?.info({ backend: name, skipped }, 'TF.js backend selected');
      return selected;
    }
    skipped.push({ name, reason: a.reason });
  }
  throw new LetheError(ErrorCode.UNAVAILABLE, 'no TF.js backend could start');
}

/** Parses LETHE_BACKEND-style input. */
export function parseBackendName(value: string): BackendName | 'auto' {
  if (value === 'auto' || (BACKEND_PREFERENCE as readonly string[]).includes(value)) return value as BackendName | 'auto';
  throw new LetheError(ErrorCode.INVALID_ARGUMENT, `unknown backend '${value}'; expected auto or one of ${BACKEND_PREFERENCE.join(', ')}`);
}
