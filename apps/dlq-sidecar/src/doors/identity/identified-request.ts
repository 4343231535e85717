import type { FastifyRequest } from 'fastify';
import { Identity } from './identity';
import { Verified } from './authenticator';

const VERIFIED = new WeakMap<FastifyRequest, Verified>();

export function rememberVerified(request: FastifyRequest, verified: Verified): void {
  VERIFIED.set(request, verified);
}

/** The identity IdentityGuard verified for this request (it runs before every guarded route). */
export function identityOf(request: FastifyRequest): Identity {
  const verified = VERIFIED.get(request);
  if (!verified) {
    throw new Error('identityOf() on a route without IdentityGuard');
  }
  return verified.identity;
}

export function csrfBindingOf(request: FastifyRequest): string | undefined {
  return VERIFIED.get(request)?.csrfBinding;
}
