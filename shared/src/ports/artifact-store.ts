/**
 * Content-addressed blob storage for model artifacts: the address of a blob is the lowercase hex SHA-256 of its
 * bytes, so an artifact can never change under its name and a reader can verify what it got.
 */
export interface ArtifactStore {
  /** Stores the bytes (idempotent) and returns their sha256 digest. */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes of `digest`; NOT_FOUND when absent; INTERNAL when the stored bytes fail verification. */
  get(digest: string): Promise<Uint8Array>;
  has(digest: string): Promise<boolean>;
  /**
   * Removes the blob for good (idempotent: deleting an absent digest is not an error). Lethe deletes what was
   * trained on deleted data once nothing serves it: deleted means forgotten.
   */
  delete(digest: string): Promise<void>;
  /** Every stored digest (for audits and garbage collection). */
  list(): Promise<string[]>;
}
