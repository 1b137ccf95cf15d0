/**
 * Entry of the self-contained GPU bench bundle (see bundle.sh): registers the WebGPU backend (Dawn through the
 * `webgpu` package, a native module that stays outside the bundle) and the wasm backend with the bundle's own
 * TF.js, then runs bench:train. The WebGPU backend registers itself only if navigator.gpu exists when it is first
 * evaluated, hence the order.
 */
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
await import('@tensorflow/tfjs-backend-webgpu');
await import('@tensorflow/tfjs-backend-wasm');
await import('../train.js');
