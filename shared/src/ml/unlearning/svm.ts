import { createRequire } from 'node:module';

/** The part of libsvm-js (LIBSVM 3.22 compiled with Emscripten; LIBSVM is the library behind sklearn's SVC) we use. */
interface LibSvm {
  train(samples: number[][], labels: number[]): void;
  predict(samples: number[][]): number[];
  free(): void;
}
interface LibSvmConstructor {
  new (options: { kernel: number; type: number; gamma: number; cost: number; quiet: boolean }): LibSvm;
  readonly KERNEL_TYPES: { readonly RBF: number };
  readonly SVM_TYPES: { readonly C_SVC: number };
}

let loaded: LibSvmConstructor | undefined;

/**
 * Loads libsvm-js's asm.js build (synchronous, the same LIBSVM 3.22 sources as its WebAssembly build, whose loader
 * prints a fetch warning to stdout under Node, which would corrupt `--json` output).
 */
function libsvm(): Promise<LibSvmConstructor> {
  loaded ??= createRequire(import.meta.url)('libsvm-js/asm') as LibSvmConstructor;
  return Promise.resolve(loaded);
}

/**
 * An RBF-kernel C-SVC as sklearn's `SVC(C, gamma)` configures LIBSVM: trained on (features, 0/1 labels), it
 * predicts labels for other features. The model lives in WebAssembly memory and is freed before returning.
 */
export async function rbfSvcPredict(train: { features: number[][]; labels: number[] }, target: number[][], options: { cost: number; gamma: number }): Promise<number[]> {
  const SVM = await libsvm();
  const svm = new SVM({ kernel: SVM.KERNEL_TYPES.RBF, type: SVM.SVM_TYPES.C_SVC, gamma: options.gamma, cost: options.cost, quiet: true });
  try {
    svm.train(train.features, train.labels);
    return target.length === 0 ? [] : svm.predict(target);
  } finally {
    svm.free();
  }
}
