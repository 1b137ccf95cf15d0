import { tf } from './tf.js';
import type { KernelFunc, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs';

/**
 * Training kernels the wasm backend lacks, built only from wasm's own kernels (guides/compute.md):
 * `Conv2DBackpropFilter` (the filter gradient of conv2d) as a dilated convolution of the padded input with dy.
 * Registered once per process; a no-op when already present.
 */
export function registerWasmTrainingKernels(): void {
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
