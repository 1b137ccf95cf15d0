import { createHash } from 'node:crypto';
import { invalidArgument } from '../errors/errors.js';
import { requireInt } from './validate.js';

/**
 * Placement hash, version 1 (frozen: changing it would move samples and break exactness).
 *
 *   H_domain(salt, id) = first 8 bytes, big-endian, of SHA-256( "lethe/v1/" + domain + 0x00 + salt + 0x00 + id )
 *
 * with every string encoded as UTF-8 and domain ∈ {"shard", "slice"}. SHA-256 is specified bit-exactly, so the
 * result is the same on every platform, process and Node version. The two domains make the shard and slice hashes
 * independent; reducing a 64-bit value modulo m ≤ 2^16 has a bias below 2^-48, far below anything measurable.
 */
export const PLACEMENT_HASH_VERSION = 1;

export type PlacementDomain = 'shard' | 'slice';

export function placementHash(domain: PlacementDomain, salt: string, id: string): bigint {
  const digest = createHash('sha256').update(`lethe/v1/${domain}\u0000${salt}\u0000${id}`, 'utf8').digest();
  return digest.readBigUInt64BE(0);
}

export interface Placement {
  readonly shard: number;
  readonly slice: number;
}

/** Upper bound on m and L: keeps the modulo bias negligible and plans of sane size. */
export const MAX_SHARDS = 4096;
export const MAX_SLICES = 64;

/** `shard = H(salt, id) mod m`, `slice = H'(salt, id) mod L`. */
export function placeSample(salt: string, id: string, shards: number, slices: number): Placement {
  requireInt('shards', shards, 1, MAX_SHARDS);
  requireInt('slices', slices, 1, MAX_SLICES);
  if (id.length === 0) throw invalidArgument('sample id must not be empty', { field: 'sample_id' });
  return {
    shard: Number(placementHash('shard', salt, id) % BigInt(shards)),
    slice: Number(placementHash('slice', salt, id) % BigInt(slices)),
  };
}
