import { tf } from './tf.js';
import type { KernelFunc, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs';

/**
 * Training kernels the wasm backend lacks, built only from wasm's own kernels (guides/compute.md):
 * `Conv2DBackpropFilter` (the filter gradient of conv2d) as a dilated convolution of the padded input with dy.
 * Registered once per process; a no-op when already present.
 */
export function registerWasmTrainingKernels(): void {
  registerWasmCopyKernels();
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) return;
  const kernel = (name: string): KernelFunc => {
    const k = tf.getKernel(name, 'wasm');
    if (k === undefined) throw new Error(`wasm backend has no ${name} kernel`);
    return k.kernelFunc;
  };
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { strides, pad, dimRoundingMode, filterShape, dataFormat } = attrs as NamedAttrMap & {
        strides: number | [number, number];
        pad: 'valid' | 'same' | number;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
        dataFormat: 'NHWC' | 'NCHW';
      };
      if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
      const [sH, sW] = typeof strides === 'number' ? [strides, strides] : strides;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        [sH, sW],
        1,
        pad,
        dimRoundingMode,
      );
      const { top, bottom, left, right } = info.padInfo;
      const call = (name: string, kInputs: Record<string, TensorInfo>, kAttrs: NamedAttrMap): TensorInfo =>
        kernel(name)({ inputs: kInputs, backend, attrs: kAttrs }) as TensorInfo;
      const xp = call('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
      const xt = call('Transpose', { x: xp }, { perm: [3, 1, 2, 0] }); // [Ci, H, W, B] as a batch of Ci images
      const dyt = call('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, B, Co] as the filter
      const r = call('Conv2D', { x: xt, filter: dyt }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sH, sW], dimRoundingMode: 'floor' });
      const rs = call('Slice', { x: r }, { begin: [0, 0, 0, 0], size: [r.shape[0] as number, filterShape[0], filterShape[1], r.shape[3] as number] });
      const out = call('Transpose', { x: rs }, { perm: [1, 2, 0, 3] }); // [fh, fw, Ci, Co]
      for (const t of [xp, xt, dyt, r, rs]) (backend as tf.KernelBackend).disposeData(t.dataId);
      return out;
    },
  });
}

/** What the copy kernels need of the wasm backend (its heap and tensor table). */
interface WasmBackendView {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  readonly dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

let copyKernelsRegistered = false;

/** Replaces TF.js's wasm kernel `name` by `make(original)` (the original serves what the replacement does not). */
function replaceWasmKernel(name: string, make: (original: KernelFunc) => KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (original === undefined) throw new Error(`wasm backend has no ${name} kernel`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: make(original.kernelFunc) });
}

/**
 * Slice and Unpack for wasm that copy only what they return, and an Identity that copies nothing. TF.js 4.22's
 * wasm Slice reads its whole input back (`readSync`, a copy) before copying the slice, and Unpack slices k times:
 * slicing 64 rows of an 8,192-row tensor cost 0.4 ms, unstacking a [16, 64, 128] tensor 5.4 ms. These move bytes
 * inside the wasm heap instead (`copyWithin`), one contiguous run at a time. Same bytes out, so results are
 * unchanged.
 */
export function registerWasmCopyKernels(): void {
  if (copyKernelsRegistered) return;
  copyKernelsRegistered = true;
  const sliceInto = (backend: WasmBackendView, x: TensorInfo, begin: number[], size: number[]): TensorInfo => {
    const out = backend.makeOutput(size, x.dtype); // may grow the heap: take views after it
    const count = size.reduce((a, b) => a * b, 1);
    if (count === 0) return out;
    const bytes = x.dtype === 'bool' ? 1 : 4;
    const src = backend.dataIdMap.get(x.dataId)?.memoryOffset;
    const dst = backend.dataIdMap.get(out.dataId)?.memoryOffset;
    if (src === undefined || dst === undefined) throw new Error('wasm slice: unknown tensor');
    const shape = x.shape;
    const rank = shape.length;
    const strides = new Array<number>(rank).fill(1);
    for (let d = rank - 2; d >= 0; d--) strides[d] = (strides[d + 1] as number) * (shape[d + 1] as number);
    // The copied run: the innermost dimensions taken whole, plus the first (from the inside) partial one.
    let p = rank - 1;
    while (p > 0 && size[p] === shape[p]) p--;
    const run = (size[p] as number) * (strides[p] as number) * bytes;
    const heap = backend.wasm.HEAPU8;
    const index = new Array<number>(p).fill(0);
    let written = dst;
    for (;;) {
      let offset = (begin[p] as number) * (strides[p] as number);
      for (let d = 0; d < p; d++) offset += ((begin[d] as number) + (index[d] as number)) * (strides[d] as number);
      heap.copyWithin(written, src + offset * bytes, src + offset * bytes + run);
      written += run;
      let d = p - 1;
      while (d >= 0 && (index[d] = (index[d] as number) + 1) === size[d]) index[d--] = 0;
      if (d < 0) break;
    }
    return out;
  };
  replaceWasmKernel('Slice', (original) => (args) => {
    const { inputs, backend, attrs } = args;
    const x = (inputs as { x: TensorInfo }).x;
    if (x.dtype === 'string') return original(args);
    const { begin, size } = attrs as unknown as { begin: number[]; size: number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
    return sliceInto(backend as unknown as WasmBackendView, x, b as number[], s as number[]);
  });
  // Identity shares its input's memory (as Reshape does, and the cpu backend's Identity): TF.js clones every tensor
  // a gradient saves, and wasm's Identity copied each one. Safe because no wasm kernel writes into its inputs, and
  // a Variable's assign swaps its data rather than writing it.
  replaceWasmKernel('Identity', (original) => (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === 'string') return original(args);
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  const reshape = tf.getKernel('Reshape', 'wasm');
  if (reshape === undefined) throw new Error('wasm backend has no Reshape kernel');
  replaceWasmKernel('Unpack', () => ({ inputs, backend, attrs }) => {
    const value = (inputs as { value: TensorInfo }).value;
    const axis = (attrs as unknown as { axis: number }).axis;
    const shape = value.shape;
    const num = shape[axis] as number;
    const outShape = shape.filter((_, d) => d !== axis);
    const size = [...shape];
    size[axis] = 1;
    const outs: TensorInfo[] = [];
    for (let i = 0; i < num; i++) {
      const begin = shape.map((_, d) => (d === axis ? i : 0));
      const piece = sliceInto(backend as unknown as WasmBackendView, value, begin, size);
      outs.push(reshape.kernelFunc({ inputs: { x: piece }, backend, attrs: { shape: outShape } }) as TensorInfo);
      (backend as tf.KernelBackend).disposeData(piece.dataId);
    }
    return outs;
  });
}
