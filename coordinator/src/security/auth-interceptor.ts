import { Metadata, ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { granted, type Principal } from '../../../shared/src/domain/roles.js';
import { ErrorCode, LetheError, toLetheError } from '../../../shared/src/errors/errors.js';
import { toServiceError } from '../../../shared/src/adapters/grpc/status.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { Authenticator } from './authenticator.js';
import { requiredRole } from './rpc-policy.js';

/**
 * The callers of calls in flight, by their request metadata: the interceptor hands handlers the same Metadata
 * object it checked, so a handler learns who called without anything a client could forge.
 */
export class Callers {
  private readonly byMetadata = new WeakMap<Metadata, Principal>();
  set(metadata: Metadata, p: Principal): void {
    this.byMetadata.set(metadata, p);
  }
  /** The authenticated caller of a call; INTERNAL if the interceptor did not see it (a wiring fault). */
  of(call: { metadata: Metadata }): Principal {
    const p = this.byMetadata.get(call.metadata);
    if (p === undefined) throw new LetheError(ErrorCode.INTERNAL, 'no authenticated caller for this call');
    return p;
  }
}

/**
 * Every call passes here before its handler: public methods (health, reflection) go through; any other needs a
 * caller (UNAUTHENTICATED otherwise) holding the method's role (PERMISSION_DENIED otherwise). A method without a
 * policy is refused to everyone.
 */
export function authInterceptor(auth: Authenticator, callers: Callers, logger: Logger): ServerInterceptor {
  return (method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            const role = requiredRole(method.path);
            if (role === 'public') {
              proceed(metadata);
              return;
            }
            const refuse = (e: unknown): void => {
              const err = toLetheError(e);
              logger.info({ rpc: method.path, peer: call.getPeer(), code: err.code, message: err.message }, 'call refused');
              const se = toServiceError(err);
              call.sendStatus({ code: se.code as number, details: se.details as string, metadata: se.metadata ?? new Metadata() });
            };
            auth.authenticate(metadata, call.getAuthContext()).then((principal) => {
              if (role === undefined) throw new LetheError(ErrorCode.PERMISSION_DENIED, `${method.path} has no access policy; nobody may call it`);
              const holds = granted(principal.roles);
              if (!holds.has(role)) {
                throw new LetheError(ErrorCode.PERMISSION_DENIED, `${method.path} needs role ${role}; ${principal.name} holds ${[...principal.roles].join(', ') || 'no role'}`);
              }
              callers.set(metadata, principal);
              proceed(metadata);
            }).catch(refuse);
          },
        }),
    });
}
