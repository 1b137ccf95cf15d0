import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where `lethe up` writes the coordinator's address for the client verbs (LETHE_ADDRESS_FILE overrides). */
export function addressFile(): string {
  return process.env['LETHE_ADDRESS_FILE'] ?? join(homedir(), '.lethe', 'coordinator');
}

/**
 * The coordinator a client verb talks to when no --coordinator is given: LETHE_COORDINATOR, else the address
 * `lethe up` wrote, else 127.0.0.1:50051.
 */
export function defaultCoordinator(): string {
  const env = process.env['LETHE_COORDINATOR'];
  if (env !== undefined && env !== '') return env;
  try {
    const written = readFileSync(addressFile(), 'utf8').trim();
    if (/^[^\s:]+:\d{1,5}$/.test(written)) return written;
  } catch {
    // no cluster started with lethe up
  }
  return '127.0.0.1:50051';
}

export function writeAddress(address: string): void {
  mkdirSync(dirname(addressFile()), { recursive: true });
  writeFileSync(addressFile(), `${address}\n`);
}

/** Removes the address file if it still names `address` (another `lethe up` may have replaced it). */
export function clearAddress(address: string): void {
  try {
    if (readFileSync(addressFile(), 'utf8').trim() === address) rmSync(addressFile());
  } catch {
    // already gone
  }
}
