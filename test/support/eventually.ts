/** Polls `probe` until it returns a value (not undefined/null/false), or fails naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})`;
      throw new Error(`${what}: not true within ${timeoutMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
