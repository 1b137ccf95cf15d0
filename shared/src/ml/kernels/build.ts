/**
 * `npm run build:kernels`: compiles Lethe's WebAssembly kernels and writes them as base64 modules next to their
 * sources (committed, so installing and running need no compiler; a unit test checks they match their source).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { batchMatMulWat } from './batch-matmul-wat.js';
import { compileWat, kernelModuleSource } from './compile-wat.js';

const out = fileURLToPath(new URL('./batch-matmul-wasm.ts', import.meta.url));
writeFileSync(out, kernelModuleSource('BATCH_MATMUL_WASM', await compileWat('batch-matmul.wat', batchMatMulWat()), 'batch-matmul-wat.ts'));
process.stdout.write(`wrote ${out}\n`);
