import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { tf, type Tensor } from '../tf.js';
import { BATCH_MATMUL_WASM } from './batch-matmul-wasm.js';

type Tensor3D = tf.Tensor3D;

/**
 * Per-task layers of a group on the wasm backend, in one call of Lethe's own WebAssembly kernel
 * (batch-matmul-wat.ts) on the tensors where they lie in the backend's memory: for every task t,
 * C[t] = res[t] + relu(addend[t] + scale·op(A[t])·B[t] + bias[t]), the relu's input kept as `pre`. Each task's result is bit-equal whatever the
 * group size (the kernel computes every element by the same float32 sequence), so a stage trained in a group
 * equals the same stage trained alone. The kernels carry no gradients: the stage engine defines them.
 */
export const TASK_MATMUL = 'LetheTaskMatMul';
export const RELU_MASK = 'LetheReluMask';
export const GATHER_ROWS = 'LetheGatherRows';
export const ADAM = 'LetheAdam';

/** The WebAssembly API as Node provides it (this project's TypeScript lib has no DOM types). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The backend's memory object (a WebAssembly.Memory). */
type Memory = object;

interface WasmBackendView {
  readonly wasm: { readonly asm: { readonly memory: Memory } };
  readonly dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

interface Kernels {
  bmm(...args: [a: number, b: number, c: number, batch: number, m: number, kd: number, n: number, saB: number, saI: number, saL: number, sbB: number, scale: number, addend: number, bias: number, sBias: number, pre: number, res: number]): void;
  mask_scale(dy: number, pre: number, out: number, count: number, scale: number): void;
  gather_rows(src: number, rows: number, idx: number, dst: number, count: number, rowBytes: number): void;
  adam(...args: [g: number, p: number, outP: number, m: number, v: number, outM: number, outV: number, k: number, width: number, P: number, offset: number, bias1: number, bias2: number, active: number, lr: number, b1: number, b2: number, c1: number, c2: number, eps: number]): void;
}

const instances = new WeakMap<Memory, Kernels>();

function kernelsFor(memory: Memory): Kernels {
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    const module = new wasmApi.Module(Buffer.from(BATCH_MATMUL_WASM, 'base64'));
    kernels = new wasmApi.Instance(module, { env: { memory } }).exports as unknown as Kernels;
    instances.set(memory, kernels);
  }
  return kernels;
}

function fail(message: string): never {
  throw new Error(`${TASK_MATMUL}: ${message}`);
}

const dims = (t: TensorInfo, what: string): [number, number, number] => {
  if (t.shape.length !== 3 || t.dtype !== 'float32') fail(`${what} must be float32 [tasks, rows, cols], got ${t.dtype} [${t.shape.join(', ')}]`);
  return t.shape as [number, number, number];
};

/** Where a tensor lies in the backend's memory (0 for an absent optional input: the kernels' "none"). */
function offsetOf(view: WasmBackendView, t: TensorInfo | undefined): number {
  if (t === undefined) return 0;
  return view.dataIdMap.get(t.dataId)?.memoryOffset ?? fail('unknown tensor');
}

const sameShape = (t: TensorInfo | undefined, shape: readonly number[], what: string): void => {
  if (t !== undefined && (t.dtype !== 'float32' || t.shape.join() !== shape.join())) fail(`${what} must be float32 [${shape.join(', ')}], got ${t.dtype} [${t.shape.join(', ')}]`);
};

interface LayerAttrs {
  readonly transposeA: boolean;
  readonly scale: number;
  readonly relu: boolean;
}

let registered = false;

/** Registers the kernels with the wasm backend (once per process). */
export function registerTaskMatMul(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: TASK_MATMUL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { a, b, addend, bias, res } = inputs as { a: TensorInfo; b: TensorInfo; addend?: TensorInfo; bias?: TensorInfo; res?: TensorInfo };
      const { transposeA, scale, relu } = attrs as NamedAttrMap & LayerAttrs;
      const [batch, a1, a2] = dims(a, 'a');
      const [bBatch, kd, n] = dims(b, 'b');
      const [m, inner] = transposeA ? [a2, a1] : [a1, a2];
      if (inner !== kd || (bBatch !== batch && bBatch !== 1)) fail(`shapes [${a.shape.join(', ')}]${transposeA ? 'ᵀ' : ''} and [${b.shape.join(', ')}] do not multiply`);
      const shape = [batch, m, n];
      sameShape(addend, shape, 'addend');
      sameShape(res, shape, 'res');
      const biasSize = bias === undefined ? 0 : bias.shape.reduce((x, y) => x * y, 1);
      if (bias !== undefined && (bias.dtype !== 'float32' || (biasSize !== n && biasSize !== batch * n))) fail(`bias must hold ${n} or ${batch}·${n} float32 values, got [${bias.shape.join(', ')}]`);
      const view = backend as unknown as WasmBackendView;
      const out = view.makeOutput(shape, 'float32');
      const pre = relu ? view.makeOutput(shape, 'float32') : undefined;
      if (batch * m * n > 0) {
        const at = (t: TensorInfo | undefined): number => offsetOf(view, t);
        const [saI, saL] = transposeA ? [1, m] : [kd, 1];
        kernelsFor(view.wasm.asm.memory).bmm(at(a), at(b), at(out), batch, m, kd, n, m * kd, saI, saL, bBatch === 1 ? 0 : kd * n, scale, at(addend), at(bias), biasSize === n ? 0 : n, at(pre), at(res));
      }
      return pre === undefined ? out : [out, pre];
    },
  });
  registerReluMask();
  registerGatherRows();
  registerAdam();
}

/** relu's gradient: dy where the relu's input was positive, scaled. */
function registerReluMask(): void {
  tf.registerKernel({
    kernelName: RELU_MASK,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, pre } = inputs as { dy: TensorInfo; pre: TensorInfo };
      sameShape(pre, dy.shape, 'pre');
      if (dy.dtype !== 'float32') fail(`dy must be float32, got ${dy.dtype}`);
      const view = backend as unknown as WasmBackendView;
      const out = view.makeOutput([...dy.shape], 'float32');
      const count = dy.shape.reduce((x, y) => x * y, 1);
      const at = (t: TensorInfo): number => offsetOf(view, t);
      if (count > 0) kernelsFor(view.wasm.asm.memory).mask_scale(at(dy), at(pre), at(out), count, (attrs as NamedAttrMap & { scale: number }).scale);
      return out;
    },
  });
}

/** Rows of x (float32 or int32, any rank ≥ 1) by an int32 index vector, copied inside the heap. */
function registerGatherRows(): void {
  tf.registerKernel({
    kernelName: GATHER_ROWS,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
      if (x.shape.length < 1 || (x.dtype !== 'float32' && x.dtype !== 'int32')) fail(`gather: x must be a float32 or int32 tensor, got ${x.dtype} [${x.shape.join(', ')}]`);
      if (indices.shape.length !== 1 || indices.dtype !== 'int32') fail(`gather: indices must be int32 [count], got ${indices.dtype} [${indices.shape.join(', ')}]`);
      const view = backend as unknown as WasmBackendView;
      const rest = x.shape.slice(1);
      const count = indices.shape[0] as number;
      const out = view.makeOutput([count, ...rest], x.dtype);
      const rowBytes = 4 * rest.reduce((a, b) => a * b, 1);
      const offset = (t: TensorInfo): number => offsetOf(view, t);
      if (count > 0 && rowBytes > 0) {
        try {
          kernelsFor(view.wasm.asm.memory).gather_rows(offset(x), x.shape[0] as number, offset(indices), offset(out), count, rowBytes);
        } catch (cause) {
          (backend as tf.KernelBackend).disposeData(out.dataId);
          throw new Error(`${GATHER_ROWS}: an index is outside [0, ${x.shape[0]})`, { cause });
        }
      }
      return out;
    },
  });
}

export interface AdamHyper {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** One masked Adam step for every task's parameters (see the kernel's text for the exact order of operations). */
function registerAdam(): void {
  tf.registerKernel({
    kernelName: ADAM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const named = inputs as Record<string, TensorInfo>;
      const { count, lr, beta1, beta2, epsilon } = attrs as NamedAttrMap & AdamHyper & { count: number };
      const [m, v, bias1, bias2, active] = (['m', 'v', 'bias1', 'bias2', 'active'] as const).map((n) => named[n] ?? fail(`adam: missing ${n}`)) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
      const [k, P] = m.shape as [number, number];
      sameShape(v, [k, P], 'v');
      for (const t of [bias1, bias2, active]) sameShape(t, [k], 'bias1, bias2 and active');
      const params = Array.from({ length: count }, (_, i) => [named[`p${i}`], named[`g${i}`]] as const);
      const widths = params.map(([p, g]) => {
        if (p === undefined || g === undefined) fail('adam: a parameter or its gradient is missing');
        sameShape(g, p.shape, 'a gradient');
        if (p.shape[0] !== k) fail(`adam: a parameter's first axis must be the ${k} tasks, got [${p.shape.join(', ')}]`);
        return p.shape.slice(1).reduce((a, b) => a * b, 1);
      });
      if (widths.reduce((a, b) => a + b, 0) !== P) fail(`adam: the parameters hold ${widths.reduce((a, b) => a + b, 0)} values per task, the moments ${P}`);
      const view = backend as unknown as WasmBackendView;
      const outs = [...params.map(([p]) => view.makeOutput([...(p as TensorInfo).shape], 'float32')), view.makeOutput([k, P], 'float32'), view.makeOutput([k, P], 'float32')];
      const offset = (t: TensorInfo): number => offsetOf(view, t);
      const kernels = kernelsFor(view.wasm.asm.memory);
      const [outM, outV] = outs.slice(count) as [TensorInfo, TensorInfo];
      let at = 0;
      params.forEach(([p, g], i) => {
        const width = widths[i] as number;
        if (k * width > 0) {
          kernels.adam(offset(g as TensorInfo), offset(p as TensorInfo), offset(outs[i] as TensorInfo), offset(m), offset(v), offset(outM), offset(outV), k, width, P, at, offset(bias1), offset(bias2), offset(active), lr, beta1, beta2, 1 - beta1, 1 - beta2, epsilon);
        }
        at += width;
      });
      return outs;
    },
  });
}

/**
 * One Adam step for every task at once, masked: a task whose `active` is 0 keeps its parameters and moments bit for
 * bit. `params[i]` and `grads[i]` are [k, ...]; the moments are [k, P] with the parameters' values side by side;
 * `bias1`/`bias2` are each task's 1 − βᵗ. Returns the new parameters and moments.
 */
export function adamStep(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  moments: { readonly m: tf.Tensor2D; readonly v: tf.Tensor2D },
  perTask: { readonly bias1: tf.Tensor1D; readonly bias2: tf.Tensor1D; readonly active: tf.Tensor1D },
  hyper: AdamHyper,
): { params: Tensor[]; m: tf.Tensor2D; v: tf.Tensor2D } {
  const inputs: Record<string, Tensor> = { m: moments.m, v: moments.v, ...perTask };
  params.forEach((p, i) => {
    inputs[`p${i}`] = p;
    inputs[`g${i}`] = grads[i] as Tensor;
  });
  const out = tf.engine().runKernel<Tensor[]>(ADAM, inputs, { count: params.length, ...hyper });
  return { params: out.slice(0, params.length), m: out[params.length] as tf.Tensor2D, v: out[params.length + 1] as tf.Tensor2D };
}

/** x's rows at `indices` (int32 [count]), stacked: [count, ...x.shape[1:]]. Out-of-range indices throw. */
export function gatherRows<T extends Tensor>(x: T, indices: tf.Tensor1D): T {
  return tf.engine().runKernel<T>(GATHER_ROWS, { x, indices }, {});
}

/** op(a)[t] · b[t] per task: a [k, m, kd] (or [k, kd, m] with `transposeA`), b [k, kd, n] or one shared [1, kd, n]. */
export function taskMatMul(a: Tensor3D, b: Tensor3D, transposeA = false): Tensor3D {
  return taskLayer(a, b, { transposeA }).out;
}

export interface TaskLayerOptions {
  readonly transposeA?: boolean;
  /** Multiplies the product (1: exact, the product itself). */
  readonly scale?: number;
  /** Added to the scaled product, [k, m, n]. */
  readonly addend?: Tensor3D;
  /** One [n] bias for every task, or one per task ([k, 1, n] or [k, n]). */
  readonly bias?: Tensor;
  /** relu after the bias; its input is also returned as `pre` (what the gradient needs). */
  readonly relu?: boolean;
  /** A residual added last, [k, m, n]. */
  readonly res?: Tensor3D;
}

/** res + relu(addend + scale·op(a)·b + bias) (or without the relu), per task, in one kernel call. */
export function taskLayer(a: Tensor3D, b: Tensor3D, o: TaskLayerOptions = {}): { out: Tensor3D; pre?: Tensor3D } {
  const inputs: Record<string, Tensor> = { a, b };
  if (o.addend !== undefined) inputs['addend'] = o.addend;
  if (o.bias !== undefined) inputs['bias'] = o.bias;
  if (o.res !== undefined) inputs['res'] = o.res;
  const attrs = { transposeA: o.transposeA === true, scale: o.scale ?? 1, relu: o.relu === true };
  const result = tf.engine().runKernel<Tensor | Tensor[]>(TASK_MATMUL, inputs, attrs);
  return Array.isArray(result) ? { out: result[0] as Tensor3D, pre: result[1] as Tensor3D } : { out: result as Tensor3D };
}

/** relu's gradient, scaled: (pre > 0 ? dy : 0)·scale, elementwise, for the relu's input `pre`. */
export function reluMask<T extends Tensor>(dy: T, pre: Tensor, scale = 1): T {
  return tf.engine().runKernel<T>(RELU_MASK, { dy, pre }, { scale });
}
