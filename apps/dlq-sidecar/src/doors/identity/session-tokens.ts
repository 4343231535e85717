import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig, OPERATOR_ROLES, OperatorRole } from '@orders/config';
import { jwtVerify, SignJWT } from 'jose';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Identity, SignedInVia } from './identity';

const SESSION = 'dlq-console-session';
const FLOW = 'dlq-console-oidc-flow';
const VIAS: readonly SignedInVia[] = ['local-token', 'oidc'];

/**
 * The console's signed cookies (jose, HS256): the session, and the short-lived OIDC flow state.
 * Stateless, so every replica with the same secret accepts them; a session ends at its expiry.
 */
@Injectable()
export class SessionTokens {
  private readonly secret: Uint8Array;

  constructor(private readonly config: DlqSidecarConfig) {
    // local-token: a fresh secret per start, so a restart signs everyone out.
    this.secret = config.CONSOLE_SESSION_SECRET
      ? new TextEncoder().encode(config.CONSOLE_SESSION_SECRET)
      : randomBytes(32);
  }

  get sessionSeconds(): number {
    return this.config.CONSOLE_SESSION_HOURS * 3600;
  }

  issueSession(identity: Identity): Promise<string> {
    return new SignJWT({ name: identity.name, role: identity.role, via: identity.via })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(identity.subject)
      .setAudience(SESSION)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt()
      .setExpirationTime(`${this.sessionSeconds}s`)
      .sign(this.secret);
  }

  /** The session's identity, or undefined for anything forged, expired or malformed. */
  async verifySession(token: string): Promise<{ identity: Identity; id: string } | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        audience: SESSION,
        algorithms: ['HS256'],
      });
      const { sub, name, role, via, jti } = payload;
      if (
        typeof sub !== 'string' ||
        typeof name !== 'string' ||
        typeof jti !== 'string' ||
        !OPERATOR_ROLES.includes(role as OperatorRole) ||
        !VIAS.includes(via as SignedInVia)
      ) {
        return undefined;
      }
      return {
        identity: { subject: sub, name, role: role as OperatorRole, via: via as SignedInVia },
        id: jti,
      };
    } catch {
      return undefined;
    }
  }

  issueFlow(flow: Record<string, string>): Promise<string> {
    return new SignJWT(flow)
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(FLOW)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(this.secret);
  }

  async verifyFlow(token: string): Promise<Record<string, unknown> | undefined> {
    try {
      return (await jwtVerify(token, this.secret, { audience: FLOW, algorithms: ['HS256'] }))
        .payload;
    } catch {
      return undefined;
    }
  }

  /** A form's CSRF token: bound to one session (or one proxied person), useless elsewhere. */
  csrfTokenFor(bindingId: string): string {
    return createHmac('sha256', this.secret).update(`csrf:${bindingId}`).digest('base64url');
  }

  csrfTokenMatches(bindingId: string, presented: string): boolean {
    const expected = Buffer.from(this.csrfTokenFor(bindingId));
    const given = Buffer.from(presented);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
