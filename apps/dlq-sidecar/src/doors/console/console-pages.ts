import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { csrfBindingOf, identityOf } from '../identity/identified-request';
import { SessionTokens } from '../identity/session-tokens';
import { Html } from './html';
import { PageContext } from './pages/layout.page';

/** Renders a signed-in page with what every page needs: the identity and a CSRF token for its forms. */
@Injectable()
export class ConsolePages {
  constructor(private readonly sessions: SessionTokens) {}

  render(request: FastifyRequest, page: (context: PageContext) => Html): string {
    const binding = csrfBindingOf(request);
    return page({
      identity: identityOf(request),
      csrfToken: binding === undefined ? undefined : this.sessions.csrfTokenFor(binding),
      path: request.url.split('?')[0],
    }).text;
  }
}
