/**
 * Who may do what. A caller holds one or more roles; a role grants itself and the roles listed under it, so an
 * operator can read what it operates and an admin can do everything but act as a worker.
 */
export const ROLES = ['reader', 'deleter', 'operator', 'admin', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const GRANTS: Readonly<Record<Role, readonly Role[]>> = {
  reader: ['reader'],
  deleter: ['deleter'],
  operator: ['operator', 'reader'],
  admin: ['admin', 'operator', 'deleter', 'reader'],
  // The worker protocol only: a worker's credential opens nothing else.
  worker: ['worker'],
};

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/** Every role the given roles grant. */
export function granted(roles: Iterable<Role>): Set<Role> {
  const out = new Set<Role>();
  for (const r of roles) for (const g of GRANTS[r]) out.add(g);
  return out;
}

/** An authenticated caller: its name (a token's subject, a certificate's CN, a JWT's sub) and its roles. */
export interface Principal {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  /** How it proved who it is. */
  readonly via: 'token' | 'jwt' | 'certificate';
}

/** Names of callers and workers: what a token subject, a certificate CN or a JWT sub may be. */
export const PRINCIPAL_NAME = /^[A-Za-z0-9._@:-]{1,128}$/;

/**
 * A worker pool's credential: a name ending in '*' (e.g. "lethe-worker-cpu-*") may attach as any worker id with that
 * prefix. For Deployments, whose pods share one Secret; each id still attaches once.
 */
export const POOL_NAME = /^[A-Za-z0-9._@:-]{1,127}\*$/;

export function isPrincipalName(s: string): boolean {
  return PRINCIPAL_NAME.test(s) || POOL_NAME.test(s);
}

/** Whether a worker credential named `name` may attach as worker `id`. */
export function mayAttachAs(name: string, id: string): boolean {
  return POOL_NAME.test(name) ? id.startsWith(name.slice(0, -1)) : name === id;
}
