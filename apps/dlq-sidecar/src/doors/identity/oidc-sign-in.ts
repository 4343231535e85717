import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import * as oidc from 'openid-client';
import { Identity } from './identity';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { claimValues, RoleMapping } from './role-mapping';

export interface OidcStart {
  authorizationUrl: string;
  /** What the callback must match, kept in a signed short-lived cookie until then. */
  flow: { verifier: string; state: string; nonce: string };
}

/**
 * Authorization code flow with PKCE through openid-client: discovery, then the ID token checked
 * against the IdP's JWKS (signature, issuer, audience, expiry, nonce) before anyone is signed in.
 */
@Injectable()
export class OidcSignIn {
  private configuration?: Promise<oidc.Configuration>;
  private readonly roles: RoleMapping;

  constructor(private readonly config: DlqSidecarConfig) {
    this.roles = new RoleMapping(config.IDENTITY_ROLE_MAP);
  }

  get enabled(): boolean {
    return this.config.CONSOLE_SIGN_IN === 'oidc';
  }

  get redirectUri(): string {
    return `${this.config.CONSOLE_PUBLIC_URL?.replace(/\/+$/, '')}/console/oidc/callback`;
  }

  async start(): Promise<OidcStart> {
    const configuration = await this.discovered();
    const flow = {
      verifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.config.OIDC_SCOPES,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { authorizationUrl: url.href, flow };
  }

  async finish(query: string, flow: Record<string, unknown>): Promise<Identity> {
    const configuration = await this.discovered();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(
        configuration,
        new URL(`${this.redirectUri}?${query}`),
        {
          pkceCodeVerifier: String(flow.verifier),
          expectedState: String(flow.state),
          expectedNonce: String(flow.nonce),
          idTokenExpected: true,
        },
      );
      claims = tokens.claims();
    } catch (error) {
      throw new IdentityException(
        IdentityErrorCode.SignInFailed,
        `The identity provider's answer was refused: ${(error as Error).message}`,
      );
    }
    if (!claims) {
      throw new IdentityException(IdentityErrorCode.SignInFailed, 'No ID token came back');
    }
    const name = [claims.name, claims.email, claims.preferred_username, claims.sub].find(
      (value): value is string => typeof value === 'string' && value.length > 0,
    ) as string;
    const role = this.roles.roleOf(claimValues(claims, this.config.IDENTITY_ROLES_CLAIM));
    if (!role) {
      throw new IdentityException(
        IdentityErrorCode.NotAllowed,
        `${name} has no role here: the ${this.config.IDENTITY_ROLES_CLAIM} claim maps to none of reader, operator, admin`,
      );
    }
    return { subject: claims.sub, name: name.slice(0, 200), role, via: 'oidc' };
  }

  private discovered(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      // Retried at the next sign-in: the IdP may have been down only for a moment.
      this.configuration = undefined;
      throw new IdentityException(
        IdentityErrorCode.SignInFailed,
        `The identity provider cannot be reached: ${(error as Error).message}`,
      );
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.config.OIDC_ISSUER_URL as string);
    const secret = this.config.OIDC_CLIENT_SECRET;
    const configuration = await oidc.discovery(
      issuer,
      this.config.OIDC_CLIENT_ID as string,
      secret,
      secret ? oidc.ClientSecretPost(secret) : oidc.None(),
      // Config allows http only for a loopback issuer (a local IdP).
      { execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [] },
    );
    // Check the ID token's signature against the IdP's JWKS too, not only TLS to its token endpoint.
    oidc.enableNonRepudiationChecks(configuration);
    return configuration;
  }
}
