import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientAddress, Authenticator } from '../identity/authenticator';
import { clearCookie, cookieOf, FLOW_COOKIE, SESSION_COOKIE, setCookie } from '../identity/cookies';
import { Identity } from '../identity/identity';
import { IdentityErrorCode, IdentityException } from '../identity/identity.exception';
import { LocalSignInLink } from '../identity/local-sign-in-link';
import { OidcSignIn } from '../identity/oidc-sign-in';
import { SessionTokens } from '../identity/session-tokens';

/** The ways into the console; each ends with a session cookie and a redirect to a clean URL. */
@Injectable()
export class ConsoleSignIn {
  constructor(
    private readonly config: DlqSidecarConfig,
    private readonly authenticator: Authenticator,
    private readonly sessions: SessionTokens,
    private readonly link: LocalSignInLink,
    private readonly oidc: OidcSignIn,
  ) {}

  /** The printed link: the token leaves the address bar at once (303 to /console). */
  async redeemToken(request: FastifyRequest, reply: FastifyReply, token: string): Promise<void> {
    const client = clientAddress(request);
    if (this.authenticator.throttle.retryAfterSeconds(client) > 0) {
      throw new IdentityException(
        IdentityErrorCode.Throttled,
        'Too many failed sign-ins; wait a minute',
      );
    }
    const identity = this.link.redeem(token);
    if (!identity) {
      this.authenticator.refuse(
        client,
        'this sign-in link: it is wrong or was used already (each link signs in once; restart the dlq-sidecar for a new one)',
      );
    }
    await this.startSession(reply, identity);
  }

  async startOidc(reply: FastifyReply): Promise<void> {
    this.requireOidc();
    const { authorizationUrl, flow } = await this.oidc.start();
    setCookie(reply, FLOW_COOKIE, await this.sessions.issueFlow(flow), 600);
    void reply.status(303).header('location', authorizationUrl).send();
  }

  async finishOidc(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    this.requireOidc();
    const cookie = cookieOf(request, FLOW_COOKIE);
    const flow = cookie ? await this.sessions.verifyFlow(cookie) : undefined;
    if (!flow) {
      throw new IdentityException(
        IdentityErrorCode.SignInFailed,
        'This sign-in took too long or did not start here; sign in again',
      );
    }
    clearCookie(reply, FLOW_COOKIE);
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    await this.startSession(reply, await this.oidc.finish(query, flow));
  }

  signOut(reply: FastifyReply): void {
    clearCookie(reply, SESSION_COOKIE);
    void reply.status(303).header('location', '/console/sign-in').send();
  }

  private requireOidc(): void {
    if (!this.oidc.enabled) {
      throw new IdentityException(
        IdentityErrorCode.SignInFailed,
        'Sign-in with OpenID Connect is not configured',
      );
    }
  }

  private async startSession(reply: FastifyReply, identity: Identity): Promise<void> {
    const session = await this.sessions.issueSession(identity);
    setCookie(reply, SESSION_COOKIE, session, this.sessions.sessionSeconds);
    void reply.status(303).header('location', '/console').send();
  }
}
