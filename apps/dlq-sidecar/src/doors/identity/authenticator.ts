import { Injectable, Logger } from '@nestjs/common';
import { DlqSidecarConfig, parseCidr } from '@orders/config';
import type { FastifyRequest } from 'fastify';
import { BlockList } from 'node:net';
import { SESSION_COOKIE, cookieOf } from './cookies';
import { FailureThrottle } from './failure-throttle';
import { Identity } from './identity';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { OperatorApiKeys } from './operator-api-keys';
import { claimValues, RoleMapping } from './role-mapping';
import { SessionTokens } from './session-tokens';

export interface Verified {
  identity: Identity;
  /** What a CSRF token is bound to; undefined for API keys (no cookies, nothing to forge). */
  csrfBinding?: string;
}

/**
 * Who is asking, from what the request proves: an operator API key, trusted headers from the
 * configured auth proxy, or a console session cookie. Never from anything else it says.
 */
@Injectable()
export class Authenticator {
  private readonly logger = new Logger(Authenticator.name);
  private readonly proxies = new BlockList();
  readonly throttle: FailureThrottle;
  readonly roles: RoleMapping;

  constructor(
    private readonly config: DlqSidecarConfig,
    private readonly keys: OperatorApiKeys,
    private readonly sessions: SessionTokens,
  ) {
    this.throttle = new FailureThrottle(config.AUTH_FAILURES_PER_MINUTE);
    this.roles = new RoleMapping(config.IDENTITY_ROLE_MAP);
    for (const text of config.PROXY_TRUSTED_CIDRS) {
      const cidr = parseCidr(text);
      if (cidr) {
        this.proxies.addSubnet(cidr.address, cidr.prefix, cidr.type);
      }
    }
  }

  /** The verified identity, or undefined when the request proves none (no credentials at all). */
  async verify(request: FastifyRequest): Promise<Verified | undefined> {
    const client = clientAddress(request);
    const retryAfter = this.throttle.retryAfterSeconds(client);
    if (retryAfter > 0) {
      throw new IdentityException(
        IdentityErrorCode.Throttled,
        `Too many failed sign-ins from ${client}; try again in ${retryAfter} s`,
      );
    }
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const key = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
      const identity = key === undefined ? undefined : this.keys.identify(key);
      if (!identity) {
        this.refuse(client, 'an unknown API key');
      }
      return { identity };
    }
    const proxied = this.fromProxy(request, client);
    if (proxied) {
      return proxied;
    }
    const cookie = cookieOf(request, SESSION_COOKIE);
    const session = cookie ? await this.sessions.verifySession(cookie) : undefined;
    // An expired or foreign cookie is no attack worth throttling: the person just signs in again.
    return session && { identity: session.identity, csrfBinding: `session:${session.id}` };
  }

  /** The failed attempt counts towards the client's throttle; the error names no secret. */
  refuse(client: string, what: string): never {
    this.throttle.fail(client);
    this.logger.warn({ msg: 'sign-in refused', client, what });
    throw new IdentityException(IdentityErrorCode.SignInFailed, `Refused ${what}`);
  }

  private fromProxy(request: FastifyRequest, client: string): Verified | undefined {
    const user = headerText(request, this.config.PROXY_USER_HEADER);
    if (this.config.CONSOLE_SIGN_IN !== 'proxy' || user === undefined) {
      return undefined;
    }
    if (!this.proxies.check(client, client.includes(':') ? 'ipv6' : 'ipv4')) {
      this.refuse(client, `identity headers from ${client}, which is not a trusted proxy`);
    }
    const groups = headerText(request, this.config.PROXY_GROUPS_HEADER) ?? '';
    const role = this.roles.roleOf(claimValues({ groups }, 'groups'));
    if (!role) {
      throw new IdentityException(
        IdentityErrorCode.NotAllowed,
        `${user} has no role here: none of their groups maps to reader, operator or admin`,
      );
    }
    return {
      identity: { subject: user, name: user, role, via: 'proxy' },
      csrfBinding: `proxy:${user}`,
    };
  }
}

/** The socket's address (a proxy's own address, never X-Forwarded-For), IPv4-mapped IPv6 unwrapped. */
export function clientAddress(request: FastifyRequest): string {
  const address = request.socket.remoteAddress ?? request.ip;
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function headerText(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text.slice(0, 200) : undefined;
}
