import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { isIPv4, isIPv6 } from 'node:net';
import { ToInt, ToList } from './env-transforms';
import { SharedConfig } from './shared.config';

export const CONSOLE_SIGN_IN_MODES = ['off', 'local-token', 'oidc', 'proxy'] as const;
export type ConsoleSignInMode = (typeof CONSOLE_SIGN_IN_MODES)[number];

export const OPERATOR_ROLES = ['reader', 'operator', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

const API_KEY_ENTRY = /^[a-z0-9][a-z0-9._-]{0,63}:(reader|operator|admin):[0-9a-f]{64}$/;
const ROLE_MAP_ENTRY = /^[^=,\s]{1,200}=(reader|operator|admin)$/;
const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'];

/**
 * Who may use the dlq-sidecar's doors (operator API keys, the browser console) and how they sign
 * in. The sidecar's config class extends this one: still one validated class per app.
 */
export class ConsoleConfig extends SharedConfig {
  /** How people sign in to the console at /console: off (no console), local-token (the one-time link `npm start` prints; loopback HOST only), oidc, or proxy (identity headers from an auth proxy such as oauth2-proxy). */
  @IsIn(CONSOLE_SIGN_IN_MODES)
  CONSOLE_SIGN_IN: ConsoleSignInMode = 'off';

  /** The console's address as browsers see it (scheme, host, port), e.g. https://dlq.example.com; the OIDC redirect URI is <url>/console/oidc/callback. Unset: the address the sidecar listens on. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  CONSOLE_PUBLIC_URL?: string;

  /** Signs console session cookies and CSRF tokens; at least 32 characters, the same on every replica (from a Secret). Required for oidc and proxy; local-token makes a fresh one per start. */
  @IsOptional()
  @IsString()
  @MinLength(32)
  @MaxLength(512)
  CONSOLE_SESSION_SECRET?: string;

  /** A console session ends this many hours after sign-in. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(168)
  CONSOLE_SESSION_HOURS = 12;

  /** The role of the operator signed in with the local one-time link. */
  @IsIn(OPERATOR_ROLES)
  CONSOLE_LOCAL_ROLE: OperatorRole = 'admin';

  /** OpenID Connect issuer (discovery at <issuer>/.well-known/openid-configuration). https, or http only on a loopback address. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OIDC_ISSUER_URL?: string;

  /** The console's OIDC client id. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  OIDC_CLIENT_ID?: string;

  /** The console's OIDC client secret (from a Secret); unset for a public client (PKCE alone). */
  @IsOptional()
  @IsString()
  OIDC_CLIENT_SECRET?: string;

  /** Scopes asked for at sign-in. */
  @IsString()
  OIDC_SCOPES = 'openid profile email';

  /** The ID token claim (dotted path for nested ones, e.g. realm_access.roles) whose values give the role. */
  @IsString()
  @Matches(/^[A-Za-z0-9_:/.-]{1,200}$/, {
    message: 'IDENTITY_ROLES_CLAIM must be a claim name or dotted path',
  })
  IDENTITY_ROLES_CLAIM = 'roles';

  /** value=role pairs (comma-separated) from the roles claim or the proxy's groups header to reader, operator or admin; the highest match wins. reader, operator and admin always map to themselves. */
  @ToList()
  @Matches(ROLE_MAP_ENTRY, {
    each: true,
    message: 'IDENTITY_ROLE_MAP entries must be value=reader|operator|admin',
  })
  IDENTITY_ROLE_MAP: string[] = [];

  /** Addresses (CIDRs, comma-separated) of the auth proxy; identity headers from any other address are refused. Required for proxy. */
  @ToList()
  @IsString({ each: true })
  PROXY_TRUSTED_CIDRS: string[] = [];

  /** Header with the signed-in person's name from the auth proxy (oauth2-proxy: X-Forwarded-Email or X-Forwarded-User). */
  @Matches(/^[a-z0-9-]{1,100}$/i)
  PROXY_USER_HEADER = 'x-forwarded-email';

  /** Header with the person's groups, comma-separated, mapped to a role like the roles claim. */
  @Matches(/^[a-z0-9-]{1,100}$/i)
  PROXY_GROUPS_HEADER = 'x-forwarded-groups';

  /** Operator API keys for the CLI and the admin API, comma-separated name:role:sha256hex (the key itself is never configured). */
  @ToList()
  @Matches(API_KEY_ENTRY, {
    each: true,
    message: 'OPERATOR_API_KEYS entries must be name:reader|operator|admin:<64 lowercase hex>',
  })
  OPERATOR_API_KEYS: string[] = [];

  /** Wrong API keys, sign-in tokens or proxy headers one client address may present per minute before it is refused for a while. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  AUTH_FAILURES_PER_MINUTE = 10;

  consoleCrossFieldErrors(host: string): string[] {
    const errors: string[] = [];
    const mode = this.CONSOLE_SIGN_IN;
    if (mode === 'local-token' && !LOOPBACK_HOSTS.includes(host)) {
      errors.push(
        'CONSOLE_SIGN_IN: local-token signs in whoever opens the link, so HOST must be a loopback address',
      );
    }
    if ((mode === 'oidc' || mode === 'proxy') && !this.CONSOLE_SESSION_SECRET) {
      errors.push(`CONSOLE_SESSION_SECRET: required with CONSOLE_SIGN_IN=${mode}`);
    }
    if (mode === 'oidc') {
      if (!this.OIDC_ISSUER_URL || !this.OIDC_CLIENT_ID || !this.CONSOLE_PUBLIC_URL) {
        errors.push(
          'OIDC_ISSUER_URL, OIDC_CLIENT_ID, CONSOLE_PUBLIC_URL: all required with CONSOLE_SIGN_IN=oidc',
        );
      } else if (!isSecureOrLoopback(this.OIDC_ISSUER_URL)) {
        errors.push('OIDC_ISSUER_URL: must be https (http only on a loopback address)');
      }
    }
    // The session cookie is Secure: a browser keeps it only over https or on loopback.
    if (this.CONSOLE_PUBLIC_URL && !isSecureOrLoopback(this.CONSOLE_PUBLIC_URL)) {
      errors.push('CONSOLE_PUBLIC_URL: must be https (http only on a loopback address)');
    }
    if (mode === 'proxy' && this.PROXY_TRUSTED_CIDRS.length === 0) {
      errors.push('PROXY_TRUSTED_CIDRS: required with CONSOLE_SIGN_IN=proxy');
    }
    const badCidrs = this.PROXY_TRUSTED_CIDRS.filter((cidr) => parseCidr(cidr) === undefined);
    if (badCidrs.length > 0) {
      errors.push(`PROXY_TRUSTED_CIDRS: not a CIDR: ${badCidrs.join(', ')}`);
    }
    const names = this.OPERATOR_API_KEYS.map((entry) => entry.split(':')[0]);
    const repeated = names.filter((name, index) => names.indexOf(name) !== index);
    if (repeated.length > 0) {
      errors.push(`OPERATOR_API_KEYS: names must be unique: ${repeated.join(', ')}`);
    }
    return errors;
  }
}

export interface Cidr {
  address: string;
  prefix: number;
  type: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, ...rest] = text.split('/');
  const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!type || rest.length > 0) {
    return undefined;
  }
  const max = type === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
    return undefined;
  }
  return { address, prefix, type };
}

function isSecureOrLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || LOOPBACK_HOSTS.includes(hostname.replace(/^\[|\]$/g, ''));
}
