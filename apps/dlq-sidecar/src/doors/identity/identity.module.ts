import { Module } from '@nestjs/common';
import { Authenticator } from './authenticator';
import { IdentityGuard } from './identity.guard';
import { LocalSignInLink } from './local-sign-in-link';
import { OidcSignIn } from './oidc-sign-in';
import { OperatorApiKeys } from './operator-api-keys';
import { SessionTokens } from './session-tokens';

/** Who is asking and what they may do, for every door (admin API, console). */
@Module({
  providers: [
    OperatorApiKeys,
    SessionTokens,
    Authenticator,
    IdentityGuard,
    LocalSignInLink,
    OidcSignIn,
  ],
  exports: [
    OperatorApiKeys,
    SessionTokens,
    Authenticator,
    IdentityGuard,
    LocalSignInLink,
    OidcSignIn,
  ],
})
export class IdentityModule {}
