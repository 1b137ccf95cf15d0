/**
 * The TF.js entry point every ML module imports. Backends (wasm, node, webgpu) register themselves with this
 * same tfjs-core instance when `selectBackend` loads them.
 */
export * as tf from '@tensorflow/tfjs';
export type { Tensor, Tensor1D, Tensor2D, Tensor4D, Variable, Rank } from '@tensorflow/tfjs';
