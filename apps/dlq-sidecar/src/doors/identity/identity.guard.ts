import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from './authenticator';
import { rememberVerified } from './identified-request';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { refusalOf } from './permissions';
import { REQUIRES, Requirement } from './requires.decorator';
import { SessionTokens } from './session-tokens';

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

/**
 * Every route of the admin API and the console passes here: who is asking (verified), may their
 * role do what the route declares, and, for a browser's cookie, did our own page send the change.
 */
@Injectable()
export class IdentityGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly sessions: SessionTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.reflector.getAllAndOverride<Requirement | undefined>(REQUIRES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (requirement === undefined) {
      // Fail closed: a route that forgot to say what it does is nobody's.
      throw new Error(`${context.getClass().name}.${context.getHandler().name} lacks @Requires`);
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const verified = await this.authenticator.verify(request);
    if (!verified) {
      throw new IdentityException(
        IdentityErrorCode.SignInRequired,
        'Sign in first: an operator API key (Authorization: Bearer <key>) or the console',
      );
    }
    if (!SAFE_METHODS.includes(request.method) && verified.csrfBinding !== undefined) {
      this.checkCsrf(request, verified.csrfBinding);
    }
    const refusal =
      requirement === 'signed-in' ? undefined : refusalOf(verified.identity, requirement);
    if (refusal) {
      throw new IdentityException(IdentityErrorCode.NotAllowed, refusal);
    }
    rememberVerified(request, verified);
    return true;
  }

  // Header for scripts, hidden field for forms; both only our own pages can know.
  private checkCsrf(request: FastifyRequest, binding: string): void {
    const header = request.headers[CSRF_HEADER];
    const field = (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    const presented = typeof header === 'string' ? header : typeof field === 'string' ? field : '';
    if (!this.sessions.csrfTokenMatches(binding, presented)) {
      // Not counted towards the throttle: another site could make a victim's browser fail on purpose.
      throw new IdentityException(
        IdentityErrorCode.CsrfRejected,
        'This change did not come from a console page (missing or wrong CSRF token); reload the page and try again',
      );
    }
  }
}
