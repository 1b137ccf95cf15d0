import { describe, expect, it } from 'vitest';
import { parseBackendName, selectBackend } from './backend.js';
import { tf } from './tf.js';

describe('selectBackend', () => {
  it('fails clearly when a forced backend is unavailable, then picks the best available (wasm here)', async () => {
    // tfjs-node cannot install where libtensorflow cannot be downloaded; where it can, this is not an error.
    const forced = await selectBackend({ forced: 'tensorflow' }).then(
      () => null,
      (e: unknown) => e,
    );
    if (forced !== null) expect((forced as Error).message).toMatch(/backend tensorflow is unavailable/);
    if (forced === null) return; // a machine with libtensorflow: nothing more to check here
    const chosen = await selectBackend({ gpuPresent: false });
    expect(chosen.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(chosen.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu']);
    await expect(selectBackend({ forced: 'cpu' })).rejects.toThrow(/already active/);
  });

  it('parses backend names', () => {
    expect(parseBackendName('wasm')).toBe('wasm');
    expect(parseBackendName('auto')).toBe('auto');
    expect(() => parseBackendName('tpu')).toThrow(/unknown backend 'tpu'/);
  });
});
